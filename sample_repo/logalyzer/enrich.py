"""Joining requests with account and location data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from .geo import country_for_ip
from .records import Request


@dataclass(frozen=True)
class User:
    name: str
    plan: str
    country: str


def attach_users(records: Iterable[Request], users: Sequence[User]) -> list[tuple[Request, User | None]]:
    """Pair each request with its user's account; ``None`` for anonymous or unknown users."""
    joined = []
    for rec in records:
        match = None
        if rec.user != "-":
            for user in users:
                if user.name == rec.user:
                    match = user
                    break
        joined.append((rec, match))
    return joined


def attach_countries(records: Iterable[Request]) -> list[tuple[Request, str]]:
    """Pair each request with the country of its client address."""
    return [(rec, country_for_ip(rec.ip)) for rec in records]


def country_breakdown(records: Iterable[Request]) -> dict[str, int]:
    """Requests per country, most first, ties alphabetical."""
    counts = Counter(country_for_ip(rec.ip) for rec in records)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def plan_breakdown(joined: Iterable[tuple[Request, User | None]]) -> dict[str, int]:
    """Requests per account plan; anonymous and unknown users count as ``"anonymous"``."""
    counts = Counter(user.plan if user is not None else "anonymous" for _, user in joined)
    return dict(sorted(counts.items()))


def traveling_users(joined: Iterable[tuple[Request, User | None]]) -> dict[str, set[str]]:
    """Users seen from a country other than the one on their account."""
    seen: dict[str, set[str]] = {}
    for rec, user in joined:
        if user is None:
            continue
        country = country_for_ip(rec.ip)
        if country not in ("??", user.country):
            seen.setdefault(user.name, set()).add(country)
    return seen
