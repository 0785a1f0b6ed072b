"""The miner's fast paths store and see exactly what the general paths do."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from mine_helpers import AFTER_FIND, BEFORE_FIND, commit, new_repo

from eco.mine.gitlog import RawCommit
from eco.mine.miner import CommitWriter, mine
from eco.store.db import open_store
from eco.workspace import open_workspace


def _rows() -> list[dict]:
    when = datetime(2024, 5, 1, 12, 30, 5, tzinfo=timezone.utc)
    return [
        {"sha": "a" * 40, "subject": "Speed up x", "message": "Speed up x\n\nbody é", "author": "A <a@x>", "author_date": when,
         "is_perf": True, "score": 1.5, "rules": [{"rule": "r", "score": 1.0, "reason": "q\"uote"}], "functions": ["f", "C.g"],
         "skipped": None},
        {"sha": "b" * 40, "subject": "", "message": "", "author": "", "author_date": None,
         "is_perf": False, "score": 0.0, "rules": [], "functions": [], "skipped": "merge commit: judged through the commits it merges"},
    ]


def _stored(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        cols = [r[1] for r in con.execute("pragma table_info(commits)") if r[1] not in ("id", "scanned_at")]
        rows = con.execute(f"select {', '.join(cols)}, typeof(scanned_at), length(scanned_at) from commits order by sha").fetchall()
    finally:
        con.close()
    return rows


def test_dbapi_writer_stores_the_same_values_as_a_core_insert(tmp_path: Path) -> None:
    stored = []
    for core in (True, False):
        db = tmp_path / f"{core}" / "eco.db"
        store = open_store(db)
        try:
            repo_id = store.repository(tmp_path).id
            writer = CommitWriter(store.engine.dialect, repo_id, core=core)
            assert (writer._sql is None) == core  # the fast path is taken on SQLite unless told not to
            with store.transaction() as session:
                writer.insert(session, _rows())
        finally:
            store.close()
        stored.append(_stored(db))
    assert stored[0] == stored[1]
    assert len(stored[1]) == 2 and stored[1][0][-2:] == ("text", 26)  # scanned_at written, in SQLAlchemy's format


def test_dbapi_writer_rolls_back_with_the_session(tmp_path: Path) -> None:
    store = open_store(tmp_path / "eco.db")
    try:
        writer = CommitWriter(store.engine.dialect, store.repository(tmp_path).id)
        try:
            with store.transaction() as session:
                writer.insert(session, _rows())
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
    finally:
        store.close()
    assert _stored(tmp_path / "eco.db") == []


def test_mined_store_is_the_same_through_either_writer(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = new_repo(tmp_path)
    commit(root, "Add finder", {"pkg/find.py": BEFORE_FIND})
    commit(root, "Speed up find with a set", {"pkg/find.py": AFTER_FIND})
    commit(root, "Update docs", {"README.md": "hello\n"})
    stored = []
    init = CommitWriter.__init__
    for core in (True, False):
        shutil.rmtree(root / ".eco", ignore_errors=True)
        monkeypatch.setattr(CommitWriter, "__init__", lambda self, d, r, core=core: init(self, d, r, core=core))
        with open_workspace(root) as ws:
            mine(ws)
        stored.append(_stored(root / ".eco" / "eco.db"))
    assert stored[0] == stored[1] and len(stored[0]) == 3
    assert [r[2] for r in stored[1] if r[6]] == ["Speed up find with a set"]  # is_perf


def test_changed_paths_count_every_header_line_including_the_first() -> None:
    diff = (
        b"--- a/first.py\n+++ b/first.py\n@@ -1 +1 @@\n-x\n+y\n"
        b"diff --git a/old name.py b/new.py\nsimilarity index 90%\nrename from old name.py\nrename to new.py\n"
        b"diff --git a/q.sql b/q.sql\n--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,1 @@\n--- a/not-a-header\n-- a/x\n"
        b'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"\nrename from "caf\\303\\251.py"\nrename to "b\\tc.py"\n'
    )
    raw = RawCommit("c" * 40, [], "", "", "m", diff)
    # What the line-anchored regex always gave: a removed line that reads like a header counts too, a
    # first line without a newline before it counts, quoted names are unquoted.
    assert raw.paths == ["first.py", "old name.py", "new.py", "q.sql", "not-a-header", "café.py", "b\tc.py"]


def test_collector_settings_come_back_after_mining(tmp_path: Path) -> None:
    import gc

    from eco.mine.miner import GC_GEN0, collector_tuned

    root = new_repo(tmp_path)
    commit(root, "Add finder", {"pkg/find.py": BEFORE_FIND})
    before = gc.get_threshold()
    seen: list[tuple] = []
    with open_workspace(root) as ws:
        mine(ws, on_commit=lambda _row: seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0)))
    assert seen == [(max(before[0], GC_GEN0), True)]  # tuned while mining
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0  # and restored
    try:  # a freeze made by the caller is left alone
        gc.freeze()
        frozen = gc.get_freeze_count()
        with collector_tuned():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_only_the_changed_functions_trees_are_kept_after_extraction() -> None:
    from eco.mine import pyfuncs
    from eco.mine.shapes import transforms

    before = b"def a():\n    return 1\n\n\ndef find(xs, ys):\n    out = []\n    for x in xs:\n        if x in ys:\n            out.append(x)\n    return out\n"
    after = before.replace(b"    out = []\n", b"    ys = set(ys)\n    out = []\n")
    pyfuncs.python_functions(b"def stale():\n    pass\n", "old.py")  # a tree from an earlier commit
    found_b = pyfuncs.python_functions(before, "m.py")
    found_a = pyfuncs.python_functions(after, "m.py")
    assert found_b and found_a
    changed = {f.code for f in found_b + found_a if f.qualname == "find"}
    pyfuncs.forget_nodes(changed)
    assert set(pyfuncs._NODES) == changed and all(pyfuncs.parsed_node(c) is not None for c in changed)
    fb, fa = (f.code for f in (found_b[1], found_a[1]))
    assert transforms(fb, fa) == ["list-membership-in-loop"]  # the kept pair is still compared
    pyfuncs.forget_nodes()
    assert not pyfuncs._NODES


def test_log_pipe_is_widened_where_the_system_allows_it_and_ignored_where_not() -> None:
    import fcntl
    import io
    import os

    from eco.mine.gitlog import PIPE_BYTES, _widen_pipe

    r, w = os.pipe()
    try:
        with os.fdopen(r, "rb", closefd=False) as reader:
            before = fcntl.fcntl(r, 1032)  # F_GETPIPE_SZ
            _widen_pipe(reader)
            after = fcntl.fcntl(r, 1032)
        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        assert after == PIPE_BYTES or (after == before and PIPE_BYTES > limit)  # above the limit: refused, kept
    finally:
        os.close(r)
        os.close(w)
    _widen_pipe(io.BytesIO(b"not a pipe"))  # no file descriptor: left alone, no error



def test_settle_is_judge_code_when_the_code_rules_cannot_tip_it_and_parts_follow_the_rule_list() -> None:
    from eco.mine.rules import CommitView, RuleSet, judge_cheap, judge_code, load_rules, settle, wants_code

    rules = load_rules()
    raw = RawCommit("d" * 40, [], "A <a@x>", "2024-01-01T00:00:00+00:00", "Update docs\n\nSigned-off-by: A <a@x>",
                    b"diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-a\n+b\n")
    cheap = judge_cheap(CommitView(raw), rules, 1.0)
    assert not wants_code(cheap, rules, 1.0)
    assert settle(cheap, 1.0) == judge_code(CommitView(raw), rules, cheap, 1.0)
    assert rules.parts().deep and all(lr.needs_code for lr in rules.parts().deep)
    only_cheap = RuleSet([lr for lr in rules.rules if not lr.needs_code])
    assert only_cheap.parts().deep == [] and not wants_code(cheap, only_cheap, -10.0)
    rules.rules = list(only_cheap.rules)  # a new list: the split is worked out again
    assert rules.parts().deep == []


def test_dbapi_writer_fills_python_defaults_and_leaves_the_rest_to_sqlalchemy(tmp_path: Path) -> None:
    stored = []
    for i, drop in enumerate(["message", "skipped"]):  # message has a Python default, skipped has none
        for core in (True, False):
            db = tmp_path / f"{i}{core}" / "eco.db"
            store = open_store(db)
            try:
                writer = CommitWriter(store.engine.dialect, store.repository(tmp_path).id, core=core)
                rows = [{k: v for k, v in r.items() if k != drop} for r in _rows()]
                with store.transaction() as session:
                    writer.insert(session, rows)
            finally:
                store.close()
            stored.append(_stored(db))
    assert stored[0] == stored[1] and stored[2] == stored[3]
    assert [r[3] for r in stored[1]] == ["", ""]  # message from its default
    assert [r[10] for r in stored[3]] == [None, None]  # skipped left NULL


def test_blob_reader_answers_a_request_larger_than_the_pipes_without_hanging(tmp_path: Path) -> None:
    """3,000 ids (123 KB of request) whose answers (over 300 KB) fill git's output pipe long before the request is
    written: written all at once, git stops reading and the write never finishes (a window of commits touching
    thousands of files hung ``eco mine`` that way). The read runs on a thread so that a hang fails the test."""
    import subprocess
    import threading

    import git

    from eco.mine.gitlog import BlobReader

    repo = tmp_path / "r"
    git.Repo.init(repo)
    files = tmp_path / "files"
    files.mkdir()
    paths = []
    for i in range(3000):
        path = files / f"f{i}.py"
        path.write_text(f"def f{i}():\n    return {i}\n" + "#" * 80 + "\n")
        paths.append(str(path))
    ids = subprocess.run(["git", "hash-object", "-w", "--stdin-paths"], cwd=repo, input="\n".join(paths) + "\n",
                         capture_output=True, text=True, check=True).stdout.split()
    assert len(ids) == 3000
    reader = BlobReader(git.Repo(repo))
    got: dict = {}
    worker = threading.Thread(target=lambda: got.update(reader.read_many([*ids, None, "0" * 40])), daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "read_many hung: the request was written in one piece past the pipe buffers"
    reader.close()
    assert len(got) == 3000
    assert got[ids[1234]] == Path(paths[1234]).read_bytes()
