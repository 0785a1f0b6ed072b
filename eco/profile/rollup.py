"""ECO's roll-up (Algorithm 1): cost spent outside the repository belongs to the repository code
that asked for it.

For a stack profile, each sample's weight goes to the leaf frame when the leaf is a repository
function (its *self* cost); when the leaf is a library, stdlib, builtin or runtime frame
(``list.__contains__``, ``re.sub``, ``PyUnicode_Append``), the weight goes to the nearest
repository function up the stack (its *rolled-up* cost). A sample with no repository frame at all
is *unattributed*. *Inclusive* cost is the weight of every sample a function appears in (once per
sample, so recursion does not double count).

cProfile has no stacks, only caller -> callee edges, each carrying the callee's self time for calls
from that caller. A library function's self time is handed to its callers edge by edge; a caller
that is itself a library function passes its share on to its own callers in proportion to their
cumulative time on the edge (gprof's assumption). Each library node's split over repository
functions is computed once (memoised), so big graphs stay linear; cycles and roots are unattributed.

Merging several profiles (:func:`merge`): every profile is first normalised to its own total, so
each file weighs the same whatever its unit (samples or seconds) or its length; merged costs are
fractions of the merged total (1.0). Then:

* the **cap** (``profile_rollup_cap``, default 0.25): a function's rolled-up cost is at most this
  fraction of the merged total. Self cost is never capped. The excess is not given to another
  function; it is reported as ``capped``. This keeps one dispatcher that calls straight into a big
  library (a ``main`` around ``json.load``) from outranking the functions that are slow themselves.
  Functions tied at the cap rank by smaller inclusive cost first (the more specific function).
  Note that a perf profile of CPython has Python frames only above interpreter frames, so all of a
  Python function's cost there is rolled up and the cap flattens it; raise the cap for such views.
* the **floor** (``profile_prune_floor``, default 0.001): functions whose self + rolled-up cost is
  below this fraction of the merged total are dropped from the hot list (and counted as ``pruned``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable

from eco.profile.mapping import FrameMapper, MapStats
from eco.profile.model import Frame, GraphProfile, StackProfile

MAX_HOPS = 400


@dataclass
class Reduced:
    """One profile reduced to the repository functions it touches (in the profile's own unit)."""

    unit: str
    total: float = 0.0
    self_cost: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    rolled: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    inclusive: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[int, int] = field(default_factory=dict)
    unattributed: float = 0.0
    stats: MapStats = field(default_factory=MapStats)
    skipped_lines: int = 0


class _FrameIds(dict):  # type: ignore[type-arg]
    """key -> function id, resolving each distinct key once (``dict.__missing__`` keeps lookups in C)."""

    def __init__(self, mapper: FrameMapper, frame_of: Any) -> None:
        super().__init__()
        self._mapper = mapper
        self._frame_of = frame_of

    def __missing__(self, key: Hashable) -> int:
        fid = self._mapper.resolve(self._frame_of(key))
        self[key] = fid
        return fid


def reduce_stacks(profile: StackProfile, mapper: FrameMapper) -> Reduced:
    out = Reduced(unit=profile.unit, stats=mapper.stats)
    ids = _FrameIds(mapper, profile.frame_of)
    get = ids.__getitem__
    self_cost, rolled, inclusive = out.self_cost, out.rolled, out.inclusive
    by_weight: dict[float, list[int]] = defaultdict(list)
    pending = 0

    def flush() -> None:
        for w, fids in by_weight.items():
            for fid, n in Counter(fids).items():
                inclusive[fid] += w * n
        by_weight.clear()

    total = unattributed = 0.0
    for keys, weight in profile.stacks():
        total += weight
        fids = set(map(get, keys))  # distinct functions: recursion counts once for inclusive
        fids.discard(-1)
        if not fids:
            unattributed += weight
            continue
        leaf = get(keys[-1])
        if leaf >= 0:
            self_cost[leaf] += weight
        else:
            i = len(keys) - 2
            while get(keys[i]) < 0:  # a repository frame exists, so this stops
                i -= 1
            rolled[get(keys[i])] += weight
        # Inclusive cost, batched by weight: list.extend and Counter run in C, while a Python loop
        # over every repository frame of every stack was the slowest part on big files.
        by_weight[weight].extend(fids)
        pending += len(fids)
        if pending > 1_000_000:
            flush()
            pending = 0
    flush()
    out.total, out.unattributed = total, unattributed
    out.skipped_lines = profile.skipped_lines
    return out


def reduce_graph(profile: GraphProfile, mapper: FrameMapper) -> Reduced:
    out = Reduced(unit=profile.unit, stats=mapper.stats)
    nodes = profile.nodes
    ids: dict[Frame, int] = {frame: mapper.resolve(frame) for frame in nodes}
    out.total = sum(n.self_time for n in nodes.values())
    memo: dict[Frame, dict[int, float]] = {}

    def owners(frame: Frame, depth: int, path: frozenset[Frame]) -> dict[int, float]:
        """Which repository functions a unit of cost spent at ``frame`` belongs to, as fractions
        (the rest has no repository caller). Memoised, so every node is solved once."""
        fid = ids.get(frame, -1)
        if fid >= 0:
            return {fid: 1.0}
        if frame in memo:
            return memo[frame]
        node = nodes.get(frame)
        if node is None or not node.callers or depth >= MAX_HOPS or frame in path:
            return {}  # a root (the profiler's own frames), or a cycle: unattributed
        weights = {c: e.cumulative for c, e in node.callers.items()}
        norm = sum(weights.values())
        if norm <= 0:
            weights = {c: float(e.calls) for c, e in node.callers.items()}
            norm = sum(weights.values())
        result: dict[int, float] = defaultdict(float)
        if norm > 0:
            inner = path | {frame}
            for caller, w in weights.items():
                if w > 0:
                    for f, x in owners(caller, depth + 1, inner).items():
                        result[f] += x * w / norm
        memo[frame] = result
        return result

    for frame, node in nodes.items():
        fid = ids[frame]
        if fid >= 0:
            out.self_cost[fid] += node.self_time
            # A comprehension or lambda mapped into the same function is already inside its time
            # and its calls are not calls of the function.
            if not any(ids.get(c, -1) == fid for c in node.callers):
                out.inclusive[fid] += node.cumulative
                out.calls[fid] = out.calls.get(fid, 0) + node.calls
            continue
        if node.self_time <= 0:
            continue
        handed = 0.0
        for caller, edge in node.callers.items():
            if edge.self_time <= 0:
                continue
            for f, x in owners(caller, 0, frozenset({frame})).items():
                out.rolled[f] += edge.self_time * x
                handed += edge.self_time * x
        out.unattributed += max(node.self_time - handed, 0.0)
    return out


@dataclass
class HotRow:
    path: str
    qualname: str
    start_line: int
    self_cost: float
    rolled_up: float
    inclusive: float
    calls: int | None
    profiles: list[dict[str, Any]]

    @property
    def share(self) -> float:
        return self.self_cost + self.rolled_up


@dataclass
class MergeResult:
    rows: list[HotRow]
    capped: float
    pruned: float
    profiles: int


def merge(profiles: Iterable[tuple[int, str, dict[str, Any]]], *, cap: float, floor: float) -> MergeResult:
    """Merge stored per-profile reductions ``(profile_id, source, details)`` into one ranked view.

    ``details["functions"]`` rows are ``[path, qualname, start_line, self, rolled, inclusive, calls]``
    in the profile's unit and ``details["total"]`` is that profile's total.
    """
    acc: dict[tuple[str, str], HotRow] = {}
    items = [(pid, src, d) for pid, src, d in profiles if float(d.get("total") or 0) > 0]
    n = len(items)
    for pid, source, details in items:
        total = float(details["total"])
        for path, qualname, start, s, r, i, calls in details.get("functions", []):
            row = acc.get((path, qualname))
            if row is None:
                row = acc[(path, qualname)] = HotRow(path, qualname, int(start), 0.0, 0.0, 0.0, None, [])
            row.self_cost += s / total / n
            row.rolled_up += r / total / n
            row.inclusive += i / total / n
            if calls is not None:
                row.calls = (row.calls or 0) + int(calls)
            row.profiles.append({"id": pid, "source": source})
    capped = pruned = 0.0
    kept: list[HotRow] = []
    for row in acc.values():
        if row.rolled_up > cap:
            capped += row.rolled_up - cap
            row.rolled_up = cap
        if row.share < floor:
            pruned += row.share
            continue
        kept.append(row)
    kept.sort(key=lambda r: (-r.share, r.inclusive, r.path, r.qualname))
    return MergeResult(rows=kept, capped=capped, pruned=pruned, profiles=n)
