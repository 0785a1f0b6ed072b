"""The run loop on a tiny repository: findings to outcomes to patches, resumable, no duplicates.

Findings are written to the store by hand and the drafter is a stand-in, so this exercises only
what eco.pipeline owns (the upstream stages have their own tests; the e2e test runs them all).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

import eco.pipeline as pipeline
from eco.draft.base import DraftResult
from eco.store.models import AntiPattern, Candidate, Draft, Finding, Patch, Validation
from eco.workspace import open_workspace

from conftest import git
from test_validate import FAST, SLOW, TESTS, WORKLOAD

OTHER = '''

def total(xs):
    return sum([x for x in xs])
'''


class FakeDrafter:
    name = "fake"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def draft(self, request):
        self.calls.append(request.qualname)
        if request.qualname == "dedupe":
            return [DraftResult(drafter="rules:fake-set", new_code=FAST, notes="list -> set")]
        return [DraftResult(drafter="rules:fake", new_code=None, notes="preconditions not met")]


@pytest.fixture
def repo(make_repo) -> Path:
    return make_repo({"mylib/__init__.py": "from .core import dedupe\n", "mylib/core.py": SLOW + OTHER,
                      "tests/test_core.py": TESTS, "workload.py": WORKLOAD})


def seed(ws) -> None:
    """Two functions, three findings (two on dedupe with different anti-patterns)."""
    src = (ws.root / "mylib/core.py").read_text()
    from eco.code import extract_functions

    fns = {f.qualname: f for f in extract_functions(src, "python", "mylib/core.py")}
    with ws.store.transaction() as s:
        aps = [AntiPattern(key=f"catalog:{k}", source="catalog", kind=k, title=k, category=c)
               for k, c in (("list-membership-in-loop", "container-choice"), ("sum-list-comprehension", "needless-copy"),
                            ("nested-loop-join", "algorithmic-complexity"))]
        s.add_all(aps)
        s.flush()
        for (qual, ap, score) in (("dedupe", aps[0], 0.9), ("total", aps[1], 0.8), ("dedupe", aps[2], 0.5)):
            fn = fns[qual]
            cand = s.scalar(select(Candidate).where(Candidate.qualname == qual))
            if cand is None:
                cand = Candidate(repo_id=ws.repo_id, path=fn.path, qualname=qual, language="python", start_line=fn.start_line,
                                 end_line=fn.end_line, code=fn.code, content_hash=fn.content_hash)
                s.add(cand)
                s.flush()
            s.add(Finding(repo_id=ws.repo_id, candidate_id=cand.id, antipattern_id=ap.id, score=score, hotness=0.25,
                          content_hash=fn.content_hash))


def open_ws(root: Path):
    return open_workspace(root, pipeline="offline", flags={"stages": ["draft", "review", "validate", "emit"]})


def test_run_records_outcomes_emits_once_and_resumes(repo: Path, monkeypatch) -> None:
    fake = FakeDrafter()
    monkeypatch.setattr(pipeline, "choose_drafter", lambda settings, chat_model=None: (fake, "rules", ""))
    status = git(repo, "status", "--porcelain")
    with open_ws(repo) as ws:
        seed(ws)
        first = pipeline.run_pipeline(ws, limit=1)
        assert fake.calls == ["dedupe"] and first.skipped.get("over_limit") == 1
        assert first.run_outcomes == {"submitted": 1}
        assert first.skipped.get("function_has_patch") == 1  # second finding on dedupe: no second patch
        second = pipeline.run_pipeline(ws)
        assert fake.calls == ["dedupe", "total"]  # dedupe is not drafted again
        assert second.run_outcomes == {"empty_edit": 1} and second.new_patches == []
        third = pipeline.run_pipeline(ws)
        assert fake.calls == ["dedupe", "total"] and third.run_outcomes == {}
        assert third.outcomes["submitted"] == 1 and third.outcomes["empty_edit"] == 1
        with ws.store.session() as s:
            patches = s.scalars(select(Patch)).all()
            assert len(patches) == 1 and patches[0].number == 1 and patches[0].status == "pending"
            v = s.scalar(select(Validation))
            assert v.tests_passed and v.speedup > 0.05 and len(v.before_times) == ws.settings.benchmark_runs
            d = s.get(Draft, patches[0].draft_id)
            assert d.outcome == "submitted" and d.drafter == "rules:fake-set"
        pdir = ws.target.patches_dir
    files = sorted(p.name for p in pdir.iterdir())
    assert files == ["0001-dedupe-list-membership-in-loop.json", "0001-dedupe-list-membership-in-loop.patch", "README.md"]
    record = json.loads((pdir / files[0]).read_text())
    assert record["kind"] == "list-membership-in-loop" and record["speedup"] > 0.05
    assert "0001-dedupe-list-membership-in-loop.patch" in (pdir / "README.md").read_text()
    assert git(repo, "status", "--porcelain") == status
    clone = repo.parent / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    git(clone, "am", str(pdir / files[1]))
    assert "seen = set()" in (clone / "mylib/core.py").read_text()


def test_validated_but_unemitted_draft_is_emitted_on_resume(repo: Path, monkeypatch) -> None:
    fake = FakeDrafter()
    monkeypatch.setattr(pipeline, "choose_drafter", lambda settings, chat_model=None: (fake, "rules", ""))
    real_emit = pipeline._Run.emit

    def dies(self, draft_id, number=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline._Run, "emit", dies)
    with open_ws(repo) as ws:
        seed(ws)
        with pytest.raises(KeyboardInterrupt):
            pipeline.run_pipeline(ws, limit=1)
        monkeypatch.setattr(pipeline._Run, "emit", real_emit)
        resumed = pipeline.run_pipeline(ws, limit=0)
        assert fake.calls == ["dedupe"]  # not drafted again
        assert resumed.run_outcomes == {"submitted": 1} and len(resumed.patches) == 1
        with ws.store.session() as s:
            assert len(s.scalars(select(Validation)).all()) == 1  # not validated again
    assert len(git(repo, "worktree", "list").strip().splitlines()) == 1


def test_auto_drafter_falls_back_to_rules_and_says_so(monkeypatch) -> None:
    from eco.config import Settings

    class Rules:
        def __init__(self, settings):
            pass

    import types, sys

    monkeypatch.setitem(sys.modules, "eco.draft.rules", types.SimpleNamespace(RulesDrafter=Rules))
    drafter, name, note = pipeline.choose_drafter(Settings(drafter="auto"))
    assert name == "rules" and isinstance(drafter, Rules) and "OPENAI_BASE_URL" in note


def test_base_tests_failing_stops_the_run_and_loses_nothing(repo: Path, monkeypatch) -> None:
    """A broken test environment is one clear error; the drafts wait and are validated once it is fixed."""
    from eco.validate import BaseTestsFailing

    fake = FakeDrafter()
    monkeypatch.setattr(pipeline, "choose_drafter", lambda settings, chat_model=None: (fake, "rules", ""))
    broken = open_workspace(repo, pipeline="offline", flags={"stages": ["draft", "review", "validate", "emit"],
                                                           "test_command": "python -c 'raise SystemExit(4)'"})
    with broken as ws:
        seed(ws)
        with pytest.raises(BaseTestsFailing, match="unmodified base commit"):
            pipeline.run_pipeline(ws)
        with ws.store.session() as s:
            outcomes = [d.outcome for d in s.scalars(select(Draft))]
            assert None in outcomes and "error" not in outcomes  # in flight, not written off
            assert s.scalar(select(Patch)) is None
    with open_ws(repo) as ws:
        pipeline.run_pipeline(ws)
        with ws.store.session() as s:
            assert "submitted" in [d.outcome for d in s.scalars(select(Draft))]
            assert len(s.scalars(select(Patch)).all()) == 1
