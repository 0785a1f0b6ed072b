"""Settings, merged from four places so a team can share defaults and a person can override them.

Precedence, highest first: command-line flag > environment (``ECO_<KEY>``, plus
``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``) > repository config (``REPO/.eco/config.toml``, then
``[tool.eco]`` in ``REPO/pyproject.toml``) > pipeline file (``pipelines/<name>.toml``) > the
defaults below. Every key is declared once, here, with its type; an unknown key or a value of the
wrong type is an error that names the file and the key.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eco.errors import ConfigError
from eco.resources import pipeline_path


@dataclass
class Settings:
    """Every tunable of eco. Field names are the keys used in all config sources."""

    # store
    database_url: str | None = None
    # mining
    rules_dirs: list[str] = field(default_factory=list)
    mine_threshold: float = 1.0
    max_diff_bytes: int = 2_000_000
    catalog_dirs: list[str] = field(default_factory=list)  # extra curated catalog folders (relative to the repo)
    mine_workers: int = 1  # processes that read before/after code while the log streams on (0: inline; more help the LLM judge)
    # ask the configured LLM about commits whose rules scored at least mine_llm_judge_min but below mine_llm_judge_max
    mine_llm_judge: bool = False
    mine_llm_judge_min: float = 0.25
    # and below this (None: the threshold); above the threshold, the judge also checks the rules' fixes and its "no" overrules them
    mine_llm_judge_max: float | None = None
    mine_llm_judge_concurrency: int = 4  # judge requests in flight at once (1: one after the other)
    # code extraction and index
    embedder: str = "minilm"
    index_exclude: list[str] = field(
        default_factory=lambda: [
            "**/.git/**", "**/.eco/**", "**/node_modules/**", "**/vendor/**", "**/third_party/**",
            "**/site-packages/**", "**/.venv/**", "**/venv/**", "**/build/**", "**/dist/**",
            "**/__pycache__/**", "**/*_pb2.py", "**/*.min.js",
        ]
    )
    max_file_bytes: int = 1_000_000
    index_mask_literals: bool = False  # replace string/number literals before embedding
    # profiles
    profile_prune_floor: float = 0.001
    profile_rollup_cap: float = 0.25
    profile_timeout: float = 1800.0  # eco profile run: seconds before the profiled command is stopped
    # matching
    top: int = 50
    # Indexed, but never reported: test code is not where users want performance patches.
    find_exclude: list[str] = field(
        default_factory=lambda: [
            "**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/conftest.py",
            "**/*_test.go", "**/*Test.java", "**/*.test.js", "**/*.spec.js",
            # benchmark harnesses measure and ship nothing (eco runs ./workload.py as the default benchmark)
            "**/benchmarks/**", "**/benchmark/**", "workload.py",
        ]
    )
    min_score: float = 0.0
    # findings of anti-patterns whose usual gain is below this are not reported: micro | constant | complexity
    min_impact: str = "constant"
    # drafting
    drafter: str = "rules"
    llm_model: str = "gpt-4o-mini"
    llm_temperature: float = 0.2
    llm_recipe: str = "few-shot"
    llm_samples: int = 1
    llm_timeout: float = 120.0
    llm_max_retries: int = 4
    llm_max_prompt_chars: int = 24_000
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    llm_backoff_base: float = 1.0  # seconds; retry n waits base * 2**n plus jitter (or Retry-After)
    llm_backoff_max: float = 30.0  # cap on one wait, Retry-After included
    llm_json_mode: bool = True  # ask for JSON mode in the review where the endpoint accepts it
    review_rounds: int = 1
    self_review: str = "auto"  # auto (LLM review when an endpoint is configured) | llm | structural
    # validation
    test_command: str = "python -m pytest -x -q"
    test_timeout: float = 300.0
    benchmark_command: str | None = None
    benchmark_runs: int = 5
    benchmark_max_runs: int = 10  # more interleaved runs when the first ones are promising but inconclusive
    benchmark_timeout: float = 120.0
    benchmark_scale: float | None = None  # workload.py --scale; None: derived so one run takes ~0.25 s
    speedup_floor: float = 0.05
    limit: int | None = None
    # pipeline
    stages: list[str] = field(
        default_factory=lambda: ["mine", "catalog", "index", "find", "draft", "review", "validate", "emit"]
    )

    def public_dict(self) -> dict[str, Any]:
        """Settings as a dict with secrets masked, for ``--json`` output and logs."""
        data = dataclasses.asdict(self)
        if data.get("openai_api_key"):
            data["openai_api_key"] = "***"
        return data


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_HINTS = typing.get_type_hints(Settings)
_ENV_ALIASES = {"OPENAI_API_KEY": "openai_api_key", "OPENAI_BASE_URL": "openai_base_url"}
# Pipeline files may carry descriptive keys that are not settings.
_PIPELINE_META = {"name", "description"}
# Settings whose type alone does not make them meaningful: the range that does, as (lowest, highest, whether
# the lowest itself is allowed). A wrong sign or a zero timeout is caught where it is written, not as a hang,
# a crash or an empty result far from the setting that caused it.
_RANGE: dict[str, tuple[float, float | None, bool]] = {
    "mine_threshold": (0, None, False),
    "max_diff_bytes": (1, None, True),
    "mine_workers": (0, None, True),
    "mine_llm_judge_min": (0, None, True),
    "mine_llm_judge_max": (0, None, False),
    "mine_llm_judge_concurrency": (1, None, True),
    "max_file_bytes": (1, None, True),
    "profile_prune_floor": (0, 1, True),
    "profile_rollup_cap": (0, 1, True),
    "profile_timeout": (0, None, False),
    "top": (0, None, True),
    "llm_temperature": (0, 2, True),
    "llm_samples": (1, None, True),
    "llm_timeout": (0, None, False),
    "llm_max_retries": (0, None, True),
    "llm_max_prompt_chars": (1000, None, True),
    "llm_backoff_base": (0, None, True),
    "llm_backoff_max": (0, None, True),
    "review_rounds": (0, None, True),
    "test_timeout": (0, None, False),
    "benchmark_runs": (1, None, True),
    "benchmark_max_runs": (1, None, True),
    "benchmark_timeout": (0, None, False),
    "benchmark_scale": (0, None, False),
    "speedup_floor": (0, None, True),
    "limit": (0, None, True),
}


def _in_range(key: str, value: float, source: str) -> None:
    if key not in _RANGE:
        return
    low, high, inclusive = _RANGE[key]
    if value != value or value < low or (value == low and not inclusive) or (high is not None and value > high):
        bound = (f"at least {low}" if inclusive else f"more than {low}") + (f" and at most {high}" if high is not None else "")
        raise ConfigError(f"{source}: key {key!r} must be {bound}, got {value!r}")


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _check(key: str, value: Any, source: str) -> Any:
    """Validate one value against the declared type; ints are accepted where floats are."""
    if key not in _FIELDS:
        raise ConfigError(f"{source}: unknown key {key!r}")
    hint = _HINTS[key]
    args = typing.get_args(hint)
    optional = isinstance(hint, types.UnionType) and type(None) in args
    base = next((a for a in args if a is not type(None)), hint) if optional else hint
    if value is None and optional:
        return None
    origin = typing.get_origin(base)
    if origin is list:
        (item,) = typing.get_args(base)
        if isinstance(value, list) and all(isinstance(v, item) for v in value):
            return list(value)
    elif base is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            _in_range(key, value, source)
            return float(value)
    elif base is int:
        if isinstance(value, int) and not isinstance(value, bool):
            _in_range(key, value, source)
            return value
    elif isinstance(value, base):
        return value
    raise ConfigError(f"{source}: key {key!r} must be {_type_name(hint)}, got {type(value).__name__} {value!r}")


def _from_env_string(key: str, raw: str, source: str) -> Any:
    """Environment variables are strings; parse them by the key's declared type."""
    hint = _HINTS[key]
    args = typing.get_args(hint)
    base = next((a for a in args if a is not type(None)), hint) if args and typing.get_origin(hint) is not list else hint
    try:
        if base is int:
            return int(raw)
        if base is float:
            return float(raw)
        if base is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if typing.get_origin(base) is list:
            return [part.strip() for part in raw.split(os.pathsep if "dirs" in key else ",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{source}: must be {_type_name(hint)}, got {raw!r}") from None
    return raw


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def pipeline_layer(name: str) -> dict[str, Any]:
    path = pipeline_path(name)
    data = _read_toml(path)
    return {k: _check(k, v, f"{path}") for k, v in data.items() if k not in _PIPELINE_META}


def repo_layer(root: Path | None) -> dict[str, Any]:
    """``[tool.eco]`` from pyproject.toml, overridden by ``.eco/config.toml``."""
    layer: dict[str, Any] = {}
    if root is None:
        return layer
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        tool = _read_toml(pyproject).get("tool", {}).get("eco", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{pyproject}: [tool.eco] must be a table")
        layer.update({k: _check(k, v, f"{pyproject} [tool.eco]") for k, v in tool.items()})
    local = root / ".eco" / "config.toml"
    if local.is_file():
        layer.update({k: _check(k, v, str(local)) for k, v in _read_toml(local).items()})
    return layer


def env_layer(environ: typing.Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    layer: dict[str, Any] = {}
    for name, value in environ.items():
        if name in _ENV_ALIASES:
            layer[_ENV_ALIASES[name]] = value
        elif name.startswith("ECO_"):
            key = name[4:].lower()
            if key not in _FIELDS:
                continue  # ECO_* variables for other purposes (e.g. test switches) are not settings
            layer[key] = _check(key, _from_env_string(key, value, f"environment {name}"), f"environment {name}")
    return layer


def load_settings(
    root: Path | None = None,
    *,
    pipeline: str = "default",
    flags: dict[str, Any] | None = None,
    environ: typing.Mapping[str, str] | None = None,
) -> Settings:
    """Merge defaults < pipeline < repository < environment < flags into one :class:`Settings`."""
    merged: dict[str, Any] = {}
    merged.update(pipeline_layer(pipeline))
    merged.update(repo_layer(root))
    merged.update(env_layer(environ))
    for key, value in (flags or {}).items():
        if value is not None:
            merged[key] = _check(key, value, f"command-line flag --{key.replace('_', '-')}")
    return Settings(**merged)
