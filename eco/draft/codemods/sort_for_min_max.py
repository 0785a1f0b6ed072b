"""``sorted(x)[0]`` -> ``min(x)``, ``sorted(x)[-1]`` -> ``max(x)`` (and the ``reverse=True`` mirrors).

Preconditions:
- ``sorted`` is the builtin and its only other arguments are ``key=`` and a literal ``reverse=``.
- Ties: ``min``/``max`` return the *first* extreme element. That matches ``sorted(x, key=k)[0]`` and
  ``sorted(x, key=k, reverse=True)[0]`` (sorting is stable), but not ``[-1]``, which picks the
  *last* of equal keys; with a ``key=`` the ``[-1]`` forms are therefore refused. Without a key the
  elements compare equal themselves and are taken as interchangeable.
- Empty input: ``sorted([])[0]`` raises IndexError, ``min([])`` ValueError. The rewrite is made only
  where emptiness is ruled out: inside ``if x:`` / ``if len(x)`` / ``if len(x) > 0`` (also in an
  ``and``, a conditional expression, or ``while x:``), or after ``if not x: return/raise/continue/
  break`` with ``x`` not rebound in between. ``x`` is the sorted name, or the name a comprehension
  argument iterates over without a filter; or ``x`` iterates the values of a local dict that is
  only ever filled by ``d.setdefault(k, []).append(v)`` (every group has at least one element).
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import binding_stmt, bindings, iter_nodes, method_call, refs
from eco.draft.codemods.base import FunctionContext, builtin_free, codemod, plain_args, summarize
from eco.draft.codemods.sorted_call import SortedCall, read_sorted

SUMMARY = "`sorted(x)[0]`/`[-1]` -> `min(x)`/`max(x)`: one O(n) pass instead of an O(n log n) sort."


def _index(sl: cst.Subscript) -> int | None:
    if len(sl.slice) != 1 or not isinstance(sl.slice[0].slice, cst.Index):
        return None
    v = sl.slice[0].slice.value
    if isinstance(v, cst.Integer) and v.value == "0":
        return 0
    if isinstance(v, cst.UnaryOperation) and isinstance(v.operator, cst.Minus) and isinstance(v.expression, cst.Integer) \
            and v.expression.value == "1":
        return -1
    return None


def subject_name(e: cst.BaseExpression) -> str | None:
    """The name whose emptiness decides the emptiness of ``e``."""
    if isinstance(e, cst.Name):
        return e.value
    if isinstance(e, (cst.GeneratorExp, cst.ListComp)) and not e.for_in.ifs and e.for_in.inner_for_in is None:
        return subject_name(e.for_in.iter)
    if isinstance(e, cst.Call) and isinstance(e.func, cst.Attribute) and e.func.attr.value in {"values", "keys", "items"} \
            and not e.args:
        return subject_name(e.func.value)
    return None


def _nonempty_test(t: cst.BaseExpression, name: str) -> bool:
    if isinstance(t, cst.Name):
        return t.value == name
    if isinstance(t, cst.BooleanOperation) and isinstance(t.operator, cst.And):
        return _nonempty_test(t.left, name) or _nonempty_test(t.right, name)
    if isinstance(t, cst.Call) and isinstance(t.func, cst.Name) and t.func.value == "len" and len(t.args) == 1:
        return isinstance(t.args[0].value, cst.Name) and t.args[0].value.value == name
    if isinstance(t, cst.Comparison) and len(t.comparisons) == 1:
        op, right = t.comparisons[0].operator, t.comparisons[0].comparator
        if _nonempty_test(t.left, name) and isinstance(t.left, cst.Call) and isinstance(right, cst.Integer):
            return (isinstance(op, cst.GreaterThan) and right.value == "0") or (
                isinstance(op, cst.GreaterThanEqual) and right.value == "1") or (
                isinstance(op, cst.NotEqual) and right.value == "0")
    return False


def _empty_test(t: cst.BaseExpression, name: str) -> bool:
    if isinstance(t, cst.UnaryOperation) and isinstance(t.operator, cst.Not):
        return _nonempty_test(t.expression, name)
    if isinstance(t, cst.BooleanOperation) and isinstance(t.operator, cst.Or):
        return _empty_test(t.left, name) or _empty_test(t.right, name)
    if isinstance(t, cst.Comparison) and len(t.comparisons) == 1:
        op, right = t.comparisons[0].operator, t.comparisons[0].comparator
        left = t.left
        if isinstance(left, cst.Call) and _nonempty_test(left, name) and isinstance(right, cst.Integer):
            return isinstance(op, cst.Equal) and right.value == "0"
    return False


def _exits(body: cst.BaseSuite) -> bool:
    stmts = body.body if isinstance(body, cst.IndentedBlock) else [body]
    last = stmts[-1] if stmts else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1]
    elif isinstance(last, cst.SimpleStatementSuite):
        last = last.body[-1]
    return isinstance(last, (cst.Return, cst.Raise, cst.Continue, cst.Break))


def _grouped_values(ctx: FunctionContext, name: str) -> bool:
    """``name`` iterates the values of a local dict filled only by ``d.setdefault(k, []).append(v)``,
    so every value is a non-empty list."""
    for b in bindings(ctx, name):
        slot_par = ctx.parent(b)
        path_ok = False
        while isinstance(slot_par, (cst.Tuple, cst.Element)):
            if isinstance(slot_par, cst.Tuple):
                path_ok = len(slot_par.elements) == 2 and slot_par.elements[1].value is b
            slot_par = ctx.parent(slot_par)
        if not isinstance(slot_par, (cst.For, cst.CompFor)):
            return False
        it = slot_par.iter
        if not (isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and isinstance(it.func.value, cst.Name)
                and not it.args):
            return False
        meth = it.func.attr.value
        if not ((meth == "items" and path_ok) or (meth == "values" and slot_par.target is b)):
            return False
        d = it.func.value.value
        for r in refs(ctx, d):
            if r is it.func.value:
                continue
            stmt = binding_stmt(ctx, r)
            if stmt is not None and isinstance(stmt.value, cst.Dict) and not stmt.value.elements:
                continue
            mc = method_call(ctx, r)
            if mc is not None and mc[0] == "setdefault" and len(mc[1].args) == 2 and isinstance(
                    mc[1].args[1].value, cst.List) and not mc[1].args[1].value.elements:
                outer = ctx.parent(mc[1])
                if isinstance(outer, cst.Attribute) and outer.attr.value == "append" and isinstance(
                        ctx.parent(outer), cst.Call):
                    continue
            return False
    return bool(bindings(ctx, name))


def guarded(ctx: FunctionContext, node: cst.CSTNode, name: str) -> bool:
    """Is ``name`` known to be non-empty wherever ``node`` runs?"""
    if _grouped_values(ctx, name):
        return True
    child: cst.CSTNode = node
    for anc in ctx.ancestors(node):
        if isinstance(anc, (cst.If, cst.While)) and child is anc.body and _nonempty_test(anc.test, name):
            return True
        if isinstance(anc, cst.If) and child is anc.orelse and _empty_test(anc.test, name):
            return True
        if isinstance(anc, cst.IfExp):
            if child is anc.body and _nonempty_test(anc.test, name):
                return True
            if child is anc.orelse and _empty_test(anc.test, name):
                return True
        if isinstance(anc, cst.BooleanOperation) and isinstance(anc.operator, cst.And) and child is anc.right \
                and _nonempty_test(anc.left, name):
            return True
        if isinstance(anc, cst.IndentedBlock):
            for stmt in anc.body:
                if stmt is child:
                    break
                if isinstance(stmt, cst.If) and _empty_test(stmt.test, name) and _exits(stmt.body):
                    rebound = [b for b in bindings(ctx, name) if ctx.after(b, stmt) and not ctx.after(b, node)]
                    if not rebound:
                        return True
        child = anc
    return False


def _replacement(sc: SortedCall, fn: str) -> cst.Call:
    args = [sc.iterable] + ([sc.key] if sc.key is not None else [])
    return cst.Call(func=cst.Name(fn), args=plain_args(args))


@codemod("sort-for-min-max", "sorted-index-to-min-max", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for sub in iter_nodes(ctx.func.body, cst.Subscript):
        assert isinstance(sub, cst.Subscript)
        sc = read_sorted(ctx, sub.value)
        idx = _index(sub)
        if sc is None or idx is None:
            continue
        if isinstance(sc, str):
            skipped.append(sc)
            continue
        first = idx == 0
        fn = ("max" if sc.reverse else "min") if first else ("min" if sc.reverse else "max")
        if not first and sc.key is not None:
            skipped.append(f"`[-1]` with key= picks the last of equal keys, `{fn}` the first")
            continue
        if not builtin_free(ctx, fn):
            skipped.append(f"`{fn}` is rebound here")
            continue
        subj = subject_name(sc.iterable.value)
        if subj is None or not guarded(ctx, sub, subj):
            skipped.append("sorted(...)[i] raises IndexError on empty input where min/max raise ValueError, "
                           "and no emptiness guard was found")
            continue
        ctx.replace(sub, _replacement(sc, fn).with_changes(lpar=sub.lpar, rpar=sub.rpar))
        done.append(f"`sorted(...)[{idx}]` -> `{fn}(...)` (non-empty: guarded on `{subj}`)")
    return summarize(done, skipped, "`sorted(...)[0]`/`[-1]`")
