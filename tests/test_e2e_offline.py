"""End to end on the sample repository with the offline pipeline, through the real command line.

One sample history is built for the module. A first ``eco run`` is killed (SIGKILL) as soon as
it has written a patch, a second is capped with ``--limit 2``, a third finishes the work, and a
fourth must add nothing. The patches must then each apply with ``git am`` on HEAD, apply all
together, keep the sample's tests green, and make the workload faster.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, git

pytestmark = pytest.mark.slow


def eco(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eco", *args], cwd=cwd or ROOT, env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def repo_state(root: Path) -> tuple[str, ...]:
    return (git(root, "status", "--porcelain"), git(root, "branch", "-a"), git(root, "rev-parse", "HEAD"),
            git(root, "stash", "list"), git(root, "worktree", "list", "--porcelain").count("worktree "))


def workload(root: Path, scale: str = "0.25") -> tuple[float, str]:
    """(seconds the workload reports for its own work, CPU time when it reports it, and its checksum)."""
    out = subprocess.run([sys.executable, "workload.py", "--scale", scale], cwd=root, check=True, capture_output=True,
                         text=True, timeout=300).stdout
    secs = re.search(r"\bcpu=([0-9.]+)s", out) or re.search(r"\btime=([0-9.]+)s", out)
    checksum = re.search(r"\bchecksum=(\w+)", out)
    assert secs and checksum, out
    return float(secs.group(1)), checksum.group(1)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("e2e") / "sample"
    subprocess.run([sys.executable, str(ROOT / "sample_repo" / "build_history.py"), str(dest)], check=True,
                   capture_output=True, timeout=300)
    return dest


@pytest.fixture(scope="module")
def runs(sample: Path) -> dict:
    """Kill, resume with a limit, finish, run again; returns what each step left behind."""
    before = repo_state(sample)
    patches = sample / ".eco" / "patches"
    proc = subprocess.Popen([sys.executable, "-m", "eco", "run", str(sample), "--pipeline", "offline", "--json"],
                            cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline and not list(patches.glob("*.patch")):
        time.sleep(0.2)
    killed_with_patches = len(list(patches.glob("*.patch")))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)

    limited = eco("run", str(sample), "--pipeline", "offline", "--limit", "2", "--json")
    assert limited.returncode == 0, limited.stderr[-2000:]
    full = eco("run", str(sample), "--pipeline", "offline", "--json")
    assert full.returncode == 0, full.stderr[-2000:]
    files_after_full = {p.name: p.read_bytes() for p in patches.glob("*.patch")}
    again = eco("run", str(sample), "--pipeline", "offline", "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    return {"before": before, "killed_with_patches": killed_with_patches, "limited": json.loads(limited.stdout),
            "full": json.loads(full.stdout), "again": json.loads(again.stdout), "files_after_full": files_after_full}


def test_runs_finish_without_duplicates_and_leave_the_repo_alone(sample: Path, runs: dict) -> None:
    full, again = runs["full"], runs["again"]
    assert runs["killed_with_patches"] >= 1  # the first run was killed after real progress
    assert runs["limited"]["stage_counts"]["drafts_made"] <= 2
    pending = full["patches"]
    assert len(pending) >= 10, json.dumps(full["outcomes"])
    assert [p["number"] for p in pending] == list(range(1, len(pending) + 1))
    assert len({(p["path"], p["qualname"]) for p in pending}) == len(pending)
    assert again["new_patches"] == [] and again["run_outcomes"] == {}
    assert again["patches"] == pending
    files = {p.name: p.read_bytes() for p in (sample / ".eco" / "patches").glob("*.patch")}
    assert files == runs["files_after_full"] and len(files) == len(pending)
    assert repo_state(sample) == runs["before"]  # working tree, branches, HEAD, stash; no worktree left
    assert full["outcomes"]["submitted"] == len(pending)  # every submitted draft has exactly one patch
    assert full["outcomes"].get("in_flight", 0) == 0


def test_each_patch_applies_alone_and_all_together_keep_tests_green_and_run_faster(sample: Path, runs: dict, tmp_path: Path) -> None:
    patches = sorted((sample / ".eco" / "patches").glob("*.patch"))
    assert len(patches) >= 10
    one = tmp_path / "one"
    subprocess.run(["git", "clone", "-q", str(sample), str(one)], check=True)
    head = git(one, "rev-parse", "HEAD").strip()
    for patch in patches:
        git(one, "am", "-q", str(patch))
        assert git(one, "log", "-1", "--format=%an").strip() == "eco"
        git(one, "reset", "-q", "--hard", head)

    together = tmp_path / "together"
    subprocess.run(["git", "clone", "-q", str(sample), str(together)], check=True)
    git(together, "am", "-q", *[str(p) for p in patches])
    assert len(git(together, "log", "--format=%H", f"{head}..HEAD").split()) == len(patches)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:langsmith_plugin", "-p", "no:cacheprovider"],
                           cwd=together, capture_output=True, text=True, timeout=300, env=env)
    assert tests.returncode == 0, tests.stdout[-2000:]
    runs = [workload(one), workload(together), workload(one), workload(together)]
    assert len({checksum for _, checksum in runs}) == 1  # same results with every patch applied
    assert min(t for t, _ in runs[1::2]) < min(t for t, _ in runs[0::2]), runs
