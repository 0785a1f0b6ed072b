"""Removing duplicate, retried and unwanted requests."""

from __future__ import annotations

from typing import Iterable

from .records import Request


def request_id(rec: Request) -> tuple:
    """The fields that identify a request when a log was shipped twice."""
    return (rec.ip, rec.ts, rec.method, rec.path, rec.status, rec.size)


def dedupe_records(records: Iterable[Request]) -> list[Request]:
    """Drop exact repeats of a request (same id), keeping the first copy."""
    seen = set()
    unique = []
    for rec in records:
        rid = request_id(rec)
        if rid in seen:
            continue
        seen.add(rid)
        unique.append(rec)
    return unique


def filter_blocked(records: Iterable[Request], blocklist: Iterable[str]) -> list[Request]:
    """Drop requests from blocked addresses; blank blocklist entries are ignored."""
    blocked = [ip.strip() for ip in blocklist if ip.strip()]
    kept = []
    for rec in records:
        if rec.ip in blocked:
            continue
        kept.append(rec)
    return kept


def collapse_retries(records: Iterable[Request], window: float = 2.0) -> list[Request]:
    """Keep only the first of repeated identical requests from one client within ``window`` s.

    A retry is the same address, method and path as that client's previous request.
    """
    last: dict[str, Request] = {}
    kept = []
    for rec in records:
        prev = last.get(rec.ip)
        last[rec.ip] = rec
        if (prev is not None and prev.method == rec.method and prev.path == rec.path
                and rec.ts - prev.ts <= window):
            continue
        kept.append(rec)
    return kept
