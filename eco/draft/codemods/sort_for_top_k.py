"""``sorted(x, key=k, reverse=True)[:n]`` -> ``heapq.nlargest(n, x, key=k)`` (``nsmallest`` without reverse).

Preconditions: ``sorted`` is the builtin with only ``key=`` and a literal ``reverse=``; the slice is
``[:n]`` or ``[0:n]`` with no step; ``n`` is a non-negative int literal, or a name known to hold a
count: a parameter whose default is an int literal or annotated ``int``, or a local assigned
once from an int literal. (A negative ``n`` slices from the end while ``nlargest`` returns ``[]``.)
Ties: the heapq docs define ``nlargest(n, x, key)`` as equivalent to ``sorted(x, key=key,
reverse=True)[:n]`` and ``nsmallest`` to ``sorted(x, key=key)[:n]``, equal keys included; both return
lists. The tests check this on inputs with duplicates.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import _ann_code, is_param, iter_nodes, single_assignment
from eco.draft.codemods.base import FunctionContext, codemod, plain_args, summarize
from eco.draft.codemods.sorted_call import read_sorted

SUMMARY = "`sorted(..)[:n]` -> `heapq.nlargest/nsmallest(n, ..)`: O(len log n) and no full sorted copy."


def _count_ok(ctx: FunctionContext, n: cst.BaseExpression) -> str | None:
    if isinstance(n, cst.Integer):
        return None
    if isinstance(n, cst.Name):
        p = is_param(ctx, n.value)
        if p is not None:
            if isinstance(p.default, cst.Integer) or _ann_code(ctx, p) == "int":
                return None
            return f"`{n.value}` is a parameter with no int default or annotation"
        sa = single_assignment(ctx, n.value)
        if sa is not None and isinstance(sa[0].value, cst.Integer):
            return None
    return f"cannot tell that `{ctx.code(n)}` is a non-negative count"


@codemod("sort-for-top-k", "sorted-slice-to-heapq", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for sub in iter_nodes(ctx.func.body, cst.Subscript):
        assert isinstance(sub, cst.Subscript)
        sc = read_sorted(ctx, sub.value)
        if sc is None or len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Slice):
            continue
        if isinstance(sc, str):
            skipped.append(sc)
            continue
        sl = sub.slice[0].slice
        assert isinstance(sl, cst.Slice)
        if sl.step is not None or sl.upper is None or (
                sl.lower is not None and not (isinstance(sl.lower, cst.Integer) and sl.lower.value == "0")):
            skipped.append("slice is not `[:n]`")
            continue
        why = _count_ok(ctx, sl.upper)
        if why:
            skipped.append(why)
            continue
        fn = "nlargest" if sc.reverse else "nsmallest"
        spelled, line = ctx.module_ctx.resolve("heapq", fn, ctx._taken, prefer_module=True)
        ctx.need_import(line)
        args = [cst.Arg(value=sl.upper), sc.iterable] + ([sc.key] if sc.key is not None else [])
        new = cst.Call(func=cst.parse_expression(spelled), args=plain_args(args))
        ctx.replace(sub, new.with_changes(lpar=sub.lpar, rpar=sub.rpar))
        done.append(f"`sorted(...)[:{ctx.code(sl.upper)}]` -> `{spelled}(...)`")
    return summarize(done, skipped, "`sorted(...)[:n]`")
