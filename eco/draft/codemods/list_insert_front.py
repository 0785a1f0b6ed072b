"""``xs = []`` then ``xs.insert(0, x)`` in a loop -> ``xs.append(x)`` in the loop and ``xs.reverse()`` after it.

Preconditions: ``xs`` is a local bound exactly once, to ``[]``, in the same block as the loop and
before it; inside the loop ``xs`` is used only by ``xs.insert(0, ...)`` statements (never read, so
the reversed intermediate order is never seen), and not between its assignment and the loop; the
loop is not in a ``try`` whose handlers or ``finally`` mention ``xs``. The reverse runs right after
the loop statement (after its ``else:``), giving the same final order.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import iter_nodes, loops_around, method_call, refs, single_assignment, store_slot
from eco.draft.codemods.base import FunctionContext, codemod, summarize

SUMMARY = "`xs.insert(0, x)` in a loop (O(n) each) -> `append` then one `reverse()` after the loop."


def _insert0(call: cst.Call) -> bool:
    return (len(call.args) == 2 and isinstance(call.args[0].value, cst.Integer) and call.args[0].value.value == "0"
            and all(a.keyword is None and not a.star for a in call.args))


def _one(ctx: FunctionContext, name: str, calls: list[cst.Call]) -> str:
    sa = single_assignment(ctx, name)
    if sa is None:
        raise ValueError(f"`{name}` is not a local bound exactly once")
    assign, line = sa
    if not (isinstance(assign.value, cst.List) and not assign.value.elements):
        raise ValueError(f"`{name}` does not start empty (prepending to existing items would reverse them too)")
    block = ctx.parent(line)
    loop = None
    for call in calls:
        stmt = ctx.parent(call)
        if not (isinstance(stmt, cst.Expr) and isinstance(ctx.parent(stmt), cst.SimpleStatementLine)):
            raise ValueError("`insert(0, ...)` is not a statement of its own")
        cand = next((lp for lp in reversed(loops_around(ctx, call)) if isinstance(lp, (cst.For, cst.While))
                     and ctx.parent(lp) is block), None)
        if cand is None or (loop is not None and cand is not loop):
            raise ValueError(f"the inserts into `{name}` are not all in one loop next to its assignment")
        loop = cand
    assert loop is not None
    if not ctx.after(loop, line):
        raise ValueError(f"`{name}` is assigned after the loop")
    ok = {id(c.func.value) for c in calls}  # type: ignore[attr-defined]
    for r in refs(ctx, name):
        if store_slot(ctx, r) or id(r) in ok:
            continue
        if ctx.inside(r, loop):
            raise ValueError(f"`{name}` is read inside the loop")
        if not ctx.after(r, loop):
            raise ValueError(f"`{name}` is used between its assignment and the loop")
    for anc in ctx.ancestors(loop):
        if isinstance(anc, (cst.Try, cst.TryStar)):
            handlers = [*anc.handlers, *([anc.finalbody] if anc.finalbody else [])]
            if any(refs(ctx, name, h) for h in handlers):
                raise ValueError(f"the loop is in a `try` whose handler reads `{name}`")
    for call in calls:
        ctx.replace(call, call.with_changes(func=call.func.with_changes(attr=cst.Name("append")),  # type: ignore[attr-defined]
                                            args=[call.args[1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]))
    ctx.insert_after(loop, f"{name}.reverse()")
    return f"`{name}` is built by appends and reversed once after the loop ({len(calls)} site(s))"


@codemod("list-insert-front", "insert-front-to-append-reverse", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    by_name: dict[str, list[cst.Call]] = {}
    for call in iter_nodes(ctx.func.body, cst.Call):
        assert isinstance(call, cst.Call)
        f = call.func
        if isinstance(f, cst.Attribute) and f.attr.value == "insert" and isinstance(f.value, cst.Name) \
                and _insert0(call) and loops_around(ctx, call):
            by_name.setdefault(f.value.value, []).append(call)
    for name, calls in by_name.items():
        try:
            done.append(_one(ctx, name, calls))
        except ValueError as exc:
            skipped.append(str(exc))
    return summarize(done, skipped, "`insert(0, ...)` inside a loop")
