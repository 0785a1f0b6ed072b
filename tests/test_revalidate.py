"""``eco run --revalidate ID``: what `eco review accept` sends users to when a patch went stale.

A patch is made on the tiny repository of test_pipeline (its fake drafter, its seeded findings);
then its file is deleted, or HEAD moves on, and revalidation must make it acceptable again, on
the current HEAD. Unknown and already decided ids are refused with one line and nothing changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

import eco.pipeline as pipeline
from eco import decisions
from eco.errors import EcoError
from eco.store.models import Patch
from eco.workspace import open_workspace

from conftest import ROOT, git
from test_pipeline import FakeDrafter, repo, seed  # noqa: F401  (repo is a fixture)

# A small fixed workload keeps each validation short; the list -> set speedup is still clear.
FLAGS = {"stages": ["draft", "review", "validate", "emit"], "benchmark_scale": 1.0}
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "ECO_BENCHMARK_SCALE": "1.0"}


def open_ws(root: Path):
    return open_workspace(root, pipeline="offline", flags=FLAGS)


def eco(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eco", *args], capture_output=True, text=True, env=ENV, timeout=300)


@pytest.fixture
def patched(repo: Path, monkeypatch) -> tuple[Path, int, Path]:  # noqa: F811
    """The repository with one pending patch (dedupe, list -> set): (repo, patch id, patch file)."""
    fake = FakeDrafter()
    monkeypatch.setattr(pipeline, "choose_drafter", lambda settings, chat_model=None: (fake, "rules", ""))
    with open_ws(repo) as ws:
        seed(ws)
        summary = pipeline.run_pipeline(ws, limit=1)
        assert summary.run_outcomes == {"submitted": 1}
        with ws.store.session() as s:
            p = s.scalars(select(Patch)).one()
            return repo, p.id, repo / p.file


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_deleted_patch_file_is_rewritten_then_accepted(patched) -> None:
    repo, pid, pfile = patched
    original = pfile.read_text()
    status = git(repo, "status", "--porcelain")
    pfile.unlink()
    with open_ws(repo) as ws:
        with pytest.raises(EcoError, match=f"eco run --revalidate {pid}"):
            decisions.accept(ws, pid)
    proc = eco("run", str(repo), "--revalidate", str(pid))
    assert proc.returncode == 0, proc.stderr
    rewritten = pfile.read_text()  # measured again, so the evidence differs; the edit does not
    assert rewritten.split("diff --git", 1)[1] == original.split("diff --git", 1)[1]
    assert git(repo, "status", "--porcelain") == status
    proc = eco("review", "accept", str(pid), "--repo", str(repo))
    assert proc.returncode == 0, proc.stderr
    assert "eco/dedupe-list-membership-in-loop" in proc.stdout
    assert "seen = set()" in git(repo, "show", "eco/dedupe-list-membership-in-loop:mylib/core.py")
    assert "seen = set()" not in (repo / "mylib/core.py").read_text()
    # Decided now: revalidating it again is refused, and nothing changes.
    refused = one_line_error(eco("run", str(repo), "--revalidate", str(pid)))
    assert "already accepted" in refused
    assert pfile.read_text() == rewritten


def test_moved_base_is_revalidated_against_new_head(patched) -> None:
    repo, pid, pfile = patched
    with open_ws(repo) as ws:
        old_base = decisions.get_patch(ws, pid).base_sha
    (repo / "mylib/extra.py").write_text("EXTRA = 1\n")
    git(repo, "add", "mylib/extra.py")
    git(repo, "commit", "-qm", "add extra")
    new_head = git(repo, "rev-parse", "HEAD").strip()
    assert new_head != old_base
    with open_ws(repo) as ws:
        summary = pipeline.run_pipeline(ws, revalidate=pid)
        assert summary.run_outcomes == {"submitted": 1}
        view = decisions.get_patch(ws, pid)
        assert view.base_sha == new_head and view.status == "pending" and view.speedup > 0.05
        assert new_head in pfile.read_text()  # the evidence names the new base
        # The rewritten patch applies on the current HEAD.
        clone = repo.parent / "clone"
        subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
        git(clone, "am", str(pfile))
        assert "seen = set()" in (clone / "mylib/core.py").read_text()
        decisions.reject(ws, pid, "not now")
        with pytest.raises(EcoError, match="already rejected"):
            pipeline.run_pipeline(ws, revalidate=pid)
        assert decisions.get_patch(ws, pid).status == "rejected"


def test_unknown_id_is_one_clear_line(make_repo) -> None:
    repo = make_repo({"a.py": "X = 1\n"})
    line = one_line_error(eco("run", str(repo), "--revalidate", "42"))
    assert "42" in line and "patch" in line


def test_carry_edit_merges_when_head_touched_the_same_file() -> None:
    from eco.apply import unified_diff

    old = "import os\n\n\ndef f(xs):\n    return sum([x for x in xs])\n\n\ndef g():\n    return 1\n"
    edited = old.replace("sum([x for x in xs])", "sum(x for x in xs)")
    diff = unified_diff("m.py", old, edited)
    # HEAD changed the lines right after f (the diff's context no longer matches), not f itself.
    head = old.replace("def g():\n    return 1\n", "def g():\n    return 2\n").replace("\n\n\ndef g", "\n\n\n# g\ndef g")
    carried = pipeline.carry_edit(old, head, "m.py", diff)
    assert "sum(x for x in xs)" in carried and "return 2" in carried and "# g" in carried
    clash = old.replace("sum([x for x in xs])", "sum(list(xs))")
    with pytest.raises(ValueError, match="conflicts"):
        pipeline.carry_edit(old, clash, "m.py", diff)
