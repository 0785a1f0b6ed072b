"""cProfile / profile output (the marshal dump that ``pstats.Stats`` reads)."""

from __future__ import annotations

import pstats
from pathlib import Path

from eco.profile.model import Edge, Frame, GraphProfile, Node, ProfileError


def _frame(key: object) -> Frame:
    if not (isinstance(key, tuple) and len(key) == 3 and isinstance(key[2], str)):
        raise ValueError(f"bad function key {key!r}")
    file, line, name = key
    # Builtins are recorded as ("~", 0, "<built-in method ...>"): no file, no line.
    file = None if file in ("~", "") else str(file)
    return Frame(file=file, line=int(line) or None, function=name)


def read_pstats(path: Path) -> GraphProfile:
    """Load with :class:`pstats.Stats`; a truncated or corrupted dump is one clear error."""
    try:
        stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ProfileError(f"{path}: truncated or corrupted pstats file ({type(exc).__name__}: {exc})") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror}") from None
    nodes: dict[Frame, Node] = {}
    try:
        for key, value in stats.items():
            cc, nc, tt, ct, callers = value
            node = Node(calls=int(nc), self_time=float(tt), cumulative=float(ct))
            for ckey, cval in callers.items():
                # (cc, nc, tt, ct) per caller; very old dumps store only a call count.
                if isinstance(cval, tuple):
                    node.callers[_frame(ckey)] = Edge(calls=int(cval[1]), self_time=float(cval[2]), cumulative=float(cval[3]))
                else:
                    node.callers[_frame(ckey)] = Edge(calls=int(cval), self_time=0.0, cumulative=0.0)
            nodes[_frame(key)] = node
    except (ValueError, TypeError, AttributeError) as exc:
        raise ProfileError(f"{path}: corrupted pstats file ({exc})") from None
    if not nodes:
        raise ProfileError(f"{path}: pstats file holds no functions")
    return GraphProfile(format="pstats", unit="seconds", nodes=nodes)
