"""Mine a repository's history into the store: a verdict per commit, before/after pairs per perf fix.

Every scanned commit gets a ``Commit`` row (its presence means "scanned", so a second run skips
it), and each performance fix adds one ``AntiPattern`` row per changed function, deduplicated by a
hash of the normalised before/after pair. Rows are written in batches, each in one transaction, so
an interrupt loses at most the commits in flight (the batch being filled, and the windows still with
the code worker) and the next run picks up there.
"""

from __future__ import annotations

import gc
import hashlib
import textwrap
import time
from collections import Counter, deque
from contextlib import contextmanager
from itertools import repeat
from operator import itemgetter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import git
from sqlalchemy import JSON, select

from eco.errors import RepoError
from eco.mine.codework import CodeContext, CodeJudge
from eco.mine.gitlog import RawCommit, stream_commits
from eco.mine.rules import CommitView, FunctionChange, RuleSet, Verdict, judge_cheap, load_rules, settle, wants_code
from eco.mine.shapes import category_of, only_imports_changed, transforms
from eco.store.models import AntiPattern, Commit
from eco.workspace import Workspace

BATCH = 500  # commit rows a transaction: an interrupt loses at most this many verdicts
WINDOW = 256  # commits held back at most, so blob reads can be batched
WINDOW_CODE = 24  # commits needing file contents per cat-file round trip
MAX_INFLIGHT = 16  # windows handed to the code worker and not yet landed: the log keeps streaming meanwhile
MAX_INFLIGHT_BYTES = 8 << 20  # ... and the diff bytes they hold at most, so memory stays flat


@dataclass
class MineSummary:
    """What one ``mine`` call did; ``scanned`` counts new commits only."""

    repo: str
    scanned: int = 0
    already_mined: int = 0
    perf: int = 0
    antipatterns_added: int = 0
    antipatterns_repeated: int = 0
    merges: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count (huge diff, shallow boundary)
    rule_errors: Counter[str] = field(default_factory=Counter)  # rule name -> number of commits it raised on
    rule_error_examples: dict[str, str] = field(default_factory=dict)
    load_errors: list[str] = field(default_factory=list)
    llm_judged: int = 0  # commits the LLM judge answered about (mine_llm_judge)
    llm_promoted: int = 0  # ... and called performance fixes the rules had left short
    llm_overruled: int = 0  # ... and called not fixes where the rules said fix (mine_llm_judge_max above the threshold)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "repo": self.repo, "scanned": self.scanned, "already_mined": self.already_mined, "perf": self.perf,
            "antipatterns_added": self.antipatterns_added, "antipatterns_repeated": self.antipatterns_repeated,
            "merges": self.merges, "skipped": dict(self.skipped), "rule_errors": dict(self.rule_errors),
            "rule_error_examples": self.rule_error_examples, "load_errors": self.load_errors,
            "llm_judged": self.llm_judged, "llm_promoted": self.llm_promoted, "llm_overruled": self.llm_overruled,
            "seconds": round(self.seconds, 3),
        }


def normalise(code: str) -> str:
    """Code with indentation, comments, trailing spaces and blank lines removed: layout does not make a pair new."""
    lines = []
    for ln in textwrap.dedent(code).splitlines():
        s = ln.rstrip()
        if not s.strip() or s.lstrip().startswith(("#", "//")):
            continue
        lines.append(s)
    return "\n".join(lines)


def pair_hash(fn: FunctionChange) -> str:
    data = "\x00".join([fn.language, normalise(fn.before or ""), normalise(fn.after or "")])
    return hashlib.sha256(data.encode("utf-8", "surrogateescape")).hexdigest()


def _date(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _clean(text: str) -> str:
    """Text the database can store: lone surrogates (from undecodable bytes) become U+FFFD."""
    if text.isascii():
        return text  # nothing to replace (most messages, names and paths)
    return text.encode("utf-8", "replace").decode("utf-8")


def open_git(ws_root: Path) -> git.Repo:
    try:
        return git.Repo(ws_root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise RepoError(f"{ws_root}: not a git repository") from None


def verdict_row(raw: RawCommit, verdict: Verdict | None, functions: list[str], skipped: str | None) -> dict[str, Any]:
    return {
        "sha": raw.sha, "subject": _clean(raw.message.split("\n", 1)[0]), "message": _clean(raw.message),
        "author": _clean(raw.author)[:255], "author_date": _date(raw.author_date),
        "is_perf": bool(verdict and verdict.perf), "score": round(verdict.score, 4) if verdict else 0.0,
        "rules": verdict.as_json() if verdict else [], "functions": functions, "skipped": skipped,
    }


def _json_bind(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A JSON column's bind processor, with the empty list (most commits: no rule fired, no function listed) done once."""
    empty = proc([])

    def bind(value: Any) -> Any:
        return empty if type(value) is list and not value else proc(value)

    return bind


class CommitWriter:
    """Inserts verdict rows: one DB-API ``executemany`` on SQLite, a Core ``executemany`` elsewhere.

    A run writes one row per commit (20k rows for 20k commits), and SQLAlchemy's per-row work for
    a Core insert (parameter dicts, defaults, type processing through the compiled statement) cost
    more than SQLite itself. On SQLite the statement is compiled once and each row is turned into
    a tuple with the column types' own bind processors, so the stored values are exactly those a
    Core insert stores; Python-side defaults (``scanned_at``) are taken once per batch. Other
    databases keep the Core path. Both run inside the caller's session transaction.
    """

    def __init__(self, dialect: Any, repo_id: int, *, core: bool = False) -> None:
        self.repo_id = repo_id
        table = Commit.__table__
        self._cols = [c for c in table.c if c.name != "id"]
        self._sql: str | None = None
        if not core and dialect.name == "sqlite" and dialect.paramstyle == "qmark":
            compiled = table.insert().compile(dialect=dialect, column_keys=[c.name for c in self._cols])
            if list(compiled.positiontup or []) == [c.name for c in self._cols]:
                self._sql = compiled.string
                self._procs = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in self._cols]

    def _fixed(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """Values of the columns the rows do not carry: the repository, and Python-side defaults (once a batch)."""
        fixed: dict[str, Any] = {"repo_id": self.repo_id}
        for col in self._cols:
            if col.name in row or col.name in fixed:
                continue
            default = col.default
            if default is None or not getattr(default, "is_scalar", False) and not getattr(default, "is_callable", False):
                return None
            fixed[col.name] = default.arg(None) if default.is_callable else default.arg
        return fixed

    def insert(self, session: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        conn = session.connection()
        if self._sql is None:
            conn.execute(Commit.__table__.insert(), [{**r, "repo_id": self.repo_id} for r in rows])
            return
        fixed = self._fixed(rows[0])
        if fixed is None:  # a column the rows lack and no Python-side default covers: let SQLAlchemy decide
            conn.execute(Commit.__table__.insert(), [{**r, "repo_id": self.repo_id} for r in rows])
            return
        # Column by column (C-level map/zip, not a Python loop per value); bind processors run on every
        # value, None included, as SQLAlchemy runs them (a JSON column stores None as 'null').
        n = len(rows)
        columns: list[Any] = []
        for col, proc in zip(self._cols, self._procs):
            if col.name in fixed:
                columns.append(repeat(proc(fixed[col.name]) if proc is not None else fixed[col.name], n))
                continue
            values = map(itemgetter(col.name), rows)
            if proc is not None:
                if isinstance(col.type, JSON):
                    values = map(_json_bind(proc), values)
                else:
                    values = map(proc, values)
            columns.append(values)
        params = list(zip(*columns))
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(self._sql, params)
        finally:
            cursor.close()


GC_GEN0 = 10_000  # allocations between young collections while mining (CPython's default is 700)


@contextmanager
def collector_tuned() -> Iterator[None]:
    """Fewer, cheaper cyclic-GC passes while mining; the caller's settings come back afterwards.

    Mining allocates millions of short-lived objects (commits, parsed trees) and keeps a large
    live set (windows in flight, remembered function trees), so with the default thresholds the
    collector re-traversed that set hundreds of times: about 0.4-0.5 s of the main process's
    CPU and 0.6 s of the code worker's on 20k commits, for little garbage (with the collector
    off altogether the main process peaks 1-2 MiB higher). What exists before the run (modules,
    the SQLAlchemy metadata, the rules) is frozen out of collections; the young generation is
    collected every ``GC_GEN0`` allocations instead of 700, so cyclic garbage is still reclaimed
    and memory stays bounded.
    A forked code worker inherits both.
    """
    old = gc.get_threshold()
    froze = gc.get_freeze_count() == 0  # never undo a freeze that someone else made
    if froze:
        gc.freeze()
    gc.set_threshold(max(old[0], GC_GEN0), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        if froze:
            gc.unfreeze()


def mine(
    ws: Workspace,
    *,
    rev_range: str | None = None,
    since: str | None = None,
    max_commits: int | None = None,
    on_commit: Callable[[dict[str, Any]], None] | None = None,
    rules: RuleSet | None = None,
    all_functions: bool = False,
    batch_size: int = BATCH,
    llm_judge: bool | None = None,
) -> MineSummary:
    """Scan ``rev_range`` (default ``HEAD``) newest first, skipping commits already in the store.

    ``max_commits`` bounds the number of NEW commits scanned. ``on_commit`` receives, per scanned
    commit, ``{"sha", "subject", "perf", "score", "rules", "functions"}``. ``all_functions`` lists
    changed functions for every commit (reads blobs for all of them, slower); by default they are
    listed for performance fixes and for commits the code-reading rules already looked at.
    ``llm_judge`` (default: the ``mine_llm_judge`` setting) asks the configured LLM about commits the rules
    leave just short of the threshold (:mod:`eco.mine.second_opinion`).
    """
    started = time.perf_counter()
    settings = ws.settings
    ruleset = rules if rules is not None else load_rules(settings.rules_dirs, ws.root)
    summary = MineSummary(repo=str(ws.root), load_errors=list(ruleset.errors))
    repo = open_git(ws.root)
    with ws.store.session() as s:
        known = set(s.scalars(select(Commit.sha).where(Commit.repo_id == ws.repo_id)))
    second = None
    if settings.mine_llm_judge if llm_judge is None else llm_judge:
        from eco.mine.second_opinion import SecondOpinion  # only then: it brings the LLM client in

        second = SecondOpinion(settings)
    code = CodeJudge(CodeContext(repo, ruleset, settings.mine_threshold, all_functions, ws.repo_id, _collect_pairs, second),
                     settings.mine_workers)
    pending_commits: list[dict[str, Any]] = []
    writer = CommitWriter(ws.store.engine.dialect, ws.repo_id)
    pending_pairs: dict[str, dict[str, Any]] = {}

    def flush() -> None:
        if not pending_commits:
            return
        with ws.store.transaction() as session:
            found = {a.norm_hash: a for a in session.scalars(select(AntiPattern).where(AntiPattern.norm_hash.in_(list(pending_pairs))))} if pending_pairs else {}
            for h, row in pending_pairs.items():
                existing = found.get(h)
                if existing is not None:
                    existing.occurrences += row["occurrences"]
                    summary.antipatterns_repeated += row["occurrences"]
                else:
                    session.add(AntiPattern(**row))
                    summary.antipatterns_added += 1
                    summary.antipatterns_repeated += row["occurrences"] - 1
            writer.insert(session, pending_commits)
        pending_commits.clear()
        pending_pairs.clear()

    # Commits wait in a short window so the file contents of all the ones that need code are read
    # from git in one round trip, by the worker, while the next window streams in; they still leave
    # (and reach on_commit) in history order.
    Entry = tuple[RawCommit, Verdict | None, str | None, bool]  # raw, cheap verdict, skipped, needs code
    window: list[Entry] = []
    inflight: deque[tuple[list[Entry], Any, list[tuple[RawCommit, Verdict]]]] = deque()
    window_code = 0

    inflight_bytes = 0

    def drain() -> None:
        nonlocal window_code, inflight_bytes
        items = [(raw, cheap) for raw, cheap, _s, needs in window if needs and cheap is not None]
        inflight.append((list(window), code.submit(items), items))
        inflight_bytes += sum(len(raw.diff) for raw, _c, _s, _n in window)
        window.clear()
        window_code = 0

    def land_oldest() -> None:
        nonlocal inflight_bytes
        entries, pending, items = inflight.popleft()
        inflight_bytes -= sum(len(raw.diff) for raw, _c, _s, _n in entries)
        results = iter(code.result(pending, items))
        for raw, cheap, skipped, needs in entries:
            if cheap is None:
                finish(raw, None, [], {}, skipped)
            elif needs:
                verdict, functions, pairs = next(results)
                finish(raw, verdict, functions, pairs, None)
            else:  # the code rules could not tip it (that is why it was not sent): decided as it stands
                finish(raw, settle(cheap, settings.mine_threshold), [], {}, None)

    def finish(raw: RawCommit, verdict: Verdict | None, functions: list[str], pairs: dict[str, dict[str, Any]], skipped: str | None) -> None:
        if verdict is not None:
            for name, err in verdict.errors:
                summary.rule_errors[name] += 1
                summary.rule_error_examples.setdefault(name, f"{raw.sha[:12]}: {err}")
            for name, hit in verdict.hits:
                if name == "llm-judge":
                    summary.llm_judged += 1
                    summary.llm_promoted += hit.score > 0
                    summary.llm_overruled += hit.score < 0
            if verdict.perf:
                summary.perf += 1
                for h, row in pairs.items():
                    if h in pending_pairs:
                        pending_pairs[h]["occurrences"] += row["occurrences"]
                    else:
                        pending_pairs[h] = row
        pending_commits.append(verdict_row(raw, verdict, functions, skipped))
        if on_commit is not None:
            on_commit({
                "sha": raw.sha, "subject": _clean(raw.message.split("\n", 1)[0]),
                "perf": bool(verdict and verdict.perf), "score": round(verdict.score, 4) if verdict else 0.0,
                "rules": verdict.rule_names if verdict else [], "functions": functions,
                **({"skipped": skipped} if skipped else {}),
                # "rules" lists only what added points: the judge's "no" shows here (mine_llm_judge)
                **({"llm_judge": "yes" if verdict.llm_answer else "no"} if verdict and verdict.llm_answer is not None else {}),
            })
        if len(pending_commits) >= batch_size:
            flush()

    def land_all() -> None:
        if window:
            drain()
        while inflight:
            land_oldest()

    with collector_tuned():
        try:
            for raw in stream_commits(repo, rev_range=rev_range, since=since, max_diff_bytes=settings.max_diff_bytes, skip=known):
                if raw.sha in known:
                    summary.already_mined += 1
                    continue
                if max_commits is not None and summary.scanned >= max_commits:
                    break
                summary.scanned += 1
                known.add(raw.sha)
                skipped = raw.skipped
                if raw.is_merge:
                    summary.merges += 1
                    skipped = "merge commit: judged through the commits it merges"
                elif skipped:
                    summary.skipped[skipped.split(":")[0] if ("shallow" in skipped or skipped.startswith("unreadable")) else "diff larger than max_diff_bytes"] += 1
                if skipped:
                    window.append((raw, None, skipped, False))
                else:
                    cheap = judge_cheap(CommitView(raw), ruleset, settings.mine_threshold)
                    needs = (all_functions or wants_code(cheap, ruleset, settings.mine_threshold)
                             or (second is not None and second.wants(cheap)))
                    window.append((raw, cheap, None, needs))
                    window_code += needs
                if window_code >= WINDOW_CODE or len(window) >= WINDOW:
                    drain()
                    while len(inflight) > MAX_INFLIGHT or (len(inflight) > 1 and inflight_bytes > MAX_INFLIGHT_BYTES):
                        land_oldest()
            land_all()
            flush()
        except RepoError:
            land_all()
            flush()
            raise
        finally:
            code.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _collect_pairs(raw: RawCommit, changes: list[FunctionChange], verdict: Verdict, repo_id: int, into: dict[str, dict[str, Any]]) -> None:
    kinds = verdict.kinds()
    subject = _clean(raw.message.split("\n", 1)[0])
    for fn in changes:
        if fn.before is None or fn.after is None:
            continue  # an added or deleted function is not a before/after pair
        if fn.language == "python" and only_imports_changed(fn.before, fn.after):
            continue  # a deferred import: nothing in the function got cheaper, so nothing to match elsewhere
        kind = kinds.get(fn.key)
        if kind is None and fn.language == "python":
            found = transforms(fn.before, fn.after)
            kind = found[0] if found else None
        kind = kind or "other"
        h = pair_hash(fn)
        if h in into:
            into[h]["occurrences"] += 1
            continue
        into[h] = {
            "key": f"mined:{h[:16]}", "source": "mined", "kind": kind, "category": category_of(kind),
            "title": f"{fn.qualname}: {subject}"[:500], "description": "", "language": fn.language,
            "before_code": _clean(fn.before), "after_code": _clean(fn.after), "diff": _clean(fn.diff),
            "path": _clean(fn.path), "qualname": _clean(fn.qualname), "repo_id": repo_id, "commit_sha": raw.sha,
            "subject": subject, "message": _clean(raw.message), "author_date": _date(raw.author_date),
            "rules": verdict.as_json(), "score": round(verdict.score, 4), "norm_hash": h, "occurrences": 1,
        }


def mine_many(
    paths: Iterable[str | Path],
    *,
    pipeline: str = "default",
    flags: dict[str, Any] | None = None,
    **kwargs: Any,
) -> list[MineSummary]:
    """Mine several repositories into ONE store: the first repository's (or ``database_url``'s)."""
    from eco.config import load_settings
    from eco.repo import init_repo
    from eco.workspace import open_workspace

    paths = list(paths)
    if not paths:
        paths = ["."]
    first = open_workspace(paths[0], pipeline=pipeline, flags=flags)
    summaries: list[MineSummary] = []
    try:
        summaries.append(mine(first, **kwargs))
        for p in paths[1:]:
            target = init_repo(p)
            settings = load_settings(target.root, pipeline=pipeline, flags=flags)
            repo_row = first.store.repository(target.root)
            other = Workspace(target=target, settings=settings, store=first.store, repo_id=repo_row.id)
            summaries.append(mine(other, **kwargs))
    finally:
        first.close()
    return summaries
