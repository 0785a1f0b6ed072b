"""speedscope JSON (``py-spy record -f speedscope``, and any other exporter of that schema).

Sampled profiles give stacks (root first, as indexes into ``shared.frames``) with weights;
evented profiles give open/close events, turned into stacks weighted by the time between events.
Every profile in the file (py-spy writes one per thread) is part of one weighted view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Hashable, Iterator, Sequence

from eco.profile.model import Frame, ProfileError, StackProfile

_TIME_UNITS = {"seconds": 1.0, "milliseconds": 1e-3, "microseconds": 1e-6, "nanoseconds": 1e-9}


def _frames(doc: dict[str, Any], path: Path) -> list[Frame]:
    try:
        raw = doc["shared"]["frames"]
        out = []
        for f in raw:
            line = f.get("line")
            out.append(Frame(file=f.get("file") or None, line=int(line) if isinstance(line, (int, float)) and line > 0 else None,
                             function=str(f.get("name", "?"))))
        return out
    except (KeyError, TypeError, AttributeError) as exc:
        raise ProfileError(f"{path}: speedscope file has no readable shared.frames ({exc})") from None


def read_speedscope(doc: dict[str, Any], path: Path) -> StackProfile:
    frames = _frames(doc, path)
    profiles = doc.get("profiles")
    if not isinstance(profiles, list) or not profiles:
        raise ProfileError(f"{path}: speedscope file has no profiles")
    units = {str(p.get("unit", "none")) for p in profiles if isinstance(p, dict)}
    timed = all(u in _TIME_UNITS for u in units)
    unit = "seconds" if timed else "samples"
    n = len(frames)

    def check(idx: Any) -> int:
        if not isinstance(idx, int) or not 0 <= idx < n:
            raise ProfileError(f"{path}: speedscope stack refers to frame {idx!r}, but the file has {n} frames")
        return idx

    def stacks() -> Iterator[tuple[Sequence[Hashable], float]]:
        for p in profiles:
            scale = _TIME_UNITS.get(str(p.get("unit", "none")), 1.0) if timed else 1.0
            kind = p.get("type")
            if kind == "sampled":
                samples, weights = p.get("samples") or [], p.get("weights") or []
                if weights and len(weights) != len(samples):
                    raise ProfileError(f"{path}: speedscope profile has {len(samples)} samples but {len(weights)} weights")
                for i, stack in enumerate(samples):
                    w = float(weights[i]) * scale if weights else 1.0
                    yield [check(k) for k in stack], w
            elif kind == "evented":
                current: list[int] = []
                last = None
                for ev in p.get("events") or []:
                    at = float(ev.get("at", 0.0))
                    if last is not None and current and at > last:
                        yield list(current), (at - last) * scale
                    last = at
                    idx = check(ev.get("frame"))
                    if ev.get("type") == "O":
                        current.append(idx)
                    elif ev.get("type") == "C" and current:
                        # Close the innermost occurrence of that frame.
                        for j in range(len(current) - 1, -1, -1):
                            if current[j] == idx:
                                del current[j:]
                                break
            else:
                raise ProfileError(f"{path}: speedscope profile type {kind!r} is not 'sampled' or 'evented'")

    return StackProfile(format="speedscope", unit=unit, stacks=stacks, frame_of=lambda k: frames[k])  # type: ignore[index]
