"""``for x in list(xs):`` -> ``for x in xs:`` when the loop cannot change ``xs``.

Preconditions: ``list`` is the builtin, with one argument built from names, attributes and pure
calls (``d.items()``, ``range(...)``, ``enumerate(xs)``...); inside the loop body none of its names is
assigned, deleted, mutated (mutating methods, item or attribute assignment), passed to a call that
is not a known pure builtin (``next(it)`` would consume an iterator), or captured by a closure; and
when the argument goes through an attribute (``self.items``), no method is called on its root
object in the body (it could mutate the attribute); and every call in the body is a known pure
builtin or string/dict read, a method of a container the function built itself, or a module
function that is provably pure (a callback could otherwise mutate the collection through an
alias, and iterating it directly would then fail). Iterating the original yields the same
elements in the same order as iterating its copy, without allocating the copy.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import call_problem, free_names, iter_nodes, mutation_reason, pure_expr, refs
from eco.draft.codemods.base import FunctionContext, builtin_free, codemod, summarize

SUMMARY = "`for x in list(xs)` copies `xs` for nothing -> `for x in xs` (the loop never changes `xs`)."


@codemod("needless-list-copy", "drop-needless-list-copy", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for loop in iter_nodes(ctx.func.body, cst.For):
        assert isinstance(loop, cst.For)
        it = loop.iter
        if not (isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "list"
                and len(it.args) == 1 and it.args[0].keyword is None and not it.args[0].star):
            continue
        x = it.args[0].value
        if not builtin_free(ctx, "list"):
            skipped.append("`list` is rebound here")
            continue
        if not pure_expr(ctx, x):
            skipped.append(f"`{ctx.code(x).strip()}` may have side effects")
            continue
        why = None
        through_attr = any(isinstance(n, cst.Attribute) and not (isinstance(ctx.parent(n), cst.Call))
                           for n in iter_nodes(x, cst.Attribute))
        for name in free_names(ctx, x):
            for r in refs(ctx, name, loop.body):
                why = mutation_reason(ctx, r)
                if why is None and through_attr:
                    par = ctx.parent(r)
                    while isinstance(par, cst.Attribute):
                        nxt = ctx.parent(par)
                        if isinstance(nxt, cst.Call) and nxt.func is par:
                            why = f"`{ctx.code(par).strip()}()` may change `{ctx.code(x).strip()}`"
                            break
                        par = nxt
                if why:
                    break
            if why:
                break
        why = why or call_problem(ctx, [loop.body])
        if why:
            skipped.append(why)
            continue
        ctx.replace(it, x.with_changes(lpar=it.lpar, rpar=it.rpar) if hasattr(x, "lpar") else x)
        done.append(f"`for ... in list({ctx.code(x).strip()})` -> iterate `{ctx.code(x).strip()}` directly")
    return summarize(done, skipped, "`for ... in list(...)`")
