"""Validation in a throw-away worktree: tests, timeouts, benchmarks, and the user's tree untouched."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from eco.apply import splice
from eco.config import Settings
from eco.validate import Validator, _rank_sum_cdf, clean_env, speedup_interval, throwaway_worktree

SLOW = """def dedupe(items):
    seen = []
    out = []
    for x in items:
        if x not in seen:
            seen.append(x)
            out.append(x)
    return out
"""
FAST = """def dedupe(items):
    seen = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
"""
SLOWER = """def dedupe(items):
    seen = []
    out = []
    for x in items:
        if x not in seen and x not in seen[::-1] and x not in list(seen):
            seen.append(x)
            out.append(x)
    return out
"""
BROKEN = """def dedupe(items):
    return list(items)
"""
HANGS = """def dedupe(items):
    while True:
        pass
"""
TESTS = """import os
from mylib.core import dedupe


def test_dedupe():
    assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]


def test_no_secrets():
    assert "OPENAI_API_KEY" not in os.environ and "GITHUB_TOKEN" not in os.environ
"""
WORKLOAD = """import argparse
from mylib import dedupe

ap = argparse.ArgumentParser()
ap.add_argument("--scale", type=float, default=1.0)
n = int(1500 * ap.parse_args().scale)
items = list(range(n)) * 2
for _ in range(2):
    dedupe(items)
print("done")
"""


def tiny_repo(make_repo, workload: bool = True) -> Path:
    files = {"mylib/__init__.py": "from .core import dedupe\n", "mylib/core.py": SLOW, "tests/test_core.py": TESTS}
    if workload:
        files["workload.py"] = WORKLOAD
    return make_repo(files)


def head(root: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def state(root: Path) -> tuple[str, ...]:
    def g(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=root, capture_output=True, text=True, check=True).stdout

    return (g("status", "--porcelain"), g("stash", "list"), g("branch", "-a"), g("rev-parse", "HEAD"),
            g("worktree", "list", "--porcelain").count("worktree "), g("diff", "--cached"), g("diff"))


def settings(**kw) -> Settings:
    base = dict(benchmark_runs=5, test_timeout=60.0, benchmark_timeout=60.0, speedup_floor=0.05)
    base.update(kw)
    return Settings(**base)


def edited(new_code: str) -> str:
    return splice(SLOW, 1, SLOW.count("\n"), new_code, [])


def test_speedup_interval_is_deterministic_and_honest() -> None:
    before = [1.00, 1.02, 0.98, 1.01, 0.99]
    faster = [0.50, 0.51, 0.49, 0.52, 0.50]
    est = speedup_interval(before, faster, floor=0.05)
    assert est.faster and 0.9 < est.speedup < 1.1 and est.ci_low > 0.05 and est.ci_low <= est.speedup <= est.ci_high
    assert speedup_interval(before, faster, floor=0.05) == est  # deterministic
    outlier = [0.50, 0.51, 0.49, 0.52, 5.0]
    assert not speedup_interval(before, outlier, floor=0.05).faster  # 5 runs: one disturbed run is too many
    assert speedup_interval(before * 2, outlier + faster, floor=0.05).faster  # 10 runs (benchmark_max_runs): it is not
    same = speedup_interval(before, [1.01, 0.99, 1.03, 0.97, 1.00], floor=0.05)
    assert not same.faster and same.ci_low < 0.05
    noisy = speedup_interval(before, [0.5, 1.4, 0.6, 1.3, 0.9], floor=0.05)
    assert not noisy.faster  # a good median with a wide interval is not enough


def test_exact_mann_whitney_distribution() -> None:
    cdf = _rank_sum_cdf(5, 5)
    assert len(cdf) == 26 and abs(cdf[-1] - 1) < 1e-12
    assert abs(cdf[2] - 4 / 252) < 1e-12 and abs(cdf[3] - 7 / 252) < 1e-12
    assert _rank_sum_cdf(1, 1) == [0.5, 1.0]


def test_good_edit_passes_and_is_faster_and_user_tree_untouched(make_repo, monkeypatch) -> None:
    root = tiny_repo(make_repo)
    # the user has work in progress: uncommitted, staged and untracked changes
    (root / "mylib/core.py").write_text(SLOW + "\n# wip\n")
    (root / "notes.txt").write_text("untracked\n")
    (root / "tests/test_core.py").write_text(TESTS + "\n# staged\n")
    subprocess.run(["git", "add", "tests/test_core.py"], cwd=root, check=True)
    before = state(root)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-do-not-leak")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-secret")
    with Validator(root, head(root), settings()) as v:
        res = v.validate("mylib/core.py", "dedupe", edited(FAST))
        assert res.outcome is None, res.detail
        assert res.compiled and res.tests_passed and "2 passed" in res.tests_summary
        assert len(res.before_times) == 5 and len(res.after_times) == 5
        assert res.speedup > 0.05 and res.ci_low > 0.05
        assert res.method.startswith("workload")
        slower = v.validate("mylib/core.py", "dedupe", edited(SLOWER))
        assert slower.outcome == "rejected_no_speedup" and slower.tests_passed
        assert slower.speedup < 0.05 and "floor" in slower.detail
    assert state(root) == before


def test_failing_and_hanging_edits_are_rejected_by_tests(make_repo) -> None:
    root = tiny_repo(make_repo)
    before = state(root)
    with Validator(root, head(root), settings(test_timeout=8.0)) as v:
        res = v.validate("mylib/core.py", "dedupe", edited(BROKEN))
        assert res.outcome == "rejected_by_tests" and res.tests_passed is False and "failed" in res.tests_summary, res.detail
        hung = v.validate("mylib/core.py", "dedupe", edited(HANGS))
        assert hung.outcome == "rejected_by_tests" and hung.tests_summary == "timed out"
        bad = v.validate("mylib/core.py", "dedupe", "def dedupe(:\n")
        assert bad.outcome == "rejected_by_tests" and not bad.compiled
    assert state(root) == before


def test_without_workload_times_inputs_captured_from_the_tests(make_repo) -> None:
    root = tiny_repo(make_repo, workload=False)
    with Validator(root, head(root), settings(benchmark_runs=3)) as v:
        res = v.validate("mylib/core.py", "dedupe", edited(FAST))
    assert res.method.startswith("replay"), res.detail
    assert len(res.before_times) == 3 and all(t > 0 for t in res.before_times + res.after_times)


def test_worktree_is_removed_on_error_and_interrupt(make_repo) -> None:
    root = tiny_repo(make_repo)
    before = state(root)
    for exc in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            with throwaway_worktree(root, head(root)) as wt:
                assert (wt / "mylib/core.py").is_file()
                raise exc
        assert not wt.exists()
    assert state(root) == before


def test_base_failing_tests_stop_the_run_with_the_reason(make_repo) -> None:
    """Tests that fail before any edit judge no edit: one clear error, not a rejection per draft."""
    from eco.validate import BaseTestsFailing

    root = tiny_repo(make_repo)
    with Validator(root, head(root), settings(test_command="python -c 'import no_such_test_runner'")) as v:
        with pytest.raises(BaseTestsFailing) as info:
            v.validate("mylib/core.py", "dedupe", edited(FAST))
    message = str(info.value)
    assert "unmodified base commit" in message and "No module named 'no_such_test_runner'" in message
    assert "test_command" in message


def test_clean_env_strips_secrets(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    monkeypatch.setenv("MY_SERVICE_TOKEN", "y")
    monkeypatch.setenv("DB_PASSWORD", "z")
    env = clean_env()
    assert not {"OPENAI_API_KEY", "MY_SERVICE_TOKEN", "DB_PASSWORD"} & set(env)
    assert "PATH" in env


def test_worktrees_of_a_killed_run_are_pruned(make_repo, tmp_path) -> None:
    import tempfile

    from eco.validate import WORKTREE_PREFIX, prune_stale_worktrees

    root = tiny_repo(make_repo)
    before = state(root)
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid is now free: the "killed run"
    parent = Path(tempfile.mkdtemp(prefix=f"{WORKTREE_PREFIX}{dead.pid}-"))
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(parent / "wt"), "HEAD"], cwd=root, check=True)
    live = Path(tempfile.mkdtemp(prefix=f"{WORKTREE_PREFIX}{__import__('os').getpid()}-"))
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(live / "wt"), "HEAD"], cwd=root, check=True)
    assert prune_stale_worktrees(root) == 1
    assert not parent.exists() and (live / "wt").is_dir()  # a running eco's worktree is left alone
    subprocess.run(["git", "worktree", "remove", "--force", str(live / "wt")], cwd=root, check=True)
    assert state(root) == before
