"""The rules drafter on the sample repository's known slow functions.

For every ``[[slow_functions]]`` entry with ``fixable_offline = true`` in the sample's
GROUND_TRUTH.toml: the rules drafter produces an edit; with that edit alone spliced into a copy
of the sample (imports added at the top), the sample's tests for that module pass; and with all
the edits applied together, the sample's whole test suite passes. Tests run in subprocesses.
Speed is measured in benchmarks/codemods_sample.py, not here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from eco.draft.rules import draft_function
from eco.apply import splice as splice_function

SAMPLE = Path(__file__).resolve().parent.parent / "sample_repo"
ENV = {**{k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _fixable() -> list[dict]:
    data = tomllib.loads((SAMPLE / "GROUND_TRUTH.toml").read_text())
    return [e for e in data["slow_functions"] if e.get("fixable_offline")]


def _kind(e: dict) -> str:
    return e.get("kind") or e["antipattern"]


def _function(e: dict) -> str:
    return e.get("function") or e["qualname"]


def _run_tests(job: tuple[Path, str | None]) -> subprocess.CompletedProcess:
    copy, test_file = job
    args = [test_file] if test_file and (copy / test_file).exists() else []
    return subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *args], cwd=copy,
                          env=ENV, capture_output=True, text=True, timeout=300)


def test_every_offline_fixable_slow_function_is_drafted_and_keeps_the_sample_tests_green(tmp_path: Path) -> None:
    entries = _fixable()
    assert len(entries) >= 10
    base = tmp_path / "base"
    shutil.copytree(SAMPLE, base, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    copies: dict[str, tuple[Path, str | None]] = {}
    together = tmp_path / "all"
    shutil.copytree(base, together)
    edits: dict[str, list] = {}
    not_drafted: dict[str, str] = {}
    for i, e in enumerate(entries):
        path, qualname = e["path"], _function(e)
        source = (base / path).read_text()
        fn, result = draft_function(source, path, qualname, _kind(e))
        if result.new_code is None:
            not_drafted[qualname] = result.notes
            continue
        assert result.drafter.startswith("rules:")
        copy = tmp_path / f"c{i}"
        shutil.copytree(base, copy)
        (copy / path).write_text(splice_function(source, fn.start_line, fn.end_line, result.new_code, result.imports))
        copies[qualname] = (copy, f"tests/test_{Path(path).stem}.py")
        edits.setdefault(path, []).append((fn, result))
    assert not not_drafted, not_drafted
    for path, items in edits.items():  # bottom-up, so earlier line numbers stay valid
        text = (together / path).read_text()
        for fn, result in sorted(items, key=lambda item: -item[0].start_line):
            text = splice_function(text, fn.start_line, fn.end_line, result.new_code, result.imports)
        (together / path).write_text(text)
    copies["<all edits together>"] = (together, None)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(copies, pool.map(_run_tests, copies.values())))
    failed = {q: (r.stdout + r.stderr)[-600:] for q, r in runs.items() if r.returncode != 0}
    assert not failed, failed
