"""``s.startswith("a") or s.startswith("b")`` -> ``s.startswith(("a", "b"))`` (``endswith`` alike).

Preconditions: adjacent operands of one ``or`` chain (other operands stay where they are, so
nothing is evaluated in a different order); the same receiver, written identically and free of
side effects (a name or attribute chain); the same method; exactly one positional argument each,
a str/bytes literal or a tuple of them. ``str.startswith(tuple)`` is true when any prefix matches,
exactly as the chain, and both stop at the first match.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import iter_nodes
from eco.draft.codemods.base import FunctionContext, codemod, summarize

SUMMARY = "Chained `startswith`/`endswith` calls -> one call with a tuple of prefixes."


def _operands(e: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(e, cst.BooleanOperation) and isinstance(e.operator, cst.Or) and not e.lpar:
        return _operands(e.left) + _operands(e.right)
    return [e]


def _plain(e: cst.BaseExpression) -> bool:
    while isinstance(e, cst.Attribute):
        e = e.value
    return isinstance(e, cst.Name)


def _call(ctx: FunctionContext, e: cst.BaseExpression) -> tuple[str, str, list[str]] | None:
    """(receiver code, method, literal prefixes) for ``r.startswith(<literals>)``."""
    if not (isinstance(e, cst.Call) and isinstance(e.func, cst.Attribute)
            and e.func.attr.value in {"startswith", "endswith"} and _plain(e.func.value)
            and len(e.args) == 1 and e.args[0].keyword is None and not e.args[0].star):
        return None
    a = e.args[0].value
    lits = [a] if isinstance(a, (cst.SimpleString, cst.ConcatenatedString)) else (
        [el.value for el in a.elements] if isinstance(a, cst.Tuple) else [])
    if not lits or not all(isinstance(x, (cst.SimpleString, cst.ConcatenatedString)) for x in lits):
        return None
    return ctx.code(e.func.value).strip(), e.func.attr.value, [ctx.code(x).strip() for x in lits]


@codemod("startswith-or-chain", "merge-startswith-chain", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    seen: set[int] = set()
    for node in iter_nodes(ctx.func.body, cst.BooleanOperation):
        if id(node) in seen or not (isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or)):
            continue
        ops = _operands(node)
        for sub in iter_nodes(node, cst.BooleanOperation):
            seen.add(id(sub))
        groups: list[list[tuple[cst.BaseExpression, tuple[str, str, list[str]] | None]]] = []
        for op in ops:
            info = _call(ctx, op)
            if groups and info and groups[-1][-1][1] and groups[-1][-1][1][:2] == info[:2]:  # type: ignore[index]
                groups[-1].append((op, info))
            else:
                groups.append([(op, info)])
        if not any(len(g) > 1 for g in groups):
            continue
        parts = []
        for g in groups:
            if len(g) > 1:
                recv, meth, _ = g[0][1]  # type: ignore[misc]
                prefixes = [p for _, info in g for p in info[2]]  # type: ignore[index]
                parts.append(f"{recv}.{meth}(({', '.join(prefixes)}))")
                done.append(f"{len(g)} `{recv}.{meth}` calls merged")
            else:
                parts.append(ctx.code(g[0][0]).strip())
        ctx.replace(node, cst.parse_expression(" or ".join(parts)).with_changes(lpar=node.lpar, rpar=node.rpar))
    return summarize(done, [], "chain of `startswith`/`endswith` calls on one receiver")
