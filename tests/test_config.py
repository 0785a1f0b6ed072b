"""Settings precedence: flag > environment > repository config > pipeline file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from eco.config import Settings, load_settings
from eco.errors import ConfigError


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_defaults_and_pipeline_layer(tmp_path: Path) -> None:
    assert Settings().drafter == "rules"
    assert load_settings(tmp_path, pipeline="default", environ={}).drafter == "auto"
    assert load_settings(tmp_path, pipeline="offline", environ={}).drafter == "rules"
    assert load_settings(tmp_path, pipeline="ci", environ={}).embedder == "bow"


def test_full_precedence_chain(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.eco]\nbenchmark_runs = 7\ntest_timeout = 10\nllm_model = 'py'\n")
    write(tmp_path / ".eco" / "config.toml", "benchmark_runs = 9\nllm_model = 'local'\n")
    env = {"ECO_BENCHMARK_RUNS": "11", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    s = load_settings(tmp_path, pipeline="ci", environ=env, flags={"benchmark_runs": 13})
    assert s.benchmark_runs == 13  # flag wins
    assert s.openai_base_url == "http://127.0.0.1:9/v1"  # environment alias
    assert s.llm_model == "local"  # .eco/config.toml over [tool.eco]
    assert s.test_timeout == 10.0  # [tool.eco] over the pipeline's 120, int accepted as float
    assert s.embedder == "bow"  # pipeline over default
    s = load_settings(tmp_path, pipeline="ci", environ=env)
    assert s.benchmark_runs == 11  # environment over repository


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    write(tmp_path / ".eco" / "config.toml", "benchmrk_runs = 3\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, environ={})
    assert "config.toml" in str(info.value) and "benchmrk_runs" in str(info.value)


def test_wrong_type_names_file_and_key(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.eco]\nbenchmark_runs = 'many'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, environ={})
    assert "pyproject.toml" in str(info.value) and "benchmark_runs" in str(info.value)


def test_wrong_type_in_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ECO_BENCHMARK_RUNS"):
        load_settings(tmp_path, environ={"ECO_BENCHMARK_RUNS": "lots"})


def test_judge_concurrency_must_be_at_least_one(tmp_path: Path) -> None:
    assert load_settings(tmp_path, environ={}).mine_llm_judge_concurrency == 4
    assert load_settings(tmp_path, environ={"ECO_MINE_LLM_JUDGE_CONCURRENCY": "1"}).mine_llm_judge_concurrency == 1
    write(tmp_path / ".eco" / "config.toml", "mine_llm_judge_concurrency = 0\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, environ={})
    assert "config.toml" in str(info.value) and "mine_llm_judge_concurrency" in str(info.value) and "at least 1" in str(info.value)
    with pytest.raises(ConfigError, match="ECO_MINE_LLM_JUDGE_CONCURRENCY.*at least 1"):
        load_settings(None, environ={"ECO_MINE_LLM_JUDGE_CONCURRENCY": "-2"})
    with pytest.raises(ConfigError, match="--mine-llm-judge-concurrency"):
        load_settings(None, environ={}, flags={"mine_llm_judge_concurrency": 0})


@pytest.mark.parametrize(
    ("key", "bad", "says"),
    [
        ("mine_threshold", "0", "more than 0"),
        ("max_diff_bytes", "0", "at least 1"),
        ("mine_workers", "-1", "at least 0"),
        ("llm_timeout", "0", "more than 0"),
        ("llm_temperature", "2.5", "at most 2"),
        ("profile_rollup_cap", "1.5", "at most 1"),
        ("llm_max_prompt_chars", "200", "at least 1000"),
        ("benchmark_runs", "0", "at least 1"),
        ("test_timeout", "nan", "more than 0"),
    ],
)
def test_settings_out_of_their_range_are_config_errors_naming_the_source(tmp_path: Path, key: str, bad: str, says: str) -> None:
    env = f"ECO_{key.upper()}"
    with pytest.raises(ConfigError) as info:
        load_settings(None, environ={env: bad})
    assert env in str(info.value) and says in str(info.value)


def test_range_edges_that_mean_something_are_accepted(tmp_path: Path) -> None:
    edges = {"ECO_MINE_WORKERS": "0", "ECO_TOP": "0", "ECO_LIMIT": "0", "ECO_LLM_MAX_RETRIES": "0",
             "ECO_REVIEW_ROUNDS": "0", "ECO_MINE_LLM_JUDGE_MIN": "0", "ECO_LLM_TEMPERATURE": "0",
             "ECO_PROFILE_ROLLUP_CAP": "1", "ECO_MINE_THRESHOLD": "0.5"}
    settings = load_settings(None, environ=edges)
    assert (settings.mine_workers, settings.top, settings.limit, settings.mine_threshold) == (0, 0, 0, 0.5)
    write(tmp_path / "pyproject.toml", "[tool.eco]\nllm_samples = 0\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml.*llm_samples.*at least 1"):
        load_settings(tmp_path, environ={})


def test_invalid_toml(tmp_path: Path) -> None:
    write(tmp_path / ".eco" / "config.toml", "this is = = not toml\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(tmp_path, environ={})


def test_unknown_pipeline(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown pipeline"):
        load_settings(tmp_path, pipeline="nope", environ={})


def test_list_setting_from_environment(tmp_path: Path) -> None:
    s = load_settings(tmp_path, environ={"ECO_RULES_DIRS": "/a:/b"})
    assert s.rules_dirs == ["/a", "/b"]


def test_secret_masked_in_public_dict(tmp_path: Path) -> None:
    s = load_settings(tmp_path, environ={"OPENAI_API_KEY": "sk-secret"})
    assert s.openai_api_key == "sk-secret"
    assert s.public_dict()["openai_api_key"] == "***"


def test_the_readme_judge_every_commit_settings_load(tmp_path: Path) -> None:
    """The README's [tool.eco] block for judging every commit is what a user pastes: it must load as written."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = next(b for b in (part.split("```", 1)[0] for part in readme.split("```toml\n")[1:]) if "mine_llm_judge_max" in b)
    write(tmp_path / "pyproject.toml", block)
    settings = load_settings(tmp_path, environ={})
    assert settings.mine_llm_judge and settings.mine_llm_judge_min == 0 and settings.mine_llm_judge_max == 100
