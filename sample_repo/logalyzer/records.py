"""Record types shared by every part of logalyzer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

_MONTHS = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
    "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}


class Request(NamedTuple):
    """One line of an access log (combined format plus request time)."""

    ip: str
    user: str
    ts: float
    method: str
    path: str
    status: int
    size: int
    referrer: str
    agent: str
    duration: float  # milliseconds

    @property
    def authenticated(self) -> bool:
        return self.user != "-"

    @property
    def is_error(self) -> bool:
        return self.status >= 400


class AppEvent(NamedTuple):
    """One line of an application log."""

    ts: float
    level: str
    logger: str
    message: str


@dataclass(slots=True)
class Session:
    """Consecutive requests of one visitor with no gap longer than the session timeout."""

    key: str
    requests: list[Request] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.requests[0].ts

    @property
    def end(self) -> float:
        return self.requests[-1].ts

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def bytes(self) -> int:
        return sum(r.size for r in self.requests)

    def __len__(self) -> int:
        return len(self.requests)


def parse_clf_time(text: str) -> float:
    """Parse ``10/Oct/2023:13:55:36 +0000`` into POSIX seconds."""
    try:
        date, _, offset = text.partition(" ")
        day, month, rest = date.split("/", 2)
        year, hh, mm, ss = rest.split(":")
        stamp = datetime(int(year), _MONTHS[month], int(day), int(hh), int(mm), int(ss),
                         tzinfo=timezone.utc)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"bad timestamp: {text!r}") from exc
    if offset and offset != "+0000":
        sign = -1 if offset[0] == "-" else 1
        minutes = int(offset[1:3]) * 60 + int(offset[3:5])
        stamp -= sign * timedelta(minutes=minutes)
    return stamp.timestamp()


def parse_iso_time(text: str) -> float:
    """Parse ``2023-10-10 13:55:36,123`` (UTC) into POSIX seconds."""
    base, _, millis = text.partition(",")
    try:
        date, clock = base.split(" ")
        year, month, day = date.split("-")
        hh, mm, ss = clock.split(":")
        stamp = datetime(int(year), int(month), int(day), int(hh), int(mm), int(ss),
                         tzinfo=timezone.utc)
    except ValueError as exc:
        raise ValueError(f"bad timestamp: {text!r}") from exc
    return stamp.timestamp() + (int(millis) / 1000 if millis else 0.0)


def format_time(ts: float) -> str:
    """Format POSIX seconds as ``2023-10-10 13:55:36`` (UTC)."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
