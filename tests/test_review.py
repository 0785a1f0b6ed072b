"""Human review: list, show, accept onto a branch, reject with a reason; stats and the HTML report."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from eco import decisions
from eco.report import build_report
from eco.stats import funnel
from eco.store.models import AntiPattern, Candidate, Draft, Finding, Patch, Validation
from eco.workspace import open_workspace
from tests.conftest import git

SLOW = '''def unique(items):
    seen = []
    out = []
    for item in items:
        if item not in seen:
            seen.append(item)
            out.append(item)
    return out
'''
FAST = '''def unique(items):
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
'''


def _make_patch(repo: Path, base: str, new_text: str, slug: str, number: int) -> Path:
    """A real format-patch of one edit, made in a scratch clone (the user's repo is not touched)."""
    scratch = repo.parent / f"scratch-{number}"
    git(repo.parent, "clone", "-q", str(repo), str(scratch))
    git(scratch, "checkout", "-q", base)
    (scratch / "lib.py").write_text(new_text)
    git(scratch, "commit", "-qam", f"perf(lib): {slug}\n\nAnti-pattern: catalog:list-membership-in-loop")
    text = git(scratch, "format-patch", "-1", "--stdout")
    out = repo / ".eco" / "patches" / f"{number:04d}-{slug}.patch"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return out


@pytest.fixture
def reviewed_repo(make_repo):
    """A repository with two pending patches, one test-rejected draft, and the rows behind them."""
    repo = make_repo({"lib.py": SLOW, "other.py": "X = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    ws = open_workspace(repo)
    p1 = _make_patch(repo, base, FAST, "use-a-set-in-unique", 1)
    p2 = _make_patch(repo, base, FAST.replace("out = []", "out = []  # <fast> & safe"), "unique-with-comment", 2)
    with ws.store.transaction() as s:
        ap = AntiPattern(key="catalog:list-membership-in-loop", source="catalog", kind="list-membership-in-loop",
                         title="Membership test against a list inside a loop", category="container-choice",
                         before_code=SLOW, after_code=FAST, weight=1.0)
        ap2 = AntiPattern(key="mined:abc", source="mined", kind="string-concat-in-loop", category="string-building",
                          commit_sha="a" * 40, subject="build report with join", message="build report with join\n\nbody")
        s.add_all([ap, ap2])
        s.flush()
        cand = Candidate(repo_id=ws.repo_id, path="lib.py", qualname="unique", language="python", start_line=1,
                         end_line=8, code=SLOW, content_hash="h1")
        s.add(cand)
        s.flush()
        f1 = Finding(repo_id=ws.repo_id, candidate_id=cand.id, antipattern_id=ap.id, score=0.9, structural=True, hotness=0.25)
        f2 = Finding(repo_id=ws.repo_id, candidate_id=cand.id, antipattern_id=ap2.id, score=0.3, hotness=0.25)
        s.add_all([f1, f2])
        s.flush()
        ids = []
        for n, pf in ((1, p1), (2, p2)):
            d = Draft(finding_id=f1.id, drafter="rules:set-membership", base_sha=base, path="lib.py", qualname="unique",
                      original_code=SLOW, new_code=FAST, diff="", outcome="submitted")
            s.add(d)
            s.flush()
            s.add(Validation(draft_id=d.id, compiled=True, tests_passed=True, tests_summary="3 passed",
                             speedup=0.42, ci_low=0.30, ci_high=0.51))
            patch = Patch(repo_id=ws.repo_id, draft_id=d.id, number=n, slug=pf.stem.split("-", 1)[1], file=str(pf),
                          file_sha256=hashlib.sha256(pf.read_bytes()).hexdigest(), base_sha=base)
            s.add(patch)
            s.flush()
            ids.append(patch.id)
        s.add(Draft(finding_id=f2.id, drafter="rules:join", base_sha=base, path="lib.py", qualname="unique",
                    outcome="rejected_by_tests"))
    ws.close()
    return repo, base, ids


def _snapshot(repo: Path) -> tuple[str, str, str, str]:
    return (
        git(repo, "rev-parse", "HEAD"),
        git(repo, "symbolic-ref", "HEAD"),
        git(repo, "status", "--porcelain"),
        git(repo, "diff"),
    )


def test_list_and_show(reviewed_repo) -> None:
    repo, base, (p1, p2) = reviewed_repo
    with open_workspace(repo) as ws:
        views = decisions.list_patches(ws)
        assert [v.id for v in views] == [p1, p2]
        assert views[0].kind == "list-membership-in-loop" and views[0].speedup == pytest.approx(0.42)
        assert "+42%" in views[0].speedup_text() and "+30%" in views[0].speedup_text()
        text = decisions.read_patch_text(ws, decisions.get_patch(ws, p1))
        assert "+    seen = set()" in text
    proc = subprocess.run([sys.executable, "-m", "eco", "review", "--repo", str(repo), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert {r["id"] for r in rows} == {p1, p2}
    assert rows[0]["path"] == "lib.py" and rows[0]["drafter"] == "rules:set-membership"
    proc = subprocess.run([sys.executable, "-m", "eco", "review", "show", str(p1), "--repo", str(repo)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "seen = set()" in proc.stdout and "list-membership-in-loop" in proc.stdout


def test_accept_makes_branch_and_leaves_checkout_alone(reviewed_repo) -> None:
    repo, base, (p1, _) = reviewed_repo
    (repo / "other.py").write_text("X = 2  # uncommitted user work\n")
    git(repo, "add", "other.py")
    (repo / "other.py").write_text("X = 3  # more uncommitted user work\n")
    before = _snapshot(repo)
    with open_workspace(repo) as ws:
        result = decisions.accept(ws, p1)
    assert _snapshot(repo) == before
    assert result["branch"] == "eco/use-a-set-in-unique"
    assert git(repo, "show", f"{result['branch']}:lib.py") == FAST
    assert git(repo, "rev-parse", f"{result['branch']}~1").strip() == base
    assert git(repo, "worktree", "list").count("\n") == 1  # the throw-away worktree is gone
    with open_workspace(repo) as ws:
        assert decisions.get_patch(ws, p1).status == "accepted"
        with ws.store.session() as s:
            assert s.query(AntiPattern).filter_by(key="catalog:list-membership-in-loop").one().weight > 1.0
        with pytest.raises(decisions.ReviewError, match="already accepted"):
            decisions.accept(ws, p1)


def test_accept_branch_exists_changes_nothing(reviewed_repo) -> None:
    repo, _, (p1, _) = reviewed_repo
    git(repo, "branch", "taken")
    with open_workspace(repo) as ws:
        with pytest.raises(decisions.ReviewError, match="already exists"):
            decisions.accept(ws, p1, branch="taken")
        assert decisions.get_patch(ws, p1).status == "pending"


def test_accept_here_needs_clean_tree_then_applies(reviewed_repo) -> None:
    repo, _, (p1, _) = reviewed_repo
    (repo / "other.py").write_text("X = 9\n")
    with open_workspace(repo) as ws:
        with pytest.raises(decisions.ReviewError, match="uncommitted changes"):
            decisions.accept(ws, p1, here=True)
    assert (repo / "lib.py").read_text() == SLOW
    git(repo, "checkout", "--", "other.py")
    with open_workspace(repo) as ws:
        result = decisions.accept(ws, p1, here=True)
    assert result["branch"] == "main"
    assert (repo / "lib.py").read_text() == FAST


def test_patch_file_edited_or_deleted_is_refused(reviewed_repo) -> None:
    repo, _, (p1, p2) = reviewed_repo
    with open_workspace(repo) as ws:
        v1, v2 = decisions.get_patch(ws, p1), decisions.get_patch(ws, p2)
        Path(v1.file).write_text(Path(v1.file).read_text() + "\n# edited\n")
        with pytest.raises(decisions.ReviewError, match="changed since eco wrote it"):
            decisions.accept(ws, p1)
        Path(v2.file).unlink()
        with pytest.raises(decisions.ReviewError, match="missing"):
            decisions.accept(ws, p2)
        assert [v.status for v in decisions.list_patches(ws)] == ["pending", "pending"]
    assert git(repo, "branch", "--list", "eco/*") == ""


def test_base_gone_offers_revalidate(reviewed_repo) -> None:
    repo, _, (p1, _) = reviewed_repo
    with open_workspace(repo) as ws:
        with ws.store.transaction() as s:
            s.get(Patch, p1).base_sha = "0" * 40
        with pytest.raises(decisions.ReviewError, match="revalidate"):
            decisions.accept(ws, p1)


def test_reject_records_reason_and_lowers_weight(reviewed_repo) -> None:
    repo, _, (p1, p2) = reviewed_repo
    with open_workspace(repo) as ws:
        with pytest.raises(decisions.ReviewError, match="needs a reason"):
            decisions.reject(ws, p2, "  ")
        decisions.reject(ws, p2, "order of items matters to callers")
        view = decisions.get_patch(ws, p2)
        assert view.status == "rejected" and view.decision_reason == "order of items matters to callers"
        with ws.store.session() as s:
            assert s.query(AntiPattern).filter_by(key="catalog:list-membership-in-loop").one().weight < 1.0
        with pytest.raises(decisions.ReviewError, match="already rejected"):
            decisions.reject(ws, p2, "again")
        with pytest.raises(decisions.ReviewError, match="no patch with id 999"):
            decisions.get_patch(ws, 999)


def test_cli_errors_are_one_line(reviewed_repo) -> None:
    repo, _, (p1, _) = reviewed_repo
    for args in (["review", "accept", "999"], ["review", "reject", str(p1), "--reason", ""]):
        proc = subprocess.run([sys.executable, "-m", "eco", *args, "--repo", str(repo)], capture_output=True, text=True)
        assert proc.returncode != 0
        assert "Traceback" not in proc.stderr
        assert len([l for l in proc.stderr.splitlines() if l.strip()]) == 1, proc.stderr


def test_stats_funnel(reviewed_repo) -> None:
    repo, _, (p1, p2) = reviewed_repo
    with open_workspace(repo) as ws:
        decisions.accept(ws, p1)
        decisions.reject(ws, p2, "not needed")
        data = funnel(ws)
    total = data["total"]
    assert total["drafted"] == 3
    assert total["submitted"] == 2 and total["rejected_by_tests"] == 1
    assert total["accepted"] == 1 and total["rejected_by_reviewer"] == 1
    assert total["pct"]["submitted"] == pytest.approx(66.7)
    assert data["by_category"]["container-choice"]["submitted"] == 2
    assert data["by_category"]["string-building"]["rejected_by_tests"] == 1
    proc = subprocess.run([sys.executable, "-m", "eco", "stats", str(repo), "--json"], capture_output=True, text=True)
    assert proc.returncode == 0 and json.loads(proc.stdout)["total"]["accepted"] == 1


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.classes: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if "class" in a:
            self.classes.append(a["class"])
        for key in ("src", "href"):
            if a.get(key):
                self.urls.append(a[key])

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def test_report_structure(reviewed_repo, tmp_path: Path) -> None:
    repo, _, (p1, p2) = reviewed_repo
    with open_workspace(repo) as ws:
        decisions.reject(ws, p2, "callers rely on <list> semantics")
        page = build_report(ws)
    parsed = _Collector()
    parsed.feed(page)
    assert page.startswith("<!DOCTYPE html>")
    assert {"funnel", "hot", "findings", "patches", f"patch-{p1}", f"patch-{p2}"} <= set(parsed.ids)
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert all(u.startswith("#") for u in parsed.urls), parsed.urls  # nothing loaded from outside
    text = "".join(parsed.text)
    assert "+    seen = set()" in text and "-    seen = []" in text
    assert "# <fast> & safe" in text  # escaped in the page, intact once parsed
    assert "callers rely on <list> semantics" in text
    assert "add" in parsed.classes and "del" in parsed.classes
    assert "list-membership-in-loop" in text
    out = tmp_path / "report.html"
    proc = subprocess.run([sys.executable, "-m", "eco", "report", str(repo), "--html", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().count('<article class="patch"') == 2


def test_report_colours_only_the_diff_not_the_message_evidence() -> None:
    from eco.report import render_diff

    mbox = ("From abc Mon Sep 17 00:00:00 2001\nSubject: [PATCH] perf: x\n\nEvidence:\n- tests: 3 passed\n---\n"
            " lib.py | 2 +-\n\ndiff --git a/lib.py b/lib.py\n--- a/lib.py\n+++ b/lib.py\n@@ -1 +1 @@\n-old\n+new\n")
    page = render_diff(mbox)
    assert '<span class="msg">- tests: 3 passed</span>' in page
    assert '<span class="del">-old</span>' in page and '<span class="add">+new</span>' in page
    assert render_diff("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n").count('class="del"') == 1  # a bare diff


def test_report_shows_the_draft_diff_when_the_patch_file_is_gone(reviewed_repo) -> None:
    repo, _, (p1, _) = reviewed_repo
    with open_workspace(repo) as ws:
        Path(decisions.get_patch(ws, p1).file).unlink()
        with ws.store.transaction() as s:
            s.get(Patch, p1).draft.diff = "--- a/lib.py\n+++ b/lib.py\n+    seen = set()  # from the store\n"
        page = build_report(ws)
    assert "seen = set()  # from the store" in page
