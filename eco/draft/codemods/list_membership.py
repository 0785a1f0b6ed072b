"""``x in some_list`` inside a loop -> ``x in some_set``.

Which lists qualify (elements must be hashable on evidence, never on hope):
- a local assigned exactly once, from a list/tuple display of literals, a comprehension whose
  element is hashable-looking (literal, f-string, ``str``/``int`` call, string method call, a name
  bound from those, a loop variable over ``.split()``/``.keys()``/``range``...), or ``[]``; and grown
  only by ``.append(e)`` statements whose ``e`` is hashable-looking and side-effect free;
- a parameter annotated ``list[str]``/``Sequence[int]``/``tuple[str, ...]`` (hashable elements);
- a module-level list/tuple of literals that nothing in the module mutates.

Rewrites:
- local list used only for ``in`` tests and appends -> becomes a set (``[]`` -> ``set()``, display ->
  set display, comprehension -> set comprehension, ``.append`` -> ``.add``): its order is never read;
- local list also read elsewhere (returned, iterated, ``len``, indexed, given to pure builtins) ->
  kept, with a set built alongside (``x_set = set(x)`` after the assignment, ``x_set.add(e)`` after
  each append) answering the ``in`` tests; any other use (mutating methods, passing to an unknown
  call, aliasing, closures) refuses;
- parameter or module constant -> ``x_set = set(x)`` built once before the outermost loop in which
  ``x`` is not mutated and which calls nothing that could mutate it (only pure builtins, methods
  of containers the function built, provably pure module functions), used by the tests inside.
The probe (left of ``in``) must not be an obviously unhashable display; an unhashable probe would
raise TypeError against a set where the list answered False.
"""

from __future__ import annotations

import ast

import libcst as cst

from eco.draft.codemods.analysis import (
    SAFE_CALLS, call_problem, container_elems_hashable, loop_region, hashable, is_param, iter_nodes, list_like, loops_around, method_call,
    mutation_reason, pure_expr, refs, single_assignment, store_slot,
)
from eco.draft.codemods.base import FunctionContext, codemod, summarize
from eco.draft.codemods.list_pop_front import _retype

SUMMARY = "`x in list` inside a loop -> `x in set` (O(1) hashing instead of a linear scan)."
_UNHASHABLE = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)


def _in_tests(ctx: FunctionContext) -> dict[str, list[cst.ComparisonTarget]]:
    out: dict[str, list[cst.ComparisonTarget]] = {}
    for t in iter_nodes(ctx.func.body, cst.ComparisonTarget):
        assert isinstance(t, cst.ComparisonTarget)
        if isinstance(t.operator, (cst.In, cst.NotIn)) and isinstance(t.comparator, cst.Name):
            out.setdefault(t.comparator.value, []).append(t)
    return out


def _probe(ctx: FunctionContext, t: cst.ComparisonTarget) -> cst.BaseExpression:
    comp = ctx.parent(t)
    assert isinstance(comp, cst.Comparison)
    idx = list(comp.comparisons).index(t)
    return comp.left if idx == 0 else comp.comparisons[idx - 1].comparator


def _as_set(ctx: FunctionContext, value: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(value, cst.List) and not value.elements:
        return cst.parse_expression("set()")
    if isinstance(value, cst.List):
        return cst.Set(elements=value.elements, lbrace=cst.LeftCurlyBrace(whitespace_after=value.lbracket.whitespace_after),
                       rbrace=cst.RightCurlyBrace(whitespace_before=value.rbracket.whitespace_before))
    if isinstance(value, cst.ListComp):
        return cst.SetComp(elt=value.elt, for_in=value.for_in)
    return cst.parse_expression(f"set({ctx.code(value)})")


def _classify(ctx: FunctionContext, ref: cst.Name, tests: set[int]) -> tuple[str, cst.CSTNode | None] | str:
    """('test'|'append'|'read', node) for a use of the list, or the reason it disqualifies."""
    par = ctx.parent(ref)
    if isinstance(par, cst.ComparisonTarget) and id(par) in tests:
        return ("test", par)
    mc = method_call(ctx, ref)
    if mc is not None and mc[0] == "append":
        call = mc[1]
        expr_stmt = ctx.parent(call)
        line = ctx.parent(expr_stmt) if isinstance(expr_stmt, cst.Expr) else None
        if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 and len(call.args) == 1):
            return "`.append(...)` is not a statement of its own"
        e = call.args[0].value
        if not (hashable(ctx, e) and pure_expr(ctx, e)):
            return f"appended value `{ctx.code(e)}` is not known to be hashable and side-effect free"
        return ("append", line)
    why = mutation_reason(ctx, ref)
    if why:
        return why
    if isinstance(par, cst.Return) or (isinstance(par, cst.Element) and isinstance(ctx.parent(ctx.parent(par)), cst.Return)):
        return ("read", None)
    if isinstance(par, cst.For) and par.iter is ref:
        return ("read", None)
    if isinstance(par, cst.CompFor) and par.iter is ref:
        return ("read", None)
    if isinstance(par, cst.Subscript) and par.value is ref and not store_slot(ctx, par):
        return ("read", None)
    if isinstance(par, cst.Arg):
        call = ctx.parent(par)
        if isinstance(call, cst.Call) and (
                (isinstance(call.func, cst.Name) and call.func.value in SAFE_CALLS)
                or (isinstance(call.func, cst.Attribute) and call.func.attr.value == "join")):
            return ("read", None)
    if isinstance(par, cst.ComparisonTarget):
        return ("read", None)
    return f"`{ref.value}` is used as `{ctx.code(par).strip()[:40]}`"


def _local(ctx: FunctionContext, name: str, tests: list[cst.ComparisonTarget], done: list[str]) -> str | None:
    sa = single_assignment(ctx, name)
    if sa is None:
        return f"`{name}` is bound more than once (or not by a plain assignment)"
    assign, line = sa
    if not container_elems_hashable(ctx, assign.value):
        return f"elements of `{name}` are not known to be hashable"
    test_ids = {id(t) for t in tests}
    uses: list[tuple[str, cst.CSTNode | None]] = []
    for r in refs(ctx, name):
        if store_slot(ctx, r):
            continue
        if not ctx.after(r, line):
            return f"`{name}` is used before its assignment"
        c = _classify(ctx, r, test_ids)
        if isinstance(c, str):
            return c
        uses.append(c)
    try:
        ctx.statement_of(line)
    except Exception:
        return f"`{name}` is assigned on a one-line suite"
    kinds = {k for k, _ in uses}
    if "read" not in kinds:
        ctx.replace(assign.value, _as_set(ctx, assign.value))
        _retype(ctx, assign, "set")
        for k, node in uses:
            if k == "append":
                call = node.body[0].value  # type: ignore[union-attr]
                ctx.replace(call.func.attr, cst.Name("add"))
        done.append(f"`{name}` is only used for `in` tests and appends: it is now a set")
        return None
    sname = ctx.fresh(f"{name.lower()}_set")
    init = "set()" if isinstance(assign.value, cst.List) and not assign.value.elements else f"set({name})"
    ctx.insert_after(line, f"{sname} = {init}")
    for k, node in uses:
        if k == "append":
            arg = node.body[0].value.args[0].value  # type: ignore[union-attr]
            ctx.insert_after(node, f"{sname}.add({ctx.code(arg).strip()})")  # type: ignore[arg-type]
        elif k == "test":
            ctx.replace(node.comparator, cst.Name(sname))  # type: ignore[union-attr]
    done.append(f"`{name}` is also read elsewhere: kept, with `{sname}` built alongside for the `in` tests")
    return None


def _hoist(ctx: FunctionContext, name: str, tests: list[cst.ComparisonTarget], done: list[str]) -> str | None:
    sname = ctx.fresh(f"{name.lower()}_set")
    placed: set[int] = set()
    hoisted = 0
    for t in tests:
        loops = loops_around(ctx, t)
        chosen = None
        for loop in loops:  # innermost first; widen while the list is not touched inside
            bad = [r for r in refs(ctx, name, loop) if r is not t.comparator and mutation_reason(ctx, r)]
            if bad or call_problem(ctx, loop_region(loop)):
                break
            chosen = loop
        if chosen is None:
            continue
        try:
            stmt = ctx.statement_of(chosen)
        except Exception:
            continue
        if id(stmt) not in placed:
            ctx.insert_before(stmt, f"{sname} = set({name})")
            placed.add(id(stmt))
        ctx.replace(t.comparator, cst.Name(sname))
        hoisted += 1
    if not hoisted:
        return f"`{name}` is mutated inside every loop that tests it"
    done.append(f"`set({name})` built once before the loop ({hoisted} test(s))")
    return None


@codemod("list-membership-in-loop", "list-to-set-membership", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for name, tests in _in_tests(ctx).items():
        if not any(loops_around(ctx, t) for t in tests):
            continue
        bad_probe = [t for t in tests if isinstance(_probe(ctx, t), _UNHASHABLE)]
        if bad_probe:
            skipped.append(f"a probe tested against `{name}` is unhashable")
            continue
        if not _is_list(ctx, name):
            skipped.append(f"`{name}` is not known to be a list or tuple (a set or dict already answers `in` in O(1))")
            continue
        param = is_param(ctx, name)
        local_sites = [r for r in refs(ctx, name, ctx.func) if store_slot(ctx, r) and store_slot(ctx, r) != "param"]
        if param is None and local_sites:
            why = _local(ctx, name, tests, done)
        elif not local_sites:
            if not container_elems_hashable(ctx, cst.Name(name)):
                why = f"elements of `{name}` are not known to be hashable (annotate it list[str] or similar)"
            else:
                why = _hoist(ctx, name, [t for t in tests if loops_around(ctx, t)], done)
        else:
            why = f"parameter `{name}` is rebound in the function"
        if why:
            skipped.append(why)
    return summarize(done, skipped, "`in` test against a list inside a loop")


def _is_list(ctx: FunctionContext, name: str) -> bool:
    """A list or tuple on evidence: local built as one, parameter annotated as one, or a module
    list/tuple display (sets, frozensets and dicts are left alone)."""
    if is_param(ctx, name) is None and not [r for r in refs(ctx, name, ctx.func) if store_slot(ctx, r)]:
        return isinstance(ctx.module_ctx.constant_list(name), (ast.List, ast.Tuple))
    return list_like(ctx, cst.Name(name))
