"""Parsers for access logs (combined format) and application logs."""

from __future__ import annotations

import re
from typing import Iterable

from .records import AppEvent, Request, parse_clf_time, parse_iso_time

_ACCESS_RE = re.compile(
    r'^(?P<ip>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] '
    r'"(?P<method>[A-Z]+) (?P<path>\S+)(?: [^"]*)?" '
    r'(?P<status>\d{3}) (?P<size>\d+|-) '
    r'"(?P<referrer>[^"]*)" "(?P<agent>[^"]*)"'
    r'(?: (?P<duration>\d+(?:\.\d+)?))?\s*$'
)

_APP_RE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d{1,3})?) "
    r"\[(?P<level>[A-Z]+)\] (?P<logger>[\w.]+): (?P<message>.*)$"
)


class ParseError(ValueError):
    """A line that does not look like a log line, raised in strict mode."""

    def __init__(self, lineno: int, line: str):
        super().__init__(f"line {lineno}: cannot parse {line[:60]!r}")
        self.lineno = lineno
        self.line = line


def parse_access_line(line: str) -> Request | None:
    """Parse one combined-format line; ``None`` if it is not one."""
    m = _ACCESS_RE.match(line)
    if m is None:
        return None
    try:
        ts = parse_clf_time(m.group("time"))
    except ValueError:
        return None
    size = m.group("size")
    duration = m.group("duration")
    return Request(
        ip=m.group("ip"),
        user=m.group("user"),
        ts=ts,
        method=m.group("method"),
        path=m.group("path").split("?", 1)[0],
        status=int(m.group("status")),
        size=0 if size == "-" else int(size),
        referrer=m.group("referrer"),
        agent=m.group("agent"),
        duration=float(duration) * 1000.0 if duration else 0.0,
    )


def parse_access_log(lines: Iterable[str], strict: bool = False) -> list[Request]:
    """Parse access log lines, skipping (or, if ``strict``, rejecting) malformed ones."""
    records = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        rec = parse_access_line(line)
        if rec is None:
            if strict:
                raise ParseError(lineno, line)
            continue
        records.append(rec)
    return records


def parse_app_line(line: str) -> AppEvent | None:
    """Parse ``2023-10-10 13:55:36,123 [INFO] app.db: message``; ``None`` otherwise."""
    m = _APP_RE.match(line.rstrip("\n"))
    if m is None:
        return None
    try:
        ts = parse_iso_time(m.group("time"))
    except ValueError:
        return None
    return AppEvent(ts, m.group("level"), m.group("logger"), m.group("message"))


def parse_app_log(lines: Iterable[str]) -> list[AppEvent]:
    """Parse application log lines; continuation lines are appended to the previous event."""
    events: list[AppEvent] = []
    for line in lines:
        event = parse_app_line(line)
        if event is not None:
            events.append(event)
        elif events and line.strip():
            last = events[-1]
            events[-1] = AppEvent(last.ts, last.level, last.logger,
                                  last.message + "\n" + line.rstrip("\n"))
    return events


def level_counts(lines: Iterable[str]) -> dict[str, int]:
    """Count application log lines per level without parsing them fully."""
    counts: dict[str, int] = {}
    for line in lines:
        m = re.search(r"\[([A-Z]+)\]", line)
        if m:
            level = m.group(1)
            counts[level] = counts.get(level, 0) + 1
    return counts
