"""``any([...])``/``all([...])`` and ``sum([...])``/``max([...])``/``min([...])`` -> generator argument.

Preconditions (both): the function name is the builtin (not rebound in the function or module);
the list comprehension is the only positional argument (``sum`` may also have a start value,
then the generator keeps its parentheses); other arguments are keywords (``key=``, ``default=``).
``max([])`` and ``max(<empty generator>)`` raise the same ValueError, so no guard is needed.

``any``/``all`` stop early, so the skipped elements are never evaluated: the element and the
conditions must be free of side effects (no calls other than known pure builtins, string
methods, and functions named as predicates - ``is_*``, ``has_*``, ``can_*``, ``should_*`` - which
by convention only answer a question; no walrus); and when the iterable is a name used again later, it must be a known
re-iterable container, because a shared iterator would be consumed only partly (a parameter
is taken to be a container: an iterator parameter used twice would already be a bug).
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import is_param, iter_nodes, list_like, pure_expr, refs
from eco.draft.codemods.base import FunctionContext, builtin_free, codemod, summarize


def _gen(comp: cst.ListComp, bare: bool) -> cst.GeneratorExp:
    if bare:
        return cst.GeneratorExp(elt=comp.elt, for_in=comp.for_in, lpar=[], rpar=[])
    return cst.GeneratorExp(elt=comp.elt, for_in=comp.for_in)


def _rewrite(ctx: FunctionContext, funcs: set[str], short_circuit: bool) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for call in iter_nodes(ctx.func.body, cst.Call):
        assert isinstance(call, cst.Call)
        if not (isinstance(call.func, cst.Name) and call.func.value in funcs):
            continue
        fname = call.func.value
        pos = [a for a in call.args if a.keyword is None]
        if not pos or not isinstance(pos[0].value, cst.ListComp) or pos[0].star:
            continue
        comp = pos[0].value
        assert isinstance(comp, cst.ListComp)
        if not builtin_free(ctx, fname):
            skipped.append(f"`{fname}` is rebound here, not the builtin")
            continue
        if len(pos) > (2 if fname == "sum" else 1) or any(a.star for a in call.args):
            skipped.append(f"`{fname}` has extra positional arguments")
            continue
        if short_circuit:
            parts = [comp.elt, *comp.for_in.ifs]
            inner = comp.for_in.inner_for_in
            while inner is not None:
                parts += [inner.iter, *inner.ifs]
                inner = inner.inner_for_in
            if not all(pure_expr(ctx, p, predicates=True) for p in parts):
                skipped.append(f"`{fname}` stops early and the comprehension has calls that may have side effects")
                continue
            it = comp.for_in.iter
            if isinstance(it, cst.Name) and not list_like(ctx, it) and not is_param(ctx, it.value):
                later = [r for r in refs(ctx, it.value) if ctx.after(r, call)]
                if later:
                    skipped.append(f"`{it.value}` is used again later and may be an iterator")
                    continue
        bare = len(call.args) == 1
        ctx.replace(comp, _gen(comp, bare))
        done.append(f"`{fname}([...])` -> `{fname}(...)`")
    return summarize(done, skipped, f"{'/'.join(sorted(funcs))} over a list comprehension")


@codemod("any-all-list-comprehension", "any-all-generator",
         "`any([..])`/`all([..])` -> generator: stops at the first decisive element, builds no list.")
def run_any_all(ctx: FunctionContext) -> str:
    return _rewrite(ctx, {"any", "all"}, short_circuit=True)


@codemod("sum-list-comprehension", "sum-generator",
         "`sum([..])`/`max([..])`/`min([..])` -> generator argument: no temporary list.")
def run_sum(ctx: FunctionContext) -> str:
    return _rewrite(ctx, {"sum", "max", "min"}, short_circuit=False)
