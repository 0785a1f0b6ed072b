"""Emitted patches: git format-patch files that `git am` applies on HEAD, with the evidence."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from eco.apply import splice, unified_diff
from eco.emit import PatchInfo, commit_message, format_patch, write_index, write_patch

from conftest import git

SRC = '''import os


def uniq(items):
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out
'''
NEW = '''def uniq(items):
    return list(dict.fromkeys(items))
'''


def info_for(root: Path, sha: str) -> PatchInfo:
    new = splice(SRC, 4, 9, NEW, ["from collections import deque"])
    return PatchInfo(
        path="pkg/util.py", qualname="uniq", kind="list-membership-in-loop", antipattern_key="catalog:list-membership-in-loop",
        antipattern_title="Membership test on a list inside a loop", drafter="rules:list-to-set", base_sha=sha,
        diff=unified_diff("pkg/util.py", SRC, new), tests_summary="3 passed in 0.1s", speedup=0.42, ci_low=0.30,
        ci_high=0.55, benchmark_method="workload: workload.py", runs=5, hotness_share=0.12,
    )


def test_patch_applies_with_git_am_on_head_in_a_clone(make_repo, tmp_path: Path) -> None:
    root = make_repo({"pkg/__init__.py": "", "pkg/util.py": SRC})
    sha = git(root, "rev-parse", "HEAD").strip()
    status = git(root, "status", "--porcelain")
    info = info_for(root, sha)
    mbox = format_patch(root, info)
    assert mbox == format_patch(root, info)  # same edit, same bytes
    assert mbox.startswith("From ") and "From: eco <eco@localhost.invalid>" in mbox
    assert "Subject: [PATCH] perf(pkg.util): use a set for membership tests in uniq" in mbox
    for needle in ("catalog:list-membership-in-loop", "3 passed", "+42.0%", "+30.0% .. +55.0%", "12.0% of profiled",
                   "Drafted-by: rules:list-to-set"):
        assert needle in mbox, needle
    assert git(root, "status", "--porcelain") == status  # the user's tree is untouched
    assert len(git(root, "worktree", "list").strip().splitlines()) == 1  # its worktree is gone

    patch, digest = write_patch(tmp_path / "patches", 1, "uniq-list-membership-in-loop", mbox, {"path": info.path})
    assert patch.name == "0001-uniq-list-membership-in-loop.patch" and len(digest) == 64
    record = json.loads(patch.with_suffix(".json").read_text())
    assert record["sha256"] == digest and record["path"] == "pkg/util.py"

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    git(clone, "am", str(patch))
    text = (clone / "pkg/util.py").read_text()
    assert "return list(dict.fromkeys(items))" in text and "from collections import deque" in text
    assert git(clone, "log", "-1", "--format=%an").strip() == "eco"


def test_message_names_a_mined_precedent(make_repo) -> None:
    info = info_for(Path("."), "0" * 40)
    info.precedent_sha, info.precedent_subject = "abcdef1234567890", "Speed up parsing with a set"
    msg = commit_message(info)
    assert "mined precedent abcdef123456: Speed up parsing with a set" in msg


def test_index_lists_patches(tmp_path: Path) -> None:
    path = write_index(tmp_path, [{"number": 1, "file": "0001-a.patch", "path": "a.py", "qualname": "f", "kind": "k",
                                   "speedup": 0.5, "ci_low": 0.4, "ci_high": 0.6, "tests_summary": "1 passed",
                                   "drafter": "rules:x", "status": "pending"}])
    text = path.read_text()
    assert "[0001-a.patch](0001-a.patch)" in text and "+50.0% (+40.0% .. +60.0%)" in text
