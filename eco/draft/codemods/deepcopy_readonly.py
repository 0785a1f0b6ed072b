"""``cfg = copy.deepcopy(X)`` where the copy is only ever read -> ``cfg = X``.

Preconditions:
- ``copy.deepcopy`` (or ``deepcopy`` imported from ``copy``) with one argument, assigned to a local
  bound exactly once;
- the copy never escapes or changes: every use of it - and of every value read out of it
  (``cfg[k]``, ``cfg.get(k)``, ``cfg.attr``, ``.items()``/``.values()``/``.keys()``, loop variables
  over it, ``tuple(...)``/``list(...)``/``sorted(...)`` of it, locals bound to any of these) - is a
  read: comparisons (not ``is``), arithmetic (also the right side of ``+=``), truth tests,
  f-strings, ``len``/``str``/``round``/
  ``sum``/``min``/``max``..., and the arguments of ``startswith``/``endswith``/``join``/``get``.
  Item or attribute assignment, mutating methods, returning, yielding, storing, passing to any
  other call, or capture by a closure refuses;
- nothing after the copy can change the original while the copy is in use: the rest of the
  function calls only known pure builtins and string/dict read methods.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import (
    in_nested_scope, iter_nodes, pure_expr, refs, single_assignment, store_slot,
)
from eco.draft.codemods.base import FunctionContext, codemod, summarize

SUMMARY = "`copy.deepcopy` of data that is only read -> use the data directly (no deep copy per call)."
_SCALAR_CALLS = {"len", "str", "int", "float", "bool", "round", "abs", "sum", "any", "all", "min", "max",
                 "isinstance", "repr", "hash"}
_VIEW_CALLS = {"tuple", "list", "sorted", "frozenset", "set"}
_VIEW_METHODS = {"get", "keys", "values", "items"}
_READ_ARG_METHODS = {"startswith", "endswith", "join", "format", "get", "count", "index"}


def _is_deepcopy(ctx: FunctionContext, call: cst.BaseExpression) -> bool:
    if not (isinstance(call, cst.Call) and len(call.args) == 1 and call.args[0].keyword is None
            and not call.args[0].star):
        return False
    f = call.func
    mod = ctx.module_ctx
    if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.attr.value == "deepcopy":
        return mod.imports.get(f.value.value) == ("copy", None)
    if isinstance(f, cst.Name):
        return mod.imports.get(f.value) == ("copy", "deepcopy")
    return False


def _target_names(t: cst.BaseExpression) -> list[str] | None:
    if isinstance(t, cst.Name):
        return [t.value]
    if isinstance(t, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in t.elements:
            sub = _target_names(el.value)
            if sub is None:
                return None
            out += sub
        return out
    return None


def _use_problem(ctx: FunctionContext, ref: cst.Name, derived: list[str]) -> str | None:
    if in_nested_scope(ctx, ref):
        return f"`{ref.value}` is captured by a nested function"
    node: cst.CSTNode = ref
    while True:
        par = ctx.parent(node)
        if isinstance(par, cst.Subscript) and par.value is node:
            node = par
            continue
        if isinstance(par, cst.Attribute) and par.value is node:
            call = ctx.parent(par)
            if isinstance(call, cst.Call) and call.func is par:
                if par.attr.value not in _VIEW_METHODS:
                    return f"`.{par.attr.value}()` is called on the copy"
                node = call
                continue
            node = par
            continue
        if isinstance(par, cst.Arg):
            call = ctx.parent(par)
            assert isinstance(call, cst.Call)
            if isinstance(call.func, cst.Name) and call.func.value in _VIEW_CALLS:
                node = call
                continue
        break
    if store_slot(ctx, node):
        return f"`{ctx.code(node).strip()[:40]}` is assigned to"
    par = ctx.parent(node)
    if isinstance(par, cst.Arg):
        call = ctx.parent(par)
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value in _SCALAR_CALLS:
            return None
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value in _READ_ARG_METHODS:
            return None
        return f"passed to `{ctx.code(call.func).strip() if isinstance(call, cst.Call) else '?'}`"
    if isinstance(par, cst.ComparisonTarget) and isinstance(par.operator, (cst.Is, cst.IsNot)):
        return "compared by identity"
    if isinstance(par, cst.Comparison) and any(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in par.comparisons):
        return "compared by identity"
    if isinstance(par, (cst.Comparison, cst.ComparisonTarget, cst.BinaryOperation, cst.UnaryOperation,
                        cst.BooleanOperation, cst.FormattedStringExpression)):
        return None
    if isinstance(par, (cst.If, cst.While, cst.IfExp)) and getattr(par, "test", None) is node:
        return None
    if isinstance(par, cst.AugAssign) and par.value is node:
        return None
    if isinstance(par, (cst.For, cst.CompFor)) and par.iter is node:
        names = _target_names(par.target)
        if names is None:
            return "iterated into a complex target"
        derived.extend(names)
        return None
    if isinstance(par, cst.AssignTarget):
        return "assigned to"
    if isinstance(par, (cst.Assign, cst.AnnAssign)) and par.value is node:
        tgt = par.targets[0].target if isinstance(par, cst.Assign) and len(par.targets) == 1 else (
            par.target if isinstance(par, cst.AnnAssign) else None)
        if isinstance(tgt, cst.Name):
            derived.append(tgt.value)
            return None
        return "stored into something other than a local name"
    return f"used as `{ctx.code(par).strip()[:40]}`"


@codemod("deepcopy-readonly", "drop-readonly-deepcopy", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for call in iter_nodes(ctx.func.body, cst.Call):
        if not _is_deepcopy(ctx, call):  # type: ignore[arg-type]
            continue
        par = ctx.parent(call)
        if not (isinstance(par, (cst.Assign, cst.AnnAssign)) and par.value is call):
            skipped.append("the deep copy is not assigned to a local")
            continue
        tgt = par.targets[0].target if isinstance(par, cst.Assign) else par.target
        if not isinstance(tgt, cst.Name) or single_assignment(ctx, tgt.value) is None:
            skipped.append("the copy is not a local bound exactly once")
            continue
        line = ctx.parent(par)
        later_impure = [s for s in ctx.func.body.body if ctx.after(s, line) and not pure_expr(ctx, s)]  # type: ignore[union-attr]
        if later_impure:
            skipped.append(f"the function calls something after the copy that could change the original "
                           f"(`{ctx.code(later_impure[0]).strip().splitlines()[0][:50]}`)")
            continue
        worklist, seen, problem = [tgt.value], set(), None
        while worklist and problem is None:
            name = worklist.pop()
            if name in seen:
                continue
            seen.add(name)
            for r in refs(ctx, name):
                if store_slot(ctx, r):
                    if name != tgt.value and store_slot(ctx, r) not in {"assign", "for"}:
                        problem = f"`{name}` is rebound"
                    continue
                problem = _use_problem(ctx, r, worklist)
                if problem:
                    problem = f"`{name}`: {problem}"
                    break
        if problem:
            skipped.append(problem)
            continue
        x = call.args[0].value  # type: ignore[attr-defined]
        ctx.replace(call, x.with_changes(lpar=[], rpar=[]) if isinstance(x, (cst.Name, cst.Attribute, cst.Subscript,
                                                                              cst.Call)) else x)
        done.append(f"`{tgt.value}` and everything read from it are only read ({len(seen)} name(s) checked)")
    return summarize(done, skipped, "`copy.deepcopy(...)` assignment")
