"""User-agent classification."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from .records import Request

BOT_MARKERS = (
    "bot", "crawler", "spider", "slurp", "python-requests", "curl/", "wget/",
    "httpclient", "go-http-client", "headless", "monitor", "scanner",
)

# Order matters: Edge and Opera also claim to be Chrome, Chrome claims to be Safari.
_FAMILY_RULES = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Version/", "Safari"),
    ("MSIE ", "Internet Explorer"),
    ("Trident/", "Internet Explorer"),
)
_VERSION_RE = re.compile(r"(\d+)(?:\.(\d+))?")


def is_bot(agent: str) -> bool:
    """Whether a user agent looks like a crawler, a script or a monitoring probe."""
    lowered = agent.lower()
    return any(marker in lowered for marker in BOT_MARKERS)


def browser_family(agent: str) -> str:
    """A short name for the browser and its major version, e.g. ``"Firefox 119"``.

    Crawlers and scripts are ``"bot"``; anything unrecognised is ``"other"``.
    """
    if not agent or agent == "-":
        return "other"
    if is_bot(agent):
        return "bot"
    for marker, family in _FAMILY_RULES:
        pos = agent.find(marker)
        if pos < 0:
            continue
        m = _VERSION_RE.match(agent, pos + len(marker))
        major = m.group(1) if m else "?"
        if family == "Internet Explorer" and marker == "Trident/" and m:
            major = str(int(major) + 4)  # Trident/7.0 is IE 11
        return f"{family} {major}"
    return "other"


def browser_share(records: Iterable[Request]) -> dict[str, int]:
    """Requests per browser family, most common first, ties alphabetical."""
    counts = Counter(browser_family(rec.agent) for rec in records)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
