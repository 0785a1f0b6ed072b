"""The store: creation, WAL, round trips, and the schema-version guard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from eco.errors import StoreError
from eco.store import SCHEMA_VERSION, open_store
from eco.store.models import AntiPattern, Candidate, Commit


def test_store_created_in_wal_mode_with_version(tmp_path: Path) -> None:
    store = open_store(tmp_path / "eco.db")
    store.close()
    con = sqlite3.connect(tmp_path / "eco.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def test_round_trip_and_repository_row_is_reused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "eco.db")
    repo_a = store.repository(tmp_path)
    assert store.repository(tmp_path).id == repo_a.id
    with store.transaction() as s:
        s.add(Commit(repo_id=repo_a.id, sha="abc", subject="perf: faster", is_perf=True, score=2.5, rules=[{"rule": "kw"}]))
        s.add(AntiPattern(key="catalog:x", source="catalog", kind="x", category="caching", detector={"kind": "none"}))
        s.add(Candidate(repo_id=repo_a.id, path="a.py", qualname="f", language="python", start_line=1, end_line=2,
                        code="def f(): pass", content_hash="h"))
    store.close()
    store = open_store(tmp_path / "eco.db")
    with store.session() as s:
        commit = s.scalar(select(Commit))
        assert commit is not None and commit.is_perf and commit.rules == [{"rule": "kw"}]
        assert s.scalar(select(AntiPattern)).detector == {"kind": "none"}


def test_duplicate_commit_is_rejected_by_unique_key(tmp_path: Path) -> None:
    store = open_store(tmp_path / "eco.db")
    rid = store.repository(tmp_path).id
    with store.transaction() as s:
        s.add(Commit(repo_id=rid, sha="abc", subject="x"))
    with pytest.raises(Exception):
        with store.transaction() as s:
            s.add(Commit(repo_id=rid, sha="abc", subject="x"))


@pytest.mark.parametrize("version,word", [(SCHEMA_VERSION + 1, "newer"), (SCHEMA_VERSION - 1, "older")])
def test_other_schema_version_is_refused(tmp_path: Path, version: int, word: str) -> None:
    open_store(tmp_path / "eco.db").close()
    con = sqlite3.connect(tmp_path / "eco.db")
    con.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))
    con.commit()
    con.close()
    with pytest.raises(StoreError, match=word):
        open_store(tmp_path / "eco.db")


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "other.db")
    con.execute("CREATE TABLE users (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not an eco store"):
        open_store(tmp_path / "other.db")


def test_not_a_database_file(tmp_path: Path) -> None:
    (tmp_path / "eco.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        open_store(tmp_path / "eco.db")


def test_database_url_setting_is_used(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    store = open_store(None, database_url=url)
    store.repository(tmp_path)
    store.close()
    assert (tmp_path / "team.db").is_file()


def test_bad_database_url(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open store"):
        open_store(None, database_url="nosuchdialect://x")
