"""``q = [...]`` used as a FIFO with ``q.pop(0)`` -> ``q = deque([...])`` with ``q.popleft()``.

Preconditions: ``q`` is a local bound exactly once, by a list display, comprehension or ``list(...)``;
every other use is one deque supports with the same meaning: ``q.pop(0)`` (-> ``popleft()``),
``q.pop()``, ``q.append``, ``q.extend``, ``q.appendleft``, ``len(q)``/``bool(q)``/truthiness (``while q``,
``if q``, ``not q``), iteration (if the loop does not change ``q``: a deque raises RuntimeError where a
list would carry on), ``x in q``, and reading ``q[0]`` or ``q[-1]``. Anything else (other
indexing, slicing, returning or yielding ``q``, passing it to another function, ``+``, comparisons
with lists, aliasing, closures) refuses, because a deque is not a list there. ``pop(0)`` on an
empty list and ``popleft()`` on an empty deque both raise IndexError.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import iter_nodes, method_call, refs, single_assignment, store_slot
from eco.draft.codemods.base import FunctionContext, codemod, summarize

SUMMARY = "List used as a queue (`pop(0)`) -> `collections.deque` with `popleft()` (O(1) instead of O(n))."
_OK_METHODS = {"append", "extend", "appendleft", "pop", "count", "clear", "remove"}


def _is_pop0(call: cst.Call) -> bool:
    return (len(call.args) == 1 and isinstance(call.args[0].value, cst.Integer)
            and call.args[0].value.value == "0" and call.args[0].keyword is None)


def _ok_use(ctx: FunctionContext, r: cst.Name) -> str | None:
    par = ctx.parent(r)
    mc = method_call(ctx, r)
    if mc is not None:
        meth, call = mc
        if meth == "pop" and call.args and not _is_pop0(call):
            return "`pop(i)` with i other than 0"
        return None if meth in _OK_METHODS else f"`.{meth}()` is not a deque method with the same meaning"
    if isinstance(par, (cst.If, cst.While)) and par.test is r:
        return None
    if isinstance(par, cst.UnaryOperation) and isinstance(par.operator, cst.Not):
        return None
    if isinstance(par, cst.BooleanOperation):
        return None
    if isinstance(par, cst.Arg):
        call = ctx.parent(par)
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value in {"len", "bool"}:
            return None
    if isinstance(par, (cst.For, cst.CompFor)) and par.iter is r:
        # A list may grow while it is iterated; a deque raises RuntimeError.
        body = par.body if isinstance(par, cst.For) else par
        for other in refs(ctx, r.value, body):
            mc = method_call(ctx, other)
            if mc is not None and mc[0] not in {"count"}:
                return "changed while it is iterated (a deque raises RuntimeError there)"
        return None
    if isinstance(par, cst.ComparisonTarget) and isinstance(par.operator, (cst.In, cst.NotIn)):
        return None
    if isinstance(par, cst.Subscript) and par.value is r and not store_slot(ctx, par) and len(par.slice) == 1:
        s = par.slice[0].slice
        if isinstance(s, cst.Index) and (
                (isinstance(s.value, cst.Integer) and s.value.value == "0")
                or (isinstance(s.value, cst.UnaryOperation) and isinstance(s.value.expression, cst.Integer)
                    and s.value.expression.value == "1" and isinstance(s.value.operator, cst.Minus))):
            return None
        return "indexed or sliced other than `[0]`/`[-1]`"
    return f"used as `{ctx.code(par).strip()[:40]}`"


@codemod("list-pop-front", "list-to-deque", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    names: list[str] = []
    for call in iter_nodes(ctx.func.body, cst.Call):
        assert isinstance(call, cst.Call)
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "pop" and _is_pop0(call) \
                and isinstance(call.func.value, cst.Name) and call.func.value.value not in names:
            names.append(call.func.value.value)
    for name in names:
        sa = single_assignment(ctx, name)
        if sa is None:
            skipped.append(f"`{name}` is not a local bound exactly once")
            continue
        assign, _line = sa
        v = assign.value
        if not (isinstance(v, (cst.List, cst.ListComp)) or (
                isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value == "list")):
            skipped.append(f"`{name}` does not start as a fresh list")
            continue
        why = None
        for r in refs(ctx, name):
            if store_slot(ctx, r):
                continue
            why = _ok_use(ctx, r)
            if why:
                break
        if why:
            skipped.append(f"`{name}`: {why}")
            continue
        spelled, line = ctx.module_ctx.resolve("collections", "deque", ctx._taken, prefer_module=False)
        ctx.need_import(line)
        if isinstance(v, cst.List) and not v.elements:
            new_v = cst.parse_expression(f"{spelled}()")
        elif isinstance(v, cst.Call) and len(v.args) == 1:
            new_v = cst.Call(func=cst.parse_expression(spelled), args=v.args)
        else:
            new_v = cst.Call(func=cst.parse_expression(spelled), args=[cst.Arg(value=v)])
        ctx.replace(v, new_v)
        _retype(ctx, assign, spelled)
        for r in refs(ctx, name):
            mc = method_call(ctx, r)
            if mc is not None and mc[0] == "pop" and mc[1].args:
                ctx.replace(mc[1], cst.Call(func=cst.Attribute(cst.Name(name), cst.Name("popleft")), args=[]))
        done.append(f"`{name}` is a local FIFO only used in deque-compatible ways")
    return summarize(done, skipped, "`list.pop(0)`")


def _retype(ctx: FunctionContext, assign: cst.CSTNode, new_type: str) -> None:
    """``q: list[T] = ...`` -> ``q: deque[T] = ...`` (a local annotation is never evaluated at run time)."""
    if isinstance(assign, cst.AnnAssign):
        ann = assign.annotation.annotation
        base = ann.value if isinstance(ann, cst.Subscript) else ann
        if isinstance(base, cst.Name) and base.value in {"list", "List"}:
            ctx.replace(base, cst.parse_expression(new_type))
