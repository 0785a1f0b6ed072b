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
import hashlib
import json
import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from eco.config import Settings
from eco.errors import ConfigError
from eco.index import build_index, open_vector_index
from eco.index.candidates import GONE, Excluder
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

@dataclass(frozen=True)
class Hit:
    kind: str
    line: int
    end_line: int
    message: str


def _detect_all_worker(items: list[tuple[str, str]]) -> list[list[tuple[str, int, int, str]]]:
    """Process-pool worker: all detectors over a batch of (code, language)."""
    from eco.detect import detect_all

    out = []
    for code, lang in items:
        try:
            out.append([(e.kind, int(e.line), int(e.end_line or e.line), str(e.message)) for e in detect_all(code, lang)])
        except Exception:
            out.append([])
    return out


class Detectors:
    """The structural detectors of ``eco.detect``, run once per function for all kinds at once.

    Results are cached in ``.eco/index/detections.json`` by content hash and a fingerprint of the
    detectors (their source and the catalog's detector tables), so ``eco find`` run again on an
    unchanged repository does not run a single detector; a first run over many functions fans out
    over a process pool.
    """

    POOL_MIN = 400

    def __init__(self, cache_file: Path | None = None) -> None:
        try:
            import eco.detect as det
        except ImportError:  # the detect stage is not installed: embeddings alone
            det = None
        self._det = det
        self._batch: set[str] = set(det.detector_specs()) if det is not None and hasattr(det, "detect_all") else set()
        self._has: dict[str, bool] = {}
        self._cache_file = cache_file
        self._cache: dict[str, list[list[Any]]] = {}
        self._dirty = False
        self.fingerprint = self._fingerprint()
        if cache_file is not None and self._batch:
            try:
                data = json.loads(cache_file.read_text())
                if data.get("fingerprint") == self.fingerprint and isinstance(data.get("results"), dict):
                    self._cache = data["results"]
            except (OSError, ValueError, AttributeError):
                pass

    def _fingerprint(self) -> str:
        if self._det is None:
            return ""
        h = hashlib.sha1()
        for p in sorted(Path(self._det.__file__).parent.glob("*.py")):
            h.update(p.read_bytes())
        h.update(json.dumps(self._det.detector_specs(), sort_keys=True, default=str).encode())
        return h.hexdigest()[:16]

    def has(self, kind: str) -> bool:
        if kind not in self._has:
            self._has[kind] = bool(self._det is not None and kind != OTHER and self._det.has_detector(kind))
        return self._has[kind]

    def prepare(self, items: list[tuple[str, str, str]]) -> int:
        """Run the batch detectors over (content_hash, code, language) not yet cached; returns how many ran."""
        if self._det is None or not self._batch:
            return 0
        todo = [(key, code, lang) for h, code, lang in items if (key := f"{lang}:{h}") not in self._cache]
        todo = list({k: (k, c, l) for k, c, l in todo}.values())
        if not todo:
            return 0
        payload = [(c, l) for _k, c, l in todo]
        workers = min(os.cpu_count() or 1, 4)
        if len(todo) >= self.POOL_MIN and workers > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            size = max(50, len(payload) // (workers * 8))
            chunks = [payload[i : i + size] for i in range(0, len(payload), size)]
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
                results = [r for chunk in pool.map(_detect_all_worker, chunks) for r in chunk]
        else:
            results = _detect_all_worker(payload)
        for (key, _c, _l), res in zip(todo, results):
            self._cache[key] = [list(r) for r in res]
        self._dirty = True
        return len(todo)

    def run(self, kinds: list[str], code: str, language: str, content_hash: str) -> dict[str, list[Hit]]:
        """kind -> evidence, for the given kinds that have a detector."""
        out: dict[str, list[Hit]] = {}
        wanted = [k for k in kinds if self.has(k)]
        if not wanted or self._det is None:
            return out
        batch = [k for k in wanted if k in self._batch]
        if batch:
            key = f"{language}:{content_hash}"
            if key not in self._cache:
                self.prepare([(content_hash, code, language)])
            for kind, line, end_line, message in self._cache.get(key, []):
                if kind in batch:
                    out.setdefault(kind, []).append(Hit(kind, line, end_line, message))
        for kind in (k for k in wanted if k not in self._batch):
            found = [Hit(kind, int(e.line), int(e.end_line or e.line), str(e.message))
                     for e in self._det.detect(kind, code, language)]
            if found:
                out[kind] = found
        return out

    def save(self, live_keys: set[str] | None = None) -> None:
        if not self._dirty or self._cache_file is None:
            return
        results = self._cache if live_keys is None else {k: v for k, v in self._cache.items() if k in live_keys}
        self._cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": self.fingerprint, "results": results}))
        tmp.replace(self._cache_file)
        self._dirty = False


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


def _worth_reporting(row: AntiPattern, settings: Settings) -> bool:
    """Micro-optimisations cost a reviewer as much as real fixes; report them only when asked."""
    from eco.mine.catalog import IMPACTS

    floor = settings.min_impact
    if floor not in IMPACTS:
        raise ConfigError(f"setting min_impact must be one of {', '.join(IMPACTS)}, got {floor!r}")
    return IMPACTS.index(row.impact or "constant") >= IMPACTS.index(floor)


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
    if vi.warnings and update:  # the saved vectors were unusable after all: rebuild them now
        build_index(ws, progress)
        emb, vi = open_vector_index(ws, emb)
    mask = bool(ws.settings.index_mask_literals)
    settings = ws.settings
    top = settings.top if top is None else top

    with ws.store.transaction() as s:
        ap_rows = [r for r in s.scalars(select(AntiPattern).where(AntiPattern.weight > 0)) if _worth_reporting(r, settings)]
        cands = s.execute(
            select(Candidate.id, Candidate.path, Candidate.qualname, Candidate.language, Candidate.start_line,
                   Candidate.code, Candidate.content_hash)
            .where(Candidate.repo_id == ws.repo_id, Candidate.content_hash != GONE)
        ).all()
    excluded = Excluder(settings.find_exclude)
    cands = [c for c in cands if not excluded(c.path)]
    stats.candidates, stats.antipatterns = len(cands), len(ap_rows)

    detectors = Detectors(ws.target.index_dir / "detections.json")
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
    if any(has_det.values()):
        stats.detector_runs = detectors.prepare(
            [(c.content_hash, c.code, c.language) for c in cands if c.language in kinds_by_lang])
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
        try:
            found = detectors.run(list(groups), c.code, c.language, c.content_hash)
        except Exception as exc:  # a detector bug must not sink the whole run
            stats.detector_errors += 1
            log.warning("detectors failed on %s:%s: %s", c.path, c.qualname, exc)
            found = {}
        for kind, members in groups.items():
            hits: list[Any] = found.get(kind, [])
            if has_det[kind] and not hits:
                continue  # the kind has a detector and it says no: structure outranks resemblance
            sims = np.maximum(sb[members], sd[members])
            if not hits and float(sims.max()) < threshold:
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
                    {"line": c.start_line + h.line - 1, "end_line": c.start_line + h.end_line - 1,
                     "message": h.message}
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
    detectors.save({f"{c.language}:{c.content_hash}" for c in cands})

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
