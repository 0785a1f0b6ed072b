"""Combining request streams from several servers or log files."""

from __future__ import annotations

import heapq
from operator import attrgetter
from typing import Iterable, Iterator, Sequence

from .records import Request

_BY_TIME = attrgetter("ts")


def merge_sorted(*streams: Iterable[Request]) -> Iterator[Request]:
    """Merge streams that are each in time order into one stream in time order.

    Requests with the same time come out in the order of the streams given.
    """
    return heapq.merge(*streams, key=_BY_TIME)


def fast_forward_merge(base: Sequence[Request], incoming: Sequence[Request]) -> list[Request]:
    """Append ``incoming`` to ``base`` the way git fast-forwards a branch.

    When everything in ``incoming`` is at or after the end of ``base`` the result is a plain
    concatenation; otherwise the overlapping part is merged in time order. Requests that
    appear in both (same time, address, method and path) are kept once.
    """
    if not base:
        return list(incoming)
    if not incoming or incoming[0].ts >= base[-1].ts:
        return list(base) + [rec for rec in incoming if not _same(rec, base[-1])]
    merged: list[Request] = []
    for rec in merge_sorted(base, incoming):
        if merged and _same(rec, merged[-1]):
            continue
        merged.append(rec)
    return merged


def _same(a: Request, b: Request) -> bool:
    return (a.ts, a.ip, a.method, a.path) == (b.ts, b.ip, b.method, b.path)
