"""Aggregate statistics over parsed requests."""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Iterable, Mapping, Sequence

from .records import Request


def count_by_method(records: Iterable[Request]) -> dict[str, int]:
    """Requests per HTTP method, methods in alphabetical order."""
    counts = Counter(rec.method for rec in records)
    return {method: counts[method] for method in sorted(counts)}


def status_classes(records: Iterable[Request]) -> dict[str, int]:
    """Requests per status class (``2xx``, ``3xx``...), classes in order."""
    counts = Counter(f"{rec.status // 100}xx" for rec in records)
    return dict(sorted(counts.items()))


def hits_per_path(records: Iterable[Request]) -> dict[str, int]:
    """Requests per path, paths in order of first appearance."""
    paths = [rec.path for rec in records]
    hits: dict[str, int] = {}
    for path in paths:
        if path not in hits:
            hits[path] = paths.count(path)
    return hits


def bytes_by_ip(records: Iterable[Request]) -> dict[str, int]:
    """Bytes sent to each client address."""
    totals: dict[str, int] = {}
    for rec in records:
        if rec.ip in totals:
            totals[rec.ip] += rec.size
        else:
            totals[rec.ip] = rec.size
    return totals


def top_talkers(totals: Mapping[str, int], k: int = 10) -> list[tuple[str, int]]:
    """The ``k`` addresses that received the most bytes; ties keep insertion order."""
    return heapq.nlargest(k, totals.items(), key=lambda item: item[1])


def top_error_paths(records: Iterable[Request], k: int = 10) -> list[tuple[str, int]]:
    """The ``k`` paths with the most 4xx/5xx responses."""
    return Counter(rec.path for rec in records if rec.status >= 400).most_common(k)


def _interpolate(ordered: Sequence[float], q: float) -> float:
    if not 0 <= q <= 100:
        raise ValueError(f"percentile out of range: {q}")
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def percentiles(values: Iterable[float], qs: Sequence[float] = (50, 90, 95, 99)) -> dict:
    """Linear-interpolated percentiles of ``values``; empty input gives an empty dict."""
    ordered = sorted(values)
    if not ordered:
        return {}
    return {q: _interpolate(ordered, q) for q in qs}


def latency_summary(records: Sequence[Request]) -> dict[str, float]:
    """Count, mean, median, p95, p99 and maximum of the request durations (ms)."""
    durations = [rec.duration for rec in records]
    if not durations:
        return {"count": 0}
    pct = percentiles(durations, (50, 95, 99))
    return {
        "count": len(durations),
        "mean": round(sum(durations) / len(durations), 3),
        "p50": round(pct[50], 3),
        "p95": round(pct[95], 3),
        "p99": round(pct[99], 3),
        "max": round(max(durations), 3),
    }


def fastest_by_path(records: Iterable[Request]) -> dict[str, Request]:
    """For each path, its fastest request (the earliest one on ties)."""
    by_path: dict[str, list[Request]] = {}
    for rec in records:
        by_path.setdefault(rec.path, []).append(rec)
    return {path: sorted(group, key=lambda r: (r.duration, r.ts))[0]
            for path, group in by_path.items()}


def records_between(records: Iterable[Request], start: float, end: float) -> list[Request]:
    """Requests with ``start <= ts < end``, in input order."""
    selected: list[Request] = []
    for rec in records:
        if start <= rec.ts < end:
            selected = selected + [rec]
    return selected


def hourly_counts(records: Iterable[Request]) -> dict[int, int]:
    """Requests per hour, keyed by the POSIX time of the start of the hour."""
    counts = Counter(int(rec.ts // 3600) * 3600 for rec in records)
    return dict(sorted(counts.items()))


def error_rate(records: Sequence[Request]) -> float:
    """Share of requests answered with a 4xx or 5xx status (0.0 for no requests)."""
    if not records:
        return 0.0
    return sum(1 for rec in records if rec.status >= 400) / len(records)
