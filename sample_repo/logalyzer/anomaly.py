"""Spotting unusual traffic: bursts, error sessions, odd methods, outliers."""

from __future__ import annotations

import copy
import math
from typing import Iterable, Mapping, Sequence

from .records import Request, Session
from .ua import is_bot

ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

DEFAULT_THRESHOLDS = {
    "min_requests": 5,
    "error_rate": 0.25,
    "slow_ms": 1500.0,
    "weights": {"errors": 2.0, "slow": 1.0, "watched": 3.0, "volume": 0.5},
    "watched_prefixes": ["/admin", "/wp-login", "/.env", "/phpmyadmin", "/cgi-bin"],
    "volume": {"requests": 200, "bytes": 50_000_000},
}


def peak_request_rate(records: Iterable[Request], window: float = 60.0) -> tuple[int, float | None]:
    """The largest number of requests within ``window`` seconds, and when that window opened."""
    times = sorted(rec.ts for rec in records)
    recent: list[float] = []
    best, best_start = 0, None
    for ts in times:
        recent.append(ts)
        while ts - recent[0] >= window:
            recent.pop(0)
        if len(recent) > best:
            best, best_start = len(recent), recent[0]
    return best, best_start


def human_sessions(sessions: Iterable[Session]) -> list[Session]:
    """The sessions in which no request came from a crawler or a script."""
    return [s for s in sessions if not any([is_bot(rec.agent) for rec in s.requests])]


def suspicious_requests(records: Iterable[Request],
                        allowed_methods: Iterable[str] = ALLOWED_METHODS) -> list[Request]:
    """Requests with a method outside ``allowed_methods`` or a path that escapes the root."""
    allowed = frozenset(allowed_methods)
    flagged = []
    for rec in records:
        if rec.method not in allowed or "/../" in rec.path or "%2e%2e" in rec.path.lower():
            flagged.append(rec)
    return flagged


def score_session(session: Session, thresholds: Mapping | None = None) -> float:
    """A risk score for one session; 0.0 means nothing unusual."""
    cfg = copy.deepcopy(thresholds if thresholds is not None else DEFAULT_THRESHOLDS)
    requests = session.requests
    if len(requests) < cfg["min_requests"]:
        return 0.0
    weights = cfg["weights"]
    errors = sum(1 for rec in requests if rec.status >= 400) / len(requests)
    slow = sum(1 for rec in requests if rec.duration > cfg["slow_ms"]) / len(requests)
    prefixes = tuple(cfg["watched_prefixes"])
    watched = sum(1 for rec in requests if rec.path.startswith(prefixes))
    score = 0.0
    if errors > cfg["error_rate"]:
        score += weights["errors"] * errors
    score += weights["slow"] * slow
    score += weights["watched"] * watched
    if len(requests) > cfg["volume"]["requests"] or session.bytes > cfg["volume"]["bytes"]:
        score += weights["volume"]
    return round(score, 4)


def zscore_outliers(values: Mapping, threshold: float = 3.0) -> dict:
    """The entries of ``values`` more than ``threshold`` standard deviations from the mean."""
    if len(values) < 2:
        return {}
    mean = sum(values.values()) / len(values)
    var = sum((v - mean) ** 2 for v in values.values()) / (len(values) - 1)
    std = math.sqrt(var)
    if std == 0:
        return {}
    return {k: round((v - mean) / std, 3) for k, v in values.items()
            if abs(v - mean) / std > threshold}


def error_bursts(records: Sequence[Request], window: float = 60.0, min_errors: int = 20) -> list[float]:
    """Start times of ``window``-second buckets with at least ``min_errors`` 5xx responses."""
    buckets: dict[int, int] = {}
    for rec in records:
        if rec.status >= 500:
            bucket = int(rec.ts // window)
            buckets[bucket] = buckets.get(bucket, 0) + 1
    return [b * window for b, n in sorted(buckets.items()) if n >= min_errors]
