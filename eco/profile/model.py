"""The common shapes every profile reader produces.

Two shapes cover the formats eco reads. Sampling profilers (py-spy, pyinstrument, perf) give
weighted call stacks: a :class:`StackProfile`. cProfile gives a call graph with per-edge times and
call counts but no stacks: a :class:`GraphProfile`. Roll-up (``eco.profile.rollup``) reduces
either to per-function costs of the repository.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable, Iterator, Sequence

from eco.errors import EcoError


class ProfileError(EcoError):
    """A profile file cannot be read, or does not describe the target repository."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame as the profiler recorded it; ``file`` and ``line`` are None when absent."""

    file: str | None
    line: int | None
    function: str

    def label(self) -> str:
        where = self.file or "?"
        return f"{self.function} ({where}:{self.line})" if self.line else f"{self.function} ({where})"


@dataclass
class StackProfile:
    """Weighted stacks, root first. Keys are whatever the reader finds cheapest (an index into a
    frame table, the raw text of a collapsed frame); ``frame_of`` turns a key into a :class:`Frame`
    and is called once per distinct key, so huge files stay cheap."""

    format: str
    unit: str  # "samples" | "seconds"
    stacks: Callable[[], Iterator[tuple[Sequence[Hashable], float]]]
    frame_of: Callable[[Hashable], Frame]
    skipped_lines: int = 0  # malformed input lines skipped (collapsed text)


@dataclass
class Edge:
    """Callee statistics restricted to calls from one caller (pstats keeps exactly this)."""

    calls: int
    self_time: float
    cumulative: float


@dataclass
class Node:
    calls: int
    self_time: float
    cumulative: float
    callers: dict[Frame, Edge] = field(default_factory=dict)


@dataclass
class GraphProfile:
    """A caller -> callee graph with self and inclusive times, as cProfile records it."""

    format: str
    unit: str
    nodes: dict[Frame, Node]

    def frames(self) -> Iterable[Frame]:
        return self.nodes.keys()
