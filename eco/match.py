"""Findings: which functions still have the shape of a known slow pattern, ranked for a person.

For every candidate (hot ones first when a profile was ingested) the anti-patterns are compared
both ways ECO compares them: the candidate against the anti-pattern's "before" code, and the
anti-pattern's diff used as the query (ECO's best retrieval). Embedding similarity only shortlists:
where the anti-pattern's kind has a structural detector, the detector decides (a hit is reported
even at low similarity; no hit means no finding), and a re-rank on identifier tokens and syntax-node
shape breaks ties. Hotness share and the anti-pattern's reviewer-driven ``weight`` scale the score.
"""

from __future__ import annotations

import difflib
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from eco.index import build_index, open_vector_index
from eco.index.candidates import GONE
from eco.index.normalize import Analysis, analyze, bag_similarity, jaccard
from eco.store.models import AntiPattern, Candidate, Draft, Finding, HotFunction

log = logging.getLogger("eco.match")

Progress = Callable[[str, int, int], None]

OTHER = "other"


@dataclass
class _AP:
    row_id: int
    key: str
    kind: str
    category: str
    source: str
    language: str
    weight: float
    analysis: Analysis | None


# -- collaborators that land on other branches: used when present ---------------------------------

class Detectors:
    """The structural detectors of ``eco.detect``, run once per candidate for all kinds at once."""

    def __init__(self) -> None:
        try:
            import eco.detect as det
        except ImportError:  # the detect stage is not installed: embeddings alone
            det = None
        self._det = det
        self._batch: set[str] = set()
        if det is not None and hasattr(det, "detect_all") and hasattr(det, "detector_specs"):
            self._batch = set(det.detector_specs())
        self._has: dict[str, bool] = {}

    def has(self, kind: str) -> bool:
        if kind not in self._has:
            self._has[kind] = bool(self._det is not None and kind != OTHER and self._det.has_detector(kind))
        return self._has[kind]

    def run(self, kinds: list[str], code: str, language: str) -> dict[str, list[Any]]:
        """kind -> evidence, for the given kinds that have a detector."""
        out: dict[str, list[Any]] = {}
        wanted = [k for k in kinds if self.has(k)]
        if not wanted or self._det is None:
            return out
        batch = [k for k in wanted if k in self._batch]
        if len(batch) > 1:
            for ev in self._det.detect_all(code, language):
                if ev.kind in wanted:
                    out.setdefault(ev.kind, []).append(ev)
            single = [k for k in wanted if k not in self._batch]
        else:
            single = wanted
        for kind in single:
            found = list(self._det.detect(kind, code, language))
            if found:
                out[kind] = found
        return out


def hotness(ws) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    """(path, qualname) -> share of total cost, from the profile stage (empty when no profile)."""
    try:
        from eco.profile import hotness_by_function  # type: ignore[attr-defined]

        return dict(hotness_by_function(ws))
    except (ImportError, AttributeError):
        pass
    with ws.store.transaction() as s:
        rows = s.execute(select(HotFunction.path, HotFunction.qualname, HotFunction.share)
                         .where(HotFunction.repo_id == ws.repo_id)).all()
    return {(r.path, r.qualname): float(r.share or 0.0) for r in rows}


def sync_catalog(ws) -> int | None:  # type: ignore[no-untyped-def]
    """Upsert the curated catalog, when the catalog stage is installed; None when it is not."""
    try:
        from eco.mine.catalog import sync_catalog as _sync
    except ImportError:
        return None
    return int(_sync(ws.store))


# -- scoring ---------------------------------------------------------------------------------------

def _diff_text(ap: AntiPattern) -> str:
    if ap.diff:
        return ap.diff
    if ap.before_code and ap.after_code:
        return "".join(difflib.unified_diff(ap.before_code.splitlines(True), ap.after_code.splitlines(True),
                                            "before", "after", n=2))
    return ""


def score_finding(similarity: float, structural: bool, rerank: float, hot_factor: float, weight: float) -> float:
    """Structure dominates (a detector hit scores >= 0.55 before hotness), then similarity, then shape."""
    sim = min(max(similarity, 0.0), 1.0)
    if structural:
        base = 0.55 + 0.25 * sim + 0.20 * rerank
    else:
        base = 0.35 * sim + 0.15 * rerank  # at most 0.5: below any structurally confirmed finding
    return round(base * hot_factor * max(weight, 0.0), 6)


def _hot_factor(share: float, max_share: float, have_profile: bool) -> float:
    if not have_profile:
        return 1.0
    if max_share <= 0:
        return 0.5
    return 0.5 + 0.5 * float(np.sqrt(min(share / max_share, 1.0)))


@dataclass
class MatchStats:
    candidates: int = 0
    antipatterns: int = 0
    detector_runs: int = 0
    detector_errors: int = 0
    findings: int = 0
    seconds: float = 0.0


def find_findings(ws, top: int | None = None, progress: Progress | None = None, *,  # type: ignore[no-untyped-def]
                  update: bool = True, stats: MatchStats | None = None) -> list[Finding]:
    """Match every candidate against every anti-pattern and persist the findings.

    With ``update`` (the default) the catalog is synced and the index brought up to date first.
    Findings are upserted by (candidate, anti-pattern); findings this run no longer produces (code
    changed, anti-pattern gone) are removed unless a draft already refers to them. Returns the top
    ``top`` (default: the ``top`` setting; 0 = all) Finding rows, best first, with ``candidate`` and
    ``antipattern`` loaded.
    """
    t0 = time.perf_counter()
    stats = stats if stats is not None else MatchStats()
    if update:
        sync_catalog(ws)
        build_index(ws, progress)
    emb, vi = open_vector_index(ws)
    mask = bool(ws.settings.index_mask_literals)
    settings = ws.settings
    top = settings.top if top is None else top

    with ws.store.transaction() as s:
        ap_rows = s.scalars(select(AntiPattern).where(AntiPattern.weight > 0)).all()
        cands = s.execute(
            select(Candidate.id, Candidate.path, Candidate.qualname, Candidate.language, Candidate.start_line,
                   Candidate.code, Candidate.content_hash)
            .where(Candidate.repo_id == ws.repo_id, Candidate.content_hash != GONE)
        ).all()
    stats.candidates, stats.antipatterns = len(cands), len(ap_rows)

    detectors = Detectors()
    aps: list[_AP] = []
    before_texts, diff_texts = [], []
    for row in ap_rows:
        before = analyze(row.before_code, row.language or "python", mask) if row.before_code else None
        aps.append(_AP(row.id, row.key, row.kind or OTHER, row.category or "other", row.source,
                       row.language or "python", float(row.weight), before))
        before_texts.append(before.normalized if before else "")
        diff_texts.append(_diff_text(row))
    if aps:
        encode = emb.encode
        B = vi.text_vectors(before_texts, encode)
        D = vi.text_vectors(diff_texts, encode)
        B[[i for i, t in enumerate(before_texts) if not t]] = 0.0
        D[[i for i, t in enumerate(diff_texts) if not t]] = 0.0
        vi.save_text_vectors()
    kinds_by_lang: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, ap in enumerate(aps):
        kinds_by_lang[ap.language][ap.kind].append(i)
    has_det = {ap.kind: detectors.has(ap.kind) for ap in aps}

    hot = hotness(ws)
    have_profile = bool(hot)
    max_share = max(hot.values(), default=0.0)
    cands = sorted(cands, key=lambda c: (-hot.get((c.path, c.qualname), 0.0), c.path, c.qualname))

    ids, vecs = vi.all_vectors()
    row_of = {int(i): n for n, i in enumerate(ids)}
    threshold = float(getattr(emb, "match_threshold", 0.8))
    produced: list[dict[str, Any]] = []
    for done, c in enumerate(cands, 1):
        if progress and (done % 200 == 0 or done == len(cands)):
            progress("match", done, len(cands))
        groups = kinds_by_lang.get(c.language)
        if not groups:
            continue
        n = row_of.get(c.id)
        if n is not None and aps:
            sb = B @ vecs[n]
            sd = D @ vecs[n]
        else:
            sb = sd = np.zeros(len(aps), dtype=np.float32)
        share = hot.get((c.path, c.qualname), 0.0)
        hf = _hot_factor(share, max_share, have_profile)
        cand_an: Analysis | None = None
        stats.detector_runs += 1
        try:
            found = detectors.run(list(groups), c.code, c.language)
        except Exception as exc:  # a detector bug must not sink the whole run
            stats.detector_errors += 1
            log.warning("detectors failed on %s:%s: %s", c.path, c.qualname, exc)
            found = {}
        for kind, members in groups.items():
            sims = np.maximum(sb[members], sd[members])
            hits: list[Any] = found.get(kind, [])
            if has_det[kind]:
                if not hits:
                    continue  # the kind has a detector and it says no: structure outranks resemblance
            elif float(sims.max()) < threshold:
                continue
            if cand_an is None:
                cand_an = analyze(c.code, c.language, mask)
            # Best row of this kind: a mined precedent that resembles the code, else the best by similarity.
            order = sorted(range(len(members)), key=lambda j: -float(sims[j]))
            best_j = order[0]
            mined = [j for j in order if aps[members[j]].source == "mined" and float(sims[j]) >= threshold * 0.75]
            if mined:
                best_j = mined[0]
            ap = aps[members[best_j]]
            tok = jaccard(cand_an.tokens, ap.analysis.tokens) if ap.analysis else 0.0
            shape = bag_similarity(cand_an.bag(), ap.analysis.bag()) if ap.analysis else 0.0
            rerank = 0.5 * tok + 0.5 * shape
            sim = float(sims[best_j])
            if not hits and rerank < 0.25:
                continue  # an embedding neighbour with nothing in common on the surface
            score = score_finding(sim, bool(hits), rerank, hf, ap.weight)
            if score < settings.min_score:
                continue
            k = members[best_j]
            evidence = {
                "kind": kind,
                "category": ap.category,
                "similarity_before": round(float(sb[k]), 4),
                "similarity_diff": round(float(sd[k]), 4),
                "detector": [
                    {"line": c.start_line + int(getattr(h, "line", 1)) - 1,
                     "end_line": c.start_line + int(getattr(h, "end_line", getattr(h, "line", 1)) or 1) - 1,
                     "message": str(getattr(h, "message", ""))}
                    for h in hits
                ],
                "has_detector": has_det[kind],
                "token_similarity": round(tok, 4),
                "control_flow_similarity": round(shape, 4),
                "hotness_share": round(share, 6),
                "precedent": ap.key,
                "precedent_source": ap.source,
                "weight": ap.weight,
                "embedder": emb.name,
            }
            produced.append({"candidate_id": c.id, "antipattern_id": ap.row_id, "similarity": sim,
                             "structural": bool(hits), "hotness": share, "score": score, "evidence": evidence,
                             "content_hash": c.content_hash})
    stats.findings = len(produced)

    keep_ids = _persist(ws, produced)
    with ws.store.transaction() as s:
        q = (select(Finding).options(joinedload(Finding.candidate), joinedload(Finding.antipattern))
             .where(Finding.id.in_(keep_ids)).order_by(Finding.score.desc(), Finding.id))
        out = list(s.scalars(q).unique().all())
    stats.seconds = time.perf_counter() - t0
    return out[:top] if top else out


def _persist(ws, produced: list[dict[str, Any]]) -> list[int]:  # type: ignore[no-untyped-def]
    with ws.store.transaction() as s:
        existing = {(f.candidate_id, f.antipattern_id): f
                    for f in s.scalars(select(Finding).where(Finding.repo_id == ws.repo_id)).all()}
        keep: set[int] = set()
        for p in produced:
            f = existing.pop((p["candidate_id"], p["antipattern_id"]), None)
            if f is None:
                f = Finding(repo_id=ws.repo_id, **p)
                s.add(f)
            else:
                for k, v in p.items():
                    setattr(f, k, v)
            s.flush()
            keep.add(f.id)
        stale = [f.id for f in existing.values()]
        if stale:
            pinned = set(s.scalars(select(Draft.finding_id).where(Draft.finding_id.in_(stale))).all())
            free = [i for i in stale if i not in pinned]
            for start in range(0, len(free), 500):
                s.execute(delete(Finding).where(Finding.id.in_(free[start : start + 500])))
    return sorted(keep)


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """The JSON shape of ``eco find --json``."""
    c, ap = f.candidate, f.antipattern
    ev = dict(f.evidence or {})
    return {
        "path": c.path,
        "qualname": c.qualname,
        "start_line": c.start_line,
        "end_line": c.end_line,
        "antipattern": ev.get("kind") or ap.kind,
        "category": ev.get("category") or ap.category,
        "score": round(f.score, 4),
        "evidence": ev,
    }
