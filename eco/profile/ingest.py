"""Ingest profile files into the store and keep the merged hot-function view up to date.

Each file becomes one ``Profile`` row keyed by the SHA-256 of its content, so ingesting the same
file twice changes nothing. The row keeps the file reduced to repository functions
(``details["functions"]``) so the merged view (``HotFunction`` rows) is recomputed from all stored
profiles of the repository after every ingest, without re-reading any file.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from eco.profile.detect import load_profile
from eco.profile.mapping import FrameMapper, RepoFunction, RepoIndex
from eco.profile.model import GraphProfile, ProfileError
from eco.profile.rollup import Reduced, merge, reduce_graph, reduce_stacks
from eco.store.models import HotFunction, Profile
from eco.workspace import Workspace


@dataclass
class FileSummary:
    source: str
    format: str
    digest: str
    profile_id: int
    already_ingested: bool
    unit: str = ""
    total: float = 0.0
    frames: int = 0
    mapped_frames: int = 0
    library_frames: int = 0
    frames_without_line: int = 0
    mapped_by_name: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)
    unmapped_examples: dict[str, list[str]] = field(default_factory=dict)
    unattributed: float = 0.0  # share of the profile with no repository frame on the stack
    skipped_lines: int = 0
    functions: int = 0


@dataclass
class IngestSummary:
    files: list[FileSummary]
    profiles: int  # stored profiles of the repository, all merged into the hot view
    hot_functions: int
    capped: float  # share of the merged total cut by the roll-up cap
    pruned: float  # share of the merged total below the pruning floor
    commit: str = ""
    exit_code: int | None = None  # set by run_and_ingest
    profile_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def reduce_file(path: Path, fmt: str, index: RepoIndex) -> tuple[str, Reduced, list[RepoFunction]]:
    """Parse one file and reduce it to repository functions (nothing is stored)."""
    profile = load_profile(path, fmt)
    functions: list[RepoFunction] = []
    mapper = FrameMapper(index, functions, {})
    if isinstance(profile, GraphProfile):
        reduced = reduce_graph(profile, mapper)
    else:
        reduced = reduce_stacks(profile, mapper)
    if reduced.total <= 0:
        raise ProfileError(f"{path}: profile has no recorded cost (zero samples or zero time)")
    st = reduced.stats
    if st.mapped == 0:
        seen = sorted(st.seen_files, key=lambda f: -st.seen_files[f])[:2]
        hint = f"; its source files look like {', '.join(seen)}" if seen else ""
        raise ProfileError(
            f"{path}: no frame maps to a function of {index.target.root} ({st.frames} distinct frames"
            f"{hint}): a profile of a different program, or of code not committed at HEAD?"
        )
    return profile.format, reduced, functions


def _details(reduced: Reduced, functions: list[RepoFunction], commit: str) -> dict[str, Any]:
    rows = []
    for fid, fn in enumerate(functions):
        s, r, i = reduced.self_cost.get(fid, 0.0), reduced.rolled.get(fid, 0.0), reduced.inclusive.get(fid, 0.0)
        if s or r or i:
            rows.append([fn.path, fn.qualname, fn.start_line, s, r, i, reduced.calls.get(fid)])
    return {
        "unit": reduced.unit, "total": reduced.total, "functions": rows, "unattributed": reduced.unattributed,
        "skipped_lines": reduced.skipped_lines, "commit": commit,
        "mapping": reduced.stats.as_dict(),
    }


def recompute_hot(ws: Workspace) -> tuple[int, int, float, float]:
    """Rebuild the repository's ``HotFunction`` rows from every stored profile."""
    s = ws.settings
    with ws.store.transaction() as session:
        stored = session.scalars(select(Profile).where(Profile.repo_id == ws.repo_id).order_by(Profile.id)).all()
        result = merge(((p.id, p.source, p.details or {}) for p in stored), cap=s.profile_rollup_cap, floor=s.profile_prune_floor)
        session.execute(delete(HotFunction).where(HotFunction.repo_id == ws.repo_id))
        for row in result.rows:
            session.add(HotFunction(
                repo_id=ws.repo_id, path=row.path, qualname=row.qualname, start_line=row.start_line,
                self_cost=row.self_cost, rolled_up=row.rolled_up, inclusive=row.inclusive, share=row.share,
                calls=row.calls, profiles=row.profiles,
            ))
        return len(stored), len(result.rows), result.capped, result.pruned


def _summary(path: Path, fmt: str, digest: str, pid: int, again: bool, details: dict[str, Any]) -> FileSummary:
    m = details.get("mapping", {})
    total = float(details.get("total") or 0.0)
    return FileSummary(
        source=str(path), format=fmt, digest=digest, profile_id=pid, already_ingested=again,
        unit=details.get("unit", ""), total=total, frames=m.get("frames", 0), mapped_frames=m.get("mapped", 0),
        library_frames=m.get("library", 0), frames_without_line=m.get("without_line", 0),
        mapped_by_name=m.get("mapped_by_name", 0), unmapped=m.get("unmapped", {}),
        unmapped_examples=m.get("unmapped_examples", {}),
        unattributed=(float(details.get("unattributed", 0.0)) / total) if total else 0.0,
        skipped_lines=details.get("skipped_lines", 0), functions=len(details.get("functions", [])),
    )


def ingest_files(ws: Workspace, files: list[Path], fmt: str = "auto") -> IngestSummary:
    """Read, map and roll up every file, store them, and refresh the merged hot view.

    All files are read before anything is stored: one bad file stops the command with its reason and
    leaves the store as it was.
    """
    if not files:
        raise ProfileError("no profile files given")
    index = RepoIndex(ws.target)
    try:
        pending: list[tuple[Path, str, str, dict[str, Any] | None, int | None]] = []
        with ws.store.session() as session:
            for path in files:
                path = Path(path)
                if not path.is_file():
                    raise ProfileError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
                digest = file_digest(path)
                if any(p[2] == digest for p in pending):
                    continue  # the same content passed twice in one call
                existing = session.scalar(select(Profile).where(Profile.repo_id == ws.repo_id, Profile.digest == digest))
                if existing is not None:
                    pending.append((path, existing.format, digest, dict(existing.details or {}), existing.id))
                    continue
                kind, reduced, functions = reduce_file(path, fmt, index)
                pending.append((path, kind, digest, _details(reduced, functions, index.commit), None))
        summaries: list[FileSummary] = []
        with ws.store.transaction() as session:
            for path, kind, digest, details, pid in pending:
                again = pid is not None
                if pid is None:
                    assert details is not None
                    row = Profile(
                        repo_id=ws.repo_id, source=str(path.resolve()), format=kind, digest=digest,
                        total=details["total"], frames=details["mapping"]["frames"],
                        unmapped_frames=sum(details["mapping"]["unmapped"].values()), details=details,
                    )
                    session.add(row)
                    session.flush()
                    pid = row.id
                summaries.append(_summary(path, kind, digest, pid, again, details or {}))
    finally:
        index.close()
    n, hot, capped, pruned = recompute_hot(ws)
    return IngestSummary(files=summaries, profiles=n, hot_functions=hot, capped=capped, pruned=pruned, commit=index.commit)


def hot_functions(ws: Workspace, top: int | None = None) -> list[HotFunction]:
    """The merged view, hottest first: self + rolled-up share; at equal share (functions at the cap)
    the one with the smaller inclusive cost, i.e. the more specific function, comes first."""
    with ws.store.session() as session:
        q = (
            select(HotFunction).where(HotFunction.repo_id == ws.repo_id)
            .order_by(HotFunction.share.desc(), HotFunction.inclusive, HotFunction.path, HotFunction.qualname)
        )
        if top is not None:
            q = q.limit(top)
        return list(session.scalars(q).all())


def hot_as_dict(row: HotFunction) -> dict[str, Any]:
    return {
        "path": row.path, "qualname": row.qualname, "start_line": row.start_line, "self": row.self_cost,
        "rolled_up": row.rolled_up, "inclusive": row.inclusive, "share": row.share, "calls": row.calls,
        "profiles": [p.get("source") for p in (row.profiles or [])],
    }


def hotness_by_function(ws: Workspace) -> dict[tuple[str, str], float]:
    """``(path, qualname) -> share`` of the merged profile total, for ranking findings."""
    return {(r.path, r.qualname): r.share for r in hot_functions(ws)}
