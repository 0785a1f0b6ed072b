"""``set(X)`` rebuilt on every iteration -> built once before the loop.

Preconditions: ``set``/``frozenset`` is the builtin, called with one argument ``X`` that has no side
effects (names, attributes, pure calls); ``X``'s names are neither assigned nor mutated (mutating
methods, item assignment, passing to unknown calls, closures) anywhere in the hoisting loop, and
all are bound before it; ``X`` is not a local known to be a one-shot iterator. The set itself must
only be read where it was built: right operand of ``in``/``not in``, operand of ``& | - ^``, receiver
of a non-mutating set method, or argument of ``len`` - never stored, so one shared set cannot leak
mutations across iterations. The set is built before the outermost loop in which all this holds
(even if that loop runs zero times; ``X`` is then only iterated, which is harmless for a container).
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import hoist_loop, iter_nodes, known_iterator, pure_expr
from eco.draft.codemods.base import FunctionContext, builtin_free, codemod, summarize

SUMMARY = "Loop-invariant `set(...)` rebuilt every iteration -> built once before the loop."
_READ_METHODS = {"issubset", "issuperset", "isdisjoint", "intersection", "union", "difference",
                 "symmetric_difference", "__contains__"}


def _read_only_use(ctx: FunctionContext, call: cst.Call) -> bool:
    par = ctx.parent(call)
    if isinstance(par, cst.ComparisonTarget) and par.comparator is call and isinstance(par.operator, (cst.In, cst.NotIn)):
        return True
    if isinstance(par, cst.BinaryOperation) and isinstance(par.operator, (cst.BitAnd, cst.BitOr, cst.Subtract, cst.BitXor)):
        return True
    if isinstance(par, cst.Attribute) and par.value is call and par.attr.value in _READ_METHODS:
        return True
    if isinstance(par, cst.Arg):
        outer = ctx.parent(par)
        return isinstance(outer, cst.Call) and isinstance(outer.func, cst.Name) and outer.func.value in {"len"}
    return False


@codemod("loop-invariant-set-construction", "hoist-invariant-set", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    placed: dict[tuple[int, str], str] = {}
    for call in iter_nodes(ctx.func.body, cst.Call):
        assert isinstance(call, cst.Call)
        if not (isinstance(call.func, cst.Name) and call.func.value in {"set", "frozenset"}):
            continue
        fn = call.func.value
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            continue
        x = call.args[0].value
        loop, reason = hoist_loop(ctx, call)
        if loop is None:
            if reason != "not inside a loop":
                skipped.append(f"`{fn}({ctx.code(x).strip()})` is not invariant: {reason}")
            continue
        if not builtin_free(ctx, fn):
            skipped.append(f"`{fn}` is rebound here")
            continue
        if not pure_expr(ctx, x) or known_iterator(ctx, x):
            skipped.append(f"`{ctx.code(x).strip()}` may have side effects or be a one-shot iterator")
            continue
        if not _read_only_use(ctx, call):
            skipped.append(f"the result of `{fn}(...)` is stored or mutated; one shared set would leak across iterations")
            continue
        stmt = ctx.statement_of(loop)
        key = (id(stmt), fn + ":" + ctx.code(x).strip())
        if key not in placed:
            base = x.value if isinstance(x, cst.Name) else (x.attr.value if isinstance(x, cst.Attribute) else "lookup")
            var = ctx.fresh(f"{base.lower()}_set")
            ctx.insert_before(stmt, f"{var} = {fn}({ctx.code(x).strip()})")
            placed[key] = var
        ctx.replace(call, cst.Name(placed[key]).with_changes(lpar=call.lpar, rpar=call.rpar))
        done.append(f"`{fn}({ctx.code(x).strip()})` built once as `{placed[key]}`")
    return summarize(done, skipped, "`set(...)` inside a loop")


def _read_only_list_use(ctx: FunctionContext, call: cst.Call) -> bool:
    """The sorted list is only read where it was built (so one shared list is safe)."""
    from eco.draft.codemods.missing_cache import module_function_pure

    par = ctx.parent(call)
    if isinstance(par, cst.Subscript) and par.value is call:
        return True
    if isinstance(par, (cst.For, cst.CompFor)) and par.iter is call:
        return True
    if isinstance(par, cst.ComparisonTarget) and par.comparator is call and isinstance(par.operator, (cst.In, cst.NotIn)):
        return True
    if isinstance(par, cst.Arg):
        outer = ctx.parent(par)
        if isinstance(outer, cst.Call) and isinstance(outer.func, cst.Name):
            name = outer.func.value
            if name in {"len", "min", "max", "sum", "any", "all", "tuple", "list", "set", "frozenset", "enumerate",
                        "zip", "reversed", "str", "repr"} and builtin_free(ctx, name):
                return True
            return module_function_pure(ctx.module_ctx, name)
    return False


def _key_ok(ctx: FunctionContext, arg: cst.Arg) -> bool:
    v = arg.value
    if isinstance(v, cst.Lambda):
        return pure_expr(ctx, v.body)
    return isinstance(v, cst.Name) and v.value in {"len", "abs", "str", "int", "float"} and builtin_free(ctx, v.value)


@codemod("loop-invariant-sort", "hoist-invariant-sort",
         "Loop-invariant `sorted(...)` redone every iteration -> sorted once before the loop.")
def run_sort(ctx: FunctionContext) -> str:
    """Same preconditions as the set hoist, for ``sorted(X[, key=..., reverse=...])``: the key is a
    lambda without side effects (or ``len``/``abs``/``str``...), ``reverse`` a literal, and the
    sorted list is only read in place (indexed, iterated, ``in``, given to ``len``/``min``/...
    or to a provably pure module function) - never stored, returned or mutated."""
    done: list[str] = []
    skipped: list[str] = []
    placed: dict[tuple[int, str], str] = {}
    for call in iter_nodes(ctx.func.body, cst.Call):
        assert isinstance(call, cst.Call)
        if not (isinstance(call.func, cst.Name) and call.func.value == "sorted"):
            continue
        pos = [a for a in call.args if a.keyword is None]
        if len(pos) != 1 or pos[0].star:
            continue
        kws = {a.keyword.value: a for a in call.args if a.keyword is not None}
        if set(kws) - {"key", "reverse"} or ("key" in kws and not _key_ok(ctx, kws["key"])) or (
                "reverse" in kws and not (isinstance(kws["reverse"].value, cst.Name)
                                          and kws["reverse"].value.value in {"True", "False"})):
            skipped.append("`sorted` has a key or arguments that may have side effects")
            continue
        loop, reason = hoist_loop(ctx, call)
        if loop is None:
            if reason != "not inside a loop":
                skipped.append(f"`{ctx.code(call).strip()}` is not invariant: {reason}")
            continue
        x = pos[0].value
        if not builtin_free(ctx, "sorted") or not pure_expr(ctx, x) or known_iterator(ctx, x):
            skipped.append(f"`{ctx.code(x).strip()}` may have side effects or be a one-shot iterator")
            continue
        if not _read_only_list_use(ctx, call):
            skipped.append("the sorted list is stored, returned or mutated; one shared list would leak across iterations")
            continue
        stmt = ctx.statement_of(loop)
        text = ctx.code(call).strip()
        key = (id(stmt), text)
        if key not in placed:
            base = x.value if isinstance(x, cst.Name) else "values"
            var = ctx.fresh(f"{base.lower()}_sorted" if base != "values" else "ordered")
            ctx.insert_before(stmt, f"{var} = {text}")
            placed[key] = var
        ctx.replace(call, cst.Name(placed[key]).with_changes(lpar=call.lpar, rpar=call.rpar))
        done.append(f"`{text}` sorted once as `{placed[key]}`")
    return summarize(done, skipped, "`sorted(...)` inside a loop")
