"""Grouping requests into visitor sessions."""

from __future__ import annotations

from collections import Counter, deque
from operator import attrgetter
from typing import Iterable, Mapping, Sequence

from .records import Request, Session

DEFAULT_GAP = 30 * 60  # seconds of inactivity that end a session


def visitor_key(rec: Request) -> str:
    """Logged-in users are tracked by name, anonymous visitors by address and agent."""
    if rec.user != "-":
        return rec.user
    return f"{rec.ip}|{rec.agent}"


def sessionize(records: Iterable[Request], gap: float = DEFAULT_GAP) -> list[Session]:
    """Split requests into sessions; the result is ordered by start time, then key."""
    open_sessions: dict[str, Session] = {}
    done: list[Session] = []
    for rec in sorted(records, key=attrgetter("ts")):
        key = visitor_key(rec)
        current = open_sessions.get(key)
        if current is not None and rec.ts - current.end > gap:
            done.append(current)
            current = None
        if current is None:
            current = open_sessions[key] = Session(key)
        current.requests.append(rec)
    done.extend(open_sessions.values())
    done.sort(key=lambda s: (s.start, s.key))
    return done


class SessionTracker:
    """Incremental sessionizer for a stream of requests in time order."""

    def __init__(self, gap: float = DEFAULT_GAP):
        self.gap = gap
        self.closed: list[Session] = []
        self._open: dict[str, Session] = {}
        self._queue: deque[tuple[float, str]] = deque()  # (request time, key), oldest first

    def __len__(self) -> int:
        return len(self._open)

    def feed(self, rec: Request) -> list[Session]:
        """Add one request; returns the sessions that this request's time closed."""
        key = visitor_key(rec)
        session = self._open.get(key)
        if session is not None and rec.ts - session.end > self.gap:
            del self._open[key]
            self.closed.append(session)
            session = None
        if session is None:
            session = self._open[key] = Session(key)
        session.requests.append(rec)
        self._queue.append((rec.ts, key))
        return self.close_idle(rec.ts)

    def close_idle(self, now: float) -> list[Session]:
        """Close the sessions idle for more than ``gap`` seconds at time ``now``."""
        closed = []
        queue = self._queue
        while queue and now - queue[0][0] > self.gap:
            ts, key = queue.popleft()
            session = self._open.get(key)
            if session is not None and session.end == ts:
                del self._open[key]
                closed.append(session)
        self.closed.extend(closed)
        return closed

    def flush(self) -> list[Session]:
        """Close every open session (end of input); returns them by start time."""
        rest = sorted(self._open.values(), key=lambda s: (s.start, s.key))
        self._open.clear()
        self._queue.clear()
        self.closed.extend(rest)
        return rest


def label_sessions(sessions: Iterable[Session], accounts: Sequence[Mapping[str, str]],
                   default: str = "anonymous") -> list[tuple[Session, str]]:
    """Pair each session with the plan of its account (``default`` when there is none)."""
    plans: dict[str, str] = {}
    for account in accounts:
        plans.setdefault(account["user"], account["plan"])
    return [(session, plans.get(session.key, default)) for session in sessions]


def longest_session(sessions: Sequence[Session]) -> Session | None:
    """The session that lasted longest (the earliest one on ties); ``None`` if empty."""
    if not sessions:
        return None
    return max(sessions, key=lambda s: s.duration)


def entry_pages(sessions: Iterable[Session]) -> Counter:
    """How often each path was the first page of a session."""
    return Counter(s.requests[0].path for s in sessions if s.requests)


def exit_pages(sessions: Iterable[Session]) -> Counter:
    """How often each path was the last page of a session."""
    return Counter(s.requests[-1].path for s in sessions if s.requests)
