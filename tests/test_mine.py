"""The miner end to end on small real repositories: verdicts, pairs, resume, bad input."""

from __future__ import annotations

import json
import shutil
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import ROOT, git
from mine_helpers import AFTER_FIND, BEFORE_FIND, commit, new_repo

from eco.errors import RepoError
from eco.mine.miner import mine, mine_many
from eco.store.models import AntiPattern, Commit
from eco.workspace import open_workspace

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def eco(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eco", *args], capture_output=True, text=True, env=ENV, cwd=cwd)


def perf_history(root: Path, n_plain: int = 6) -> list[str]:
    """A history with one perf fix (two functions) among plain commits; returns SHAs oldest first."""
    shas = [commit(root, "init", {"pkg/core.py": BEFORE_FIND + "\n\ndef drain(q):\n    while q:\n        q.pop(0)\n"})]
    for i in range(n_plain):
        shas.append(commit(root, f"Add option {i}", {f"pkg/opt{i}.py": f"def opt{i}():\n    return {i}\n"}))
    shas.append(commit(root, "Speed up find and drain\n\nfind was quadratic.",
                       {"pkg/core.py": AFTER_FIND + "\n\ndef drain(q):\n    q = deque(q)\n    while q:\n        q.popleft()\n"}))
    shas.append(commit(root, "Document the cache directory", {"docs/cache.md": "cache dir\n"}))
    return shas


def count(ws, model) -> int:  # type: ignore[no-untyped-def]
    with ws.store.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_mine_stores_verdicts_and_function_pairs(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    shas = perf_history(root)
    with open_workspace(root) as ws:
        rows: list[dict] = []
        summary = mine(ws, on_commit=rows.append)
        assert summary.scanned == len(shas) and summary.perf == 1
        with ws.store.session() as s:
            aps = {a.qualname: a for a in s.scalars(select(AntiPattern))}
            perf_commit = s.scalar(select(Commit).where(Commit.is_perf.is_(True)))
    assert perf_commit.sha == shas[-2] and perf_commit.functions == ["find", "drain"]
    assert set(aps) == {"find", "drain"}
    find = aps["find"]
    assert find.kind == "list-membership-in-loop" and find.category == "container-choice"
    assert find.key.startswith("mined:") and len(find.key) == len("mined:") + 16 and find.source == "mined"
    assert find.before_code.strip() == BEFORE_FIND.strip() and find.after_code.strip() == AFTER_FIND.strip()
    assert "+    ys = set(ys)" in find.diff and find.path == "pkg/core.py" and find.language == "python"
    assert find.commit_sha == shas[-2] and find.subject == "Speed up find and drain" and "quadratic" in find.message
    assert find.author_date is not None and find.score >= 1.0 and {r["rule"] for r in find.rules} >= {"message-keywords", "static-shapes"}
    assert aps["drain"].kind == "list-pop-front"
    by_sha = {r["sha"]: r for r in rows}
    assert set(by_sha[shas[-2]]) >= {"sha", "subject", "perf", "score", "rules", "functions"}
    assert by_sha[shas[-1]]["perf"] is False  # "cache directory" in docs only


def test_identical_pairs_are_stored_once_with_occurrences(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"a.py": BEFORE_FIND, "b.py": "    " and BEFORE_FIND})
    commit(root, "Speed up a", {"a.py": AFTER_FIND})
    # same pair, reindented and commented, elsewhere: normalises to the same thing
    commit(root, "Speed up b", {"b.py": AFTER_FIND.replace("    ys = set(ys)", "    # O(1) lookups\n    ys = set(ys)")})
    with open_workspace(root) as ws:
        mine(ws)
        with ws.store.session() as s:
            aps = list(s.scalars(select(AntiPattern)))
    assert len(aps) == 1 and aps[0].occurrences == 2


def test_jsonl_output_one_object_per_commit(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    shas = perf_history(root, n_plain=2)
    proc = eco("mine", str(root), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(ln) for ln in proc.stdout.splitlines()]
    assert [r["sha"] for r in rows] == shas[::-1]
    assert [r["perf"] for r in rows] == [s == shas[-2] for s in shas[::-1]]
    perf_row = rows[1]
    assert perf_row["rules"] == ["message-keywords", "static-shapes"] and perf_row["functions"] == ["find", "drain"]
    assert all(set(r) >= {"sha", "subject", "perf", "score", "rules", "functions"} for r in rows)


def test_resume_after_interrupt_adds_exactly_the_rest_and_rerun_adds_nothing(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    shas = perf_history(root, n_plain=10)
    with open_workspace(root) as ws:
        first = mine(ws, max_commits=4, batch_size=3)
        assert first.scanned == 4 and count(ws, Commit) == 4
        second = mine(ws, batch_size=3)
        assert second.scanned == len(shas) - 4 and second.already_mined == 4
        assert count(ws, Commit) == len(shas)
        aps = count(ws, AntiPattern)
        third = mine(ws)
        assert third.scanned == 0 and third.already_mined == len(shas)
        assert count(ws, Commit) == len(shas) and count(ws, AntiPattern) == aps == 2


def test_interrupt_mid_batch_keeps_finished_batches(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    shas = perf_history(root, n_plain=8)
    seen = []

    def stop(row: dict) -> None:
        seen.append(row)
        if len(seen) == 5:
            raise KeyboardInterrupt

    with open_workspace(root) as ws:
        with pytest.raises(KeyboardInterrupt):
            mine(ws, on_commit=stop, batch_size=2)
        assert count(ws, Commit) == 4  # two full batches landed, the one in flight did not
        again = mine(ws)
        assert again.scanned == len(shas) - 4 and count(ws, Commit) == len(shas)


def test_rev_range_and_since(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    a = commit(root, "old", {"a.py": "x = 1\n"}, date="2020-01-01T00:00:00+00:00")
    b = commit(root, "middle", {"a.py": "x = 2\n"}, date="2022-01-01T00:00:00+00:00")
    c = commit(root, "new", {"a.py": "x = 3\n"}, date="2024-01-01T00:00:00+00:00")
    with open_workspace(root) as ws:
        rows: list[dict] = []
        mine(ws, rev_range=f"{a}..{c}", on_commit=rows.append)
        assert [r["sha"] for r in rows] == [c, b]
    rows = [json.loads(ln) for ln in eco("mine", str(root), "--since", "2023-01-01", "--json").stdout.splitlines()]
    assert [r["sha"] for r in rows] == []  # c already mined above; a is older than --since
    rows = [json.loads(ln) for ln in eco("mine", str(root), "--json").stdout.splitlines()]
    assert [r["sha"] for r in rows] == [a]


def test_mine_many_builds_one_shared_store(tmp_path: Path) -> None:
    r1, r2 = new_repo(tmp_path, "one"), new_repo(tmp_path, "two")
    perf_history(r1, n_plain=1)
    perf_history(r2, n_plain=2)
    proc = eco("mine", str(r1), str(r2))
    assert proc.returncode == 0, proc.stderr
    with open_workspace(r1) as ws:
        with ws.store.session() as s:
            per_repo = dict(s.execute(select(Commit.repo_id, func.count()).group_by(Commit.repo_id)).all())
            aps = list(s.scalars(select(AntiPattern)))
    assert sorted(per_repo.values()) == [4, 5]
    assert len(aps) == 2 and all(a.occurrences == 2 for a in aps)  # the same fix in both repos
    assert not (r2 / ".eco" / "eco.db").exists()
    again = mine_many([r1, r2])
    assert [s.scanned for s in again] == [0, 0]


# ---- bad input -------------------------------------------------------------------------------


def test_not_a_repo_and_empty_repo_are_one_line_errors(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    empty = new_repo(tmp_path, "empty")
    for target, words in ((plain, "not a git repository"), (empty, "no commits")):
        proc = eco("mine", str(target), "--json")
        assert proc.returncode == 2 and words in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stdout == ""
    with pytest.raises(RepoError):
        mine_many([plain])


def test_bad_rev_range_is_one_line_error(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"a.py": "x = 1\n"})
    proc = eco("mine", str(root), "--rev-range", "nope..HEAD")
    assert proc.returncode == 2 and "git log failed" in proc.stderr and "Traceback" not in proc.stderr


def test_shallow_clone_boundary_is_skipped_and_counted(tmp_path: Path) -> None:
    src = new_repo(tmp_path, "src")
    shas = perf_history(src, n_plain=3)
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "3", f"file://{src}", str(clone))
    with open_workspace(clone) as ws:
        rows: list[dict] = []
        summary = mine(ws, on_commit=rows.append)
    assert [r["sha"] for r in rows] == shas[::-1][:3]
    assert sum(summary.skipped.values()) == 1 and "shallow" in rows[-1]["skipped"]
    assert rows[1]["perf"] is True  # the fix itself is still inside the clone


def test_merge_commits_are_recorded_not_judged_and_branch_commits_are(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/core.py": BEFORE_FIND, "b.py": "y = 1\n"})
    git(root, "checkout", "-q", "-b", "side")
    fix = commit(root, "Speed up find", {"pkg/core.py": AFTER_FIND})
    git(root, "checkout", "-q", "main")
    commit(root, "unrelated", {"b.py": "y = 2\n"})
    git(root, "merge", "-q", "--no-ff", "-m", "Merge branch 'side': faster find", "side")
    with open_workspace(root) as ws:
        rows: list[dict] = []
        summary = mine(ws, on_commit=rows.append)
    merge = rows[0]
    assert summary.merges == 1 and merge["perf"] is False and "merge" in merge["skipped"]
    assert {r["sha"] for r in rows if r["perf"]} == {fix}


def test_renamed_file_pairs_keep_both_paths(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"old/core.py": BEFORE_FIND + "\n\ndef other():\n    return 1\n" * 1})
    git(root, "mv", "old/core.py", "new_core.py")
    (root / "new_core.py").write_text(AFTER_FIND + "\n\ndef other():\n    return 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Move core and make find faster")
    with open_workspace(root) as ws:
        summary = mine(ws)
        with ws.store.session() as s:
            ap = s.scalar(select(AntiPattern))
    assert summary.perf == 1
    assert ap.path == "new_core.py" and "a/old/core.py" in ap.diff and ap.kind == "list-membership-in-loop"


def test_binary_files_and_non_utf8_messages_and_diffs(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/core.py": BEFORE_FIND, "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\xff" * 50})
    latin = "# caf\xe9\n".encode("latin-1") + AFTER_FIND.encode()
    (root / "pkg" / "core.py").write_bytes(latin)
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01\xfe" * 60)
    git(root, "add", "-A")
    msg = tmp_path / "msg"
    msg.write_bytes("Speed up find for caf\xe9 names\n\n\xff\xfe bytes".encode("latin-1"))
    git(root, "-c", "i18n.commitEncoding=latin-1", "commit", "-q", "-F", str(msg))
    raw = tmp_path / "raw"
    raw.write_bytes(b"Faster \xff\xfe\xfa\n")
    (root / "pkg" / "extra.py").write_bytes(b"def g():\n    return '\xff\xfe'\n")
    git(root, "add", "-A")
    subprocess.run(["git", "-c", "i18n.commitEncoding=UTF-8", "commit", "-q", "-F", str(raw)], cwd=root, check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@y", "GIT_COMMITTER_NAME": "x", "GIT_COMMITTER_EMAIL": "x@y"})
    proc = eco("mine", str(root), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(ln) for ln in proc.stdout.splitlines()]
    assert len(rows) == 3
    assert rows[1]["subject"] == "Speed up find for café names" and rows[1]["perf"] is True
    assert rows[1]["functions"] == ["find"]
    assert rows[0]["subject"].startswith("Faster ")
    with open_workspace(root) as ws, ws.store.session() as s:
        assert s.scalar(select(AntiPattern)).kind == "list-membership-in-loop"


def test_huge_diff_is_skipped_and_counted_and_memory_does_not_keep_it(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"a.py": "x = 1\n"})
    big = "".join(f"LINE_{i} = {i}  # padding padding padding padding\n" for i in range(400_000))  # ~20 MB
    commit(root, "Speed up: vendor a huge table", {"table.py": big})
    commit(root, "Speed up find", {"pkg/core.py": BEFORE_FIND})
    with open_workspace(root, flags={"max_diff_bytes": 1_000_000}) as ws:
        rows: list[dict] = []
        summary = mine(ws, on_commit=rows.append)
    assert summary.skipped == {"diff larger than max_diff_bytes": 1}
    assert rows[1]["perf"] is False and "max_diff_bytes" in rows[1]["skipped"]
    assert rows[0]["perf"] is True and summary.scanned == 3


def test_submodule_changes_are_skipped_without_error(tmp_path: Path) -> None:
    sub = new_repo(tmp_path, "sub")
    commit(sub, "sub init", {"s.py": "z = 1\n"})
    root = new_repo(tmp_path)
    commit(root, "init", {"a.py": "x = 1\n"})
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor/sub")
    git(root, "commit", "-q", "-m", "Add submodule for faster parsing")
    commit(sub, "sub change", {"s.py": "z = 2\n"})
    git(root / "vendor" / "sub", "pull", "-q")
    git(root, "add", "vendor/sub")
    git(root, "commit", "-q", "-m", "Bump submodule: speed up parsing")
    with open_workspace(root) as ws:
        rows: list[dict] = []
        summary = mine(ws, on_commit=rows.append)
    assert summary.scanned == 3 and not summary.rule_errors
    assert all(r["functions"] == [] for r in rows)


def test_pathologically_nested_file_does_not_stop_mining(tmp_path: Path) -> None:
    """A file too deep for Python's own parser (seen in a real project's test data) does not stop mining."""
    root = new_repo(tmp_path)
    deep = "def f():\n    return " + "[" * 3000 + "]" * 3000 + "\n"
    commit(root, "init", {"pkg/deep.py": deep, "pkg/core.py": BEFORE_FIND})
    sha = commit(root, "Speed up find with a set", {"pkg/deep.py": deep.replace("return", "return  "), "pkg/core.py": AFTER_FIND})
    rows: list[dict] = []
    with open_workspace(root) as ws:
        mine(ws, on_commit=rows.append, all_functions=True)
    row = next(r for r in rows if r["sha"] == sha)
    # The fix is found; the deep function is listed only if a parser could read it (tree-sitter can).
    assert row["perf"] and "find" in row["functions"] and set(row["functions"]) <= {"find", "f"}


def test_code_worker_and_inline_judging_give_the_same_rows(tmp_path: Path) -> None:
    """mine_workers only moves where the code rules run: verdicts, functions and pairs are identical."""
    root = new_repo(tmp_path)
    shas = perf_history(root, n_plain=60)  # several windows of 24, so two workers both have one
    results = []
    for workers in (0, 1, 2):
        shutil.rmtree(root / ".eco", ignore_errors=True)
        rows: list[dict] = []
        with open_workspace(root, flags={"mine_workers": workers}) as ws:
            summary = mine(ws, on_commit=rows.append, all_functions=True)
            with ws.store.session() as s:
                pairs = sorted((a.qualname, a.kind, a.occurrences) for a in s.scalars(select(AntiPattern)))
        results.append((rows, pairs, summary.perf))
    assert results[0] == results[1] == results[2]
    assert [r["sha"] for r in results[0][0]] == shas[::-1]  # history order, newest first, in both modes
    assert results[0][2] >= 1 and results[0][1]


def test_an_unreadable_object_costs_its_commit_not_the_rest_of_the_history(tmp_path: Path) -> None:
    """A damaged object store (or a partial clone without its promisor) stops `git log -p` inside one diff."""
    root = new_repo(tmp_path)
    oldest = commit(root, "init", {"pkg/core.py": BEFORE_FIND})
    fix = commit(root, "Speed up find", {"pkg/core.py": AFTER_FIND})
    damaged = commit(root, "Add data", {"pkg/data.py": "TABLE = [1, 2, 3]\n"})
    newest = commit(root, "Add option", {"pkg/opt.py": "def opt():\n    return 1\n"})
    blob = git(root, "rev-parse", f"{damaged}:pkg/data.py").strip()
    (root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # the one blob only this commit's diff needs
    with open_workspace(root) as ws:
        rows: list[dict] = []
        summary = mine(ws, on_commit=rows.append)
    assert [r["sha"] for r in rows] == [newest, damaged, fix, oldest]
    assert rows[1]["skipped"].startswith("unreadable object") and rows[1]["perf"] is False
    assert summary.skipped == {"unreadable object in its diff": 1}
    assert rows[2]["perf"] is True and "find" in " ".join(rows[2]["functions"])  # older history still mined
