"""``r = r + [x]`` in a loop -> ``r.append(x)`` (``r.extend([x, y])`` for several elements).

Preconditions: the right operand is a list display; ``r`` is a local whose every binding is a fresh
list (display, comprehension, ``list(...)``, ``sorted(...)``) or such a concatenation - never a
parameter; and ``r`` is never aliased: no ``a = r``, no ``r`` inside a stored tuple/list/dict, not
passed to a call that may keep it (only builtins like ``len``/``sorted`` and ``print``), not
yielded, not captured by a closure. Then nothing else can observe that the list is now extended
in place instead of replaced. (Returning ``r`` is fine: the function is over.)
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import (
    SAFE_CALLS, binding_stmt, bindings, in_nested_scope, is_param, iter_nodes, loops_around, refs, store_slot,
)
from eco.draft.codemods.base import FunctionContext, codemod, summarize

SUMMARY = "`r = r + [x]` copies the list each iteration -> `r.append(x)` (amortised O(1))."


def _concat(stmt: cst.CSTNode) -> tuple[str, cst.List] | None:
    if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0].target, cst.Name):
        v, name = stmt.value, stmt.targets[0].target.value
        if isinstance(v, cst.BinaryOperation) and isinstance(v.operator, cst.Add) and isinstance(v.left, cst.Name) \
                and v.left.value == name and isinstance(v.right, cst.List):
            return name, v.right
    return None


def _fresh_list(v: cst.BaseExpression) -> bool:
    return isinstance(v, (cst.List, cst.ListComp)) or (
        isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value in {"list", "sorted"})


def _escape(ctx: FunctionContext, r: cst.Name, concat_lefts: set[int]) -> str | None:
    if id(r) in concat_lefts:
        return None
    if in_nested_scope(ctx, r):
        return "captured by a nested function"
    par = ctx.parent(r)
    if isinstance(par, cst.Attribute) and par.value is r:
        return None  # r.method(...) / r.attr: uses the object, does not alias it
    if isinstance(par, (cst.Subscript, cst.ComparisonTarget, cst.Comparison, cst.BinaryOperation, cst.UnaryOperation,
                        cst.If, cst.While, cst.BooleanOperation)):
        return None
    if isinstance(par, (cst.For, cst.CompFor)) and par.iter is r:
        return None
    if isinstance(par, cst.Return):
        return None
    if isinstance(par, cst.Arg):
        call = ctx.parent(par)
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value in SAFE_CALLS:
            return None
        return f"passed to `{ctx.code(call.func).strip() if isinstance(call, cst.Call) else '?'}`, which may keep it"
    return f"aliased or stored (`{ctx.code(par).strip()[:40]}`)"


@codemod("list-concat-in-loop", "list-concat-to-append", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    by_name: dict[str, list[tuple[cst.Assign, cst.List]]] = {}
    for stmt in iter_nodes(ctx.func.body, cst.Assign):
        c = _concat(stmt)
        if c and loops_around(ctx, stmt):
            by_name.setdefault(c[0], []).append((stmt, c[1]))  # type: ignore[arg-type]
    for name, sites in by_name.items():
        if is_param(ctx, name):
            skipped.append(f"`{name}` is a parameter: the caller's list must not change")
            continue
        concat_stmts = {id(s) for s, _ in sites}
        bad = None
        for b in bindings(ctx, name):
            stmt = binding_stmt(ctx, b)
            if stmt is None:
                bad = f"`{name}` is bound by {store_slot(ctx, b)}"
                break
            if id(stmt) not in concat_stmts and not (_concat(stmt) or _fresh_list(stmt.value)):  # type: ignore[arg-type]
                bad = f"`{name}` is bound to something that may not be a fresh list"
                break
        lefts = {id(s.value.left) for s, _ in sites}  # type: ignore[union-attr]
        if bad is None:
            for r in refs(ctx, name):
                if store_slot(ctx, r):
                    continue
                why = _escape(ctx, r, lefts)
                if why:
                    bad = f"`{name}` {why}"
                    break
        if bad:
            skipped.append(bad)
            continue
        for stmt, lst in sites:
            if not lst.elements:
                continue
            meth, arg = ("append", lst.elements[0].value) if len(lst.elements) == 1 and isinstance(
                lst.elements[0], cst.Element) else ("extend", lst)
            ctx.replace(stmt, cst.Expr(cst.Call(func=cst.Attribute(cst.Name(name), cst.Name(meth)),
                                                args=[cst.Arg(value=arg)])))
        done.append(f"`{name} = {name} + [...]` -> `{name}.append/extend` ({len(sites)} site(s)); `{name}` is never aliased")
    return summarize(done, skipped, "`r = r + [...]` in a loop")
