"""``xs.count(v)`` inside a loop -> ``xs_counts[v]`` with ``xs_counts = Counter(xs)`` built once before it.

Preconditions: ``xs`` is a list or tuple on evidence (display, comprehension, ``list()``/``sorted()``,
``.split()``, a parameter annotated ``list[...]``/``tuple[...]`` - not ``Sequence``, which admits a
str - or a module constant) - a str's ``count`` counts substrings, which a Counter does not; its
elements are hashable on evidence (including: the function already uses each element as a dict or
set key in an unconditional part of a ``for v in xs`` loop, so an unhashable one would already
raise TypeError there); it
is neither assigned nor mutated in the hoisting loop and is bound before it. ``Counter`` returns 0
for a missing value as ``count`` does, and counts by hash and ``==`` (``1``, ``1.0`` and ``True`` are
one key, as ``count`` treats them equal). The probe must not be an obviously unhashable display.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import container_elems_hashable, hoist_loop, iter_nodes, list_like
from eco.draft.codemods.base import FunctionContext, codemod, summarize

SUMMARY = "`xs.count(v)` per iteration (O(n) each) -> one `collections.Counter(xs)` before the loop."
_UNHASHABLE = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)


def method_sites(ctx: FunctionContext, method: str) -> list[tuple[cst.Call, cst.Name, cst.BaseExpression]]:
    out = []
    for call in iter_nodes(ctx.func.body, cst.Call):
        assert isinstance(call, cst.Call)
        f = call.func
        if isinstance(f, cst.Attribute) and f.attr.value == method and isinstance(f.value, cst.Name) \
                and len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:
            out.append((call, f.value, call.args[0].value))
    return out


@codemod("count-in-loop", "count-to-counter", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    placed: dict[tuple[int, str], str] = {}
    for call, xs, v in method_sites(ctx, "count"):
        loop, reason = hoist_loop(ctx, call.func.value)  # type: ignore[attr-defined]
        if loop is None:
            if reason != "not inside a loop":
                skipped.append(f"`{xs.value}` changes inside the loop: {reason}")
            continue
        if not list_like(ctx, xs, allow_sequence=False):
            skipped.append(f"`{xs.value}` is not known to be a list (a str's count counts substrings)")
            continue
        if not container_elems_hashable(ctx, xs):
            skipped.append(f"elements of `{xs.value}` are not known to be hashable")
            continue
        if isinstance(v, _UNHASHABLE):
            skipped.append("the counted value is unhashable")
            continue
        stmt = ctx.statement_of(loop)
        key = (id(stmt), xs.value)
        if key not in placed:
            spelled, line = ctx.module_ctx.resolve("collections", "Counter", ctx._taken, prefer_module=False)
            ctx.need_import(line)
            var = ctx.fresh(f"{xs.value}_counts")
            ctx.insert_before(stmt, f"{var} = {spelled}({xs.value})")
            placed[key] = var
        ctx.replace(call, cst.Subscript(value=cst.Name(placed[key]), slice=[cst.SubscriptElement(cst.Index(v))],
                                        lpar=call.lpar, rpar=call.rpar))
        done.append(f"`{xs.value}.count(...)` -> `{placed[key]}[...]`")
    return summarize(done, skipped, "`.count()` inside a loop")
