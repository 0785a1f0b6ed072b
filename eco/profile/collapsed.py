"""Collapsed ("folded") stacks: one line per stack, ``frame;frame;...;leaf COUNT``.

Two producers write this syntax. py-spy (``-f raw``) writes ``func (file:line)`` frames;
``stackcollapse-perf.pl`` over ``perf script`` writes the command name first, then symbols:
``func``, ``func (dso)``, ``func_[k]`` and, for Python 3.12+ run with ``-X perf``,
``py::qualname:/path/file.py``. The file is streamed, and each distinct frame text is parsed once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Hashable, Iterator, Sequence

from eco.profile.model import Frame, ProfileError, StackProfile

_WITH_LINE = re.compile(r"^(?P<func>.*?) \((?P<file>.+):(?P<line>\d+)\)$")
_WITH_DSO = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*)\)$")
_PERF_PY = re.compile(r"^py::(?P<func>[^:]+):(?P<file>.+?)(?:\+0x[0-9a-f]+)?$")
_PERF_SUFFIX = re.compile(r"_\[[kjiw]\]$")
# A data line ends in a count; the stack is everything before the last space.
LINE_RE = re.compile(rb"^\S.*\s\d+(?:\.\d+)?\s*$")


def parse_frame(text: str) -> Frame:
    """Turn one frame of collapsed text into a :class:`Frame` (file and line when present)."""
    m = _WITH_LINE.match(text)
    if m:
        return Frame(file=m["file"], line=int(m["line"]) or None, function=m["func"])
    m = _PERF_PY.match(text)
    if m:
        return Frame(file=m["file"], line=None, function=m["func"])
    m = _WITH_DSO.match(text)
    if m:
        return Frame(file=m["file"] or None, line=None, function=_PERF_SUFFIX.sub("", m["func"]))
    return Frame(file=None, line=None, function=_PERF_SUFFIX.sub("", text))


def read_collapsed(path: Path, fmt: str = "collapsed") -> StackProfile:
    """A lazily streamed :class:`StackProfile`; malformed lines are skipped and counted."""
    profile = StackProfile(format=fmt, unit="samples", stacks=lambda: iter(()), frame_of=lambda k: parse_frame(str(k)))

    def stacks() -> Iterator[tuple[Sequence[Hashable], float]]:
        skipped = 0
        good = 0
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            for raw in fh:
                line = raw.rstrip("\r\n")
                if not line or line.startswith("#"):
                    continue
                stack, _, count = line.rpartition(" ")
                try:
                    weight = int(count)
                except ValueError:
                    try:
                        weight = float(count)  # type: ignore[assignment]
                    except ValueError:
                        skipped += 1
                        continue
                if not stack:
                    skipped += 1
                    continue
                good += 1
                yield stack.split(";"), weight
        profile.skipped_lines = skipped
        if good == 0:
            raise ProfileError(f"{path}: no collapsed-stack lines ('frame;frame;... COUNT') found")

    profile.stacks = stacks
    return profile
