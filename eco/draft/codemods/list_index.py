"""``xs.index(v)`` inside a loop -> a dict of first positions built once, keeping the ValueError path.

The call becomes ``(xs_pos[v] if v in xs_pos else xs.index(v))``: a present value is found in O(1);
an absent one still goes through ``list.index`` and raises the very same ValueError. The dict
``{value: i for i, value in reversed(list(enumerate(xs)))}`` keeps the *first* position of
duplicates, as ``index`` does.

Preconditions: as for count-in-loop - ``xs`` is a list/tuple on evidence (a str's ``index`` finds
substrings), with hashable elements on evidence, not assigned or mutated in the hoisting loop and
bound before it; ``index`` has exactly one argument; ``v`` is free of side effects (it is evaluated
twice) and not an obviously unhashable display.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import container_elems_hashable, hoist_loop, list_like, pure_expr
from eco.draft.codemods.base import FunctionContext, codemod, summarize
from eco.draft.codemods.count_in_loop import _UNHASHABLE, method_sites

SUMMARY = "`xs.index(v)` per iteration (O(n) each) -> dict of first positions built once before the loop."


@codemod("list-index-in-loop", "index-to-position-dict", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    placed: dict[tuple[int, str], str] = {}
    for call, xs, v in method_sites(ctx, "index"):
        loop, reason = hoist_loop(ctx, call.func.value)  # type: ignore[attr-defined]
        if loop is None:
            if reason != "not inside a loop":
                skipped.append(f"`{xs.value}` changes inside the loop: {reason}")
            continue
        if not list_like(ctx, xs):
            skipped.append(f"`{xs.value}` is not known to be a list (a str's index finds substrings)")
            continue
        if not container_elems_hashable(ctx, xs):
            skipped.append(f"elements of `{xs.value}` are not known to be hashable")
            continue
        if isinstance(v, _UNHASHABLE) or not pure_expr(ctx, v):
            skipped.append("the looked-up value is unhashable or has side effects")
            continue
        stmt = ctx.statement_of(loop)
        key = (id(stmt), xs.value)
        if key not in placed:
            var = ctx.fresh(f"{xs.value}_pos")
            # Comprehension variables are private to it, and its outermost iterable is evaluated
            # in the function's scope, so these fixed names cannot clash with anything.
            ctx.insert_before(stmt, f"{var} = {{item: pos for pos, item in reversed(list(enumerate({xs.value})))}}")
            placed[key] = var
        var = placed[key]
        vs = ctx.code(v).strip()
        bare = isinstance(ctx.parent(call), (cst.Arg, cst.Return, cst.Assign, cst.AnnAssign, cst.Element))
        text = f"{var}[{vs}] if {vs} in {var} else {xs.value}.index({vs})"
        new = cst.parse_expression(text if bare else f"({text})")
        ctx.replace(call, new)
        done.append(f"`{xs.value}.index(...)` -> `{var}` lookup (ValueError path kept)")
    return summarize(done, skipped, "`.index()` inside a loop")
