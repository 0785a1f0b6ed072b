"""Open the store: SQLite in ``REPO/.eco/eco.db`` by default (WAL), any SQLAlchemy URL otherwise.

The schema version is stored in the ``meta`` table; opening a store written by an older or newer
eco is refused with a message that says which, rather than corrupting it.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from eco.errors import StoreError
from eco.store.models import Base, Meta, Repository

SCHEMA_VERSION = 1


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class Store:
    """A handle on one database: sessions, and the repository row of the target."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    def repository(self, root: Path) -> Repository:
        """The row for ``root``, created on first use."""
        path = str(Path(root).resolve())
        with self.transaction() as s:
            repo = s.scalar(select(Repository).where(Repository.path == path))
            if repo is None:
                repo = Repository(path=path, name=Path(path).name)
                s.add(repo)
                s.flush()
            return repo

    def close(self) -> None:
        self.engine.dispose()


def _check_version(engine: Engine, url: str) -> None:
    tables = set(inspect(engine).get_table_names())
    with Session(engine) as s:
        if "meta" not in tables:
            if tables - {"meta"}:
                raise StoreError(f"{url}: not an eco store (it has tables but no schema version)")
            Base.metadata.create_all(engine)
            s.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
            s.commit()
            return
        row = s.get(Meta, "schema_version")
        found = int(row.value) if row and row.value.isdigit() else None
    if found is None:
        raise StoreError(f"{url}: eco store has no readable schema version")
    if found < SCHEMA_VERSION:
        raise StoreError(
            f"{url}: store schema version {found} is older than this eco (version {SCHEMA_VERSION}); "
            "move it aside and run again to rebuild"
        )
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"{url}: store schema version {found} was written by a newer eco (this one reads {SCHEMA_VERSION}); upgrade eco"
        )
    Base.metadata.create_all(engine)  # tables added within a version are created, never altered


def open_store(db_path: Path | None = None, *, database_url: str | None = None) -> Store:
    """Open (creating if needed) the store at ``database_url`` or the SQLite file ``db_path``."""
    if database_url is None:
        if db_path is None:
            raise StoreError("no store location: pass a repository or set database_url")
        db_path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{db_path}"
    else:
        url = database_url
    try:
        engine = create_engine(url, future=True)
    except Exception as exc:  # bad URL, missing driver
        raise StoreError(f"cannot open store {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        _check_version(engine, url)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise StoreError(f"cannot open store {url}: {exc.orig}") from None
    return Store(engine, url)
