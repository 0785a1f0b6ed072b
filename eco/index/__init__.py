"""Candidates and their vectors: every function at HEAD, embedded into a FAISS index that updates
incrementally (only functions whose content hash changed are embedded again)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from sqlalchemy import select

from eco.index.candidates import GONE, ScanSummary, sync_candidates
from eco.index.embedders import Embedder, get_embedder, index_slug
from eco.index.normalize import forget_scan, normalize_code
from eco.index.vectors import VectorIndex, peek_dim, up_to_date
from eco.store.models import Candidate

Progress = Callable[[str, int, int], None]

BATCH = 256


@dataclass
class IndexSummary:
    embedder: str
    model_id: str
    dim: int
    folder: str
    scan: ScanSummary
    embedded: int = 0  # functions embedded in this run (0 when nothing changed)
    removed: int = 0  # vectors removed (functions gone or changed)
    total: int = 0  # vectors in the index afterwards
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def open_vector_index(ws, embedder: Embedder | None = None) -> tuple[Embedder, VectorIndex]:  # type: ignore[no-untyped-def]
    """The embedder of the workspace's settings and its index folder, loaded (or fresh)."""
    emb = embedder or get_embedder(ws.settings.embedder)
    folder = ws.target.index_dir / index_slug(emb)
    # Reading the dimension from the manifest spares loading a model when nothing needs embedding.
    dim = peek_dim(folder, emb.name, emb.model_id) or emb.dim
    return emb, VectorIndex.open(folder, emb.name, emb.model_id, dim)


def build_index(ws, progress: Progress | None = None) -> IndexSummary:  # type: ignore[no-untyped-def]
    """Sync candidates with HEAD, then embed exactly the functions whose content changed."""
    try:
        return _build_index(ws, progress)
    finally:
        forget_scan()  # the normalised text the scan left for this step


def _build_index(ws, progress: Progress | None = None) -> IndexSummary:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    scan = sync_candidates(ws, progress)
    with ws.store.transaction() as s:
        rows = s.execute(
            select(Candidate.id, Candidate.content_hash).where(Candidate.repo_id == ws.repo_id,
                                                               Candidate.content_hash != GONE)
        ).all()
    current = {r.id: r.content_hash for r in rows}
    emb = get_embedder(ws.settings.embedder)
    folder = ws.target.index_dir / index_slug(emb)
    dim = up_to_date(folder, emb.name, emb.model_id, current)
    if dim is not None:  # nothing to embed or remove: do not even read the vectors
        return IndexSummary(embedder=emb.name, model_id=emb.model_id, dim=dim, folder=str(folder), scan=scan,
                            total=len(current), seconds=time.perf_counter() - t0)
    emb, vi = open_vector_index(ws, emb)
    summary = IndexSummary(embedder=emb.name, model_id=emb.model_id, dim=vi.dim, folder=str(vi.folder),
                           scan=scan, warnings=list(vi.warnings))
    mask = bool(ws.settings.index_mask_literals)
    stale = [i for i, h in vi.hashes.items() if current.get(i) != h]
    summary.removed = vi.remove(stale)
    todo = [i for i, h in current.items() if vi.hashes.get(i) != h]
    if progress:
        progress("embed", 0, len(todo))
    last_save = time.perf_counter()
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        with ws.store.transaction() as s:
            got = s.execute(
                select(Candidate.id, Candidate.code, Candidate.language, Candidate.content_hash)
                .where(Candidate.id.in_(chunk))
            ).all()
        texts = [normalize_code(r.code, r.language, mask) or r.code for r in got]
        vecs = emb.encode(texts)
        vi.add([r.id for r in got], [r.content_hash for r in got], vecs)
        summary.embedded += len(got)
        if progress:
            progress("embed", min(start + BATCH, len(todo)), len(todo))
        if time.perf_counter() - last_save > 30:  # long runs keep their progress if interrupted
            vi.save()
            last_save = time.perf_counter()
    if summary.embedded or summary.removed or not (vi.folder / "manifest.json").exists():
        vi.save()
    summary.total = int(vi.index.ntotal)
    summary.warnings = list(vi.warnings)
    summary.seconds = time.perf_counter() - t0
    return summary


def find_findings(ws, top: int | None = None, progress: Progress | None = None):  # type: ignore[no-untyped-def]
    """See :func:`eco.match.find_findings` (re-exported here for convenience)."""
    from eco.match import find_findings as _find

    return _find(ws, top=top, progress=progress)


__all__ = ["IndexSummary", "build_index", "find_findings", "open_vector_index", "get_embedder"]
