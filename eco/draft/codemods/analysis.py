"""Small, conservative facts about names and expressions inside one function.

Python gives us no types, so every question here answers "yes" only on evidence visible in the
code: literals, the shape of the expression that built a value, a parameter annotation, a
module-level constant nobody mutates. "Unknown" is always treated as "no".
"""

from __future__ import annotations

import ast
from typing import Iterator, Sequence

import libcst as cst

from eco.draft.codemods.base import FunctionContext, walk
from eco.draft.codemods.modctx import MUTATING_METHODS

COMPS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
LOOPS = (cst.For, cst.While) + COMPS
NESTED_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
# Builtins that neither keep nor mutate the containers passed to them.
SAFE_CALLS = frozenset(
    "len sorted list tuple set frozenset sum min max any all enumerate zip reversed str repr "
    "isinstance id hash bool print int float abs round ord chr".split()
)
STR_METHODS = frozenset(
    "lower upper strip lstrip rstrip casefold title replace format capitalize removeprefix "
    "removesuffix zfill swapcase join encode decode center ljust rjust expandtabs".split()
)
STR_LIST_METHODS = frozenset("split rsplit splitlines".split())
HASHABLE_TYPES = frozenset("str int float bool bytes complex None".split())
LIST_TYPES = frozenset("list List Sequence MutableSequence tuple Tuple set Set frozenset FrozenSet".split())


# --- references -------------------------------------------------------------------------------
def is_ref(ctx: FunctionContext, node: cst.Name) -> bool:
    """A variable reference, not an attribute name, keyword, or the function's own name."""
    par = ctx.parent(node)
    if isinstance(par, cst.Attribute) and par.attr is node:
        return False
    if isinstance(par, cst.Arg) and par.keyword is node:
        return False
    if isinstance(par, (cst.FunctionDef, cst.ClassDef)) and par.name is node:
        return False
    if isinstance(par, (cst.ImportAlias, cst.ImportFrom)):
        return False
    return True


def refs(ctx: FunctionContext, name: str, within: cst.CSTNode | None = None) -> list[cst.Name]:
    """References to ``name`` under ``within`` (default: the function body), in source order."""
    index = ctx.cache.get("refs")
    if index is None:
        index = {}
        for n in walk(ctx.func):
            if isinstance(n, cst.Name) and is_ref(ctx, n):
                index.setdefault(n.value, []).append(n)
        ctx.cache["refs"] = index
    found = index.get(name, [])
    root = within if within is not None else ctx.func.body
    if root is ctx.func:
        return list(found)
    return [n for n in found if ctx.inside(n, root)]


def in_nested_scope(ctx: FunctionContext, node: cst.CSTNode) -> bool:
    return any(isinstance(a, NESTED_SCOPES) for a in ctx.ancestors(node))


def store_slot(ctx: FunctionContext, node: cst.CSTNode) -> str | None:
    """If ``node`` is (part of) a binding target, what binds it: 'assign', 'for', 'del', ..."""
    child, par = node, ctx.parent(node)
    while isinstance(par, (cst.Tuple, cst.List, cst.Element, cst.StarredElement)):
        child, par = par, ctx.parent(par)
    if isinstance(par, cst.AssignTarget):
        return "assign"
    if isinstance(par, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr)) and par.target is child:
        return "aug" if isinstance(par, cst.AugAssign) else "assign"
    if isinstance(par, (cst.For, cst.CompFor)) and par.target is child:
        return "for"
    if isinstance(par, cst.AsName):
        return "as"
    if isinstance(par, cst.Del):
        return "del"
    if isinstance(par, cst.Param) and par.name is child:
        return "param"
    if isinstance(par, (cst.Global, cst.Nonlocal, cst.NameItem)):
        return "global"
    return None


def method_call(ctx: FunctionContext, ref: cst.Name) -> tuple[str, cst.Call] | None:
    """``ref.meth(...)`` -> (meth, call)."""
    par = ctx.parent(ref)
    if isinstance(par, cst.Attribute) and par.value is ref:
        call = ctx.parent(par)
        if isinstance(call, cst.Call) and call.func is par:
            return par.attr.value, call
    return None


def call_name(call: cst.CSTNode) -> str | None:
    if isinstance(call, cst.Call):
        if isinstance(call.func, cst.Name):
            return call.func.value
        if isinstance(call.func, cst.Attribute):
            return call.func.attr.value
    return None


def arg_of_call(ctx: FunctionContext, node: cst.CSTNode) -> cst.Call | None:
    par = ctx.parent(node)
    if isinstance(par, cst.Arg) and par.value is node:
        call = ctx.parent(par)
        if isinstance(call, cst.Call):
            return call
    return None


def mutation_reason(ctx: FunctionContext, ref: cst.Name, allow: frozenset[str] = frozenset()) -> str | None:
    """Why this reference may change (or let something change) the object it names, or None."""
    name = ref.value
    if in_nested_scope(ctx, ref):
        return f"`{name}` is used in a nested function or lambda"
    slot = store_slot(ctx, ref)
    if slot is not None:
        return f"`{name}` is rebound ({slot})"
    mc = method_call(ctx, ref)
    if mc is not None and mc[0] in MUTATING_METHODS and mc[0] not in allow:
        return f"`{name}.{mc[0]}()` mutates it"
    par = ctx.parent(ref)
    if isinstance(par, (cst.Subscript, cst.Attribute)) and par.value is ref and store_slot(ctx, par):
        return f"an item or attribute of `{name}` is assigned"
    call = arg_of_call(ctx, ref)
    if call is not None and not (isinstance(call.func, cst.Name) and call.func.value in SAFE_CALLS):
        return f"`{name}` is passed to `{ctx.code(call.func).strip()}()`, which may mutate or keep it"
    return None


def binding_stmt(ctx: FunctionContext, site: cst.Name) -> cst.Assign | cst.AnnAssign | None:
    """The ``name = value`` / ``name: T = value`` statement binding ``site`` as a whole, if it is one."""
    par = ctx.parent(site)
    if isinstance(par, cst.AssignTarget):
        stmt = ctx.parent(par)
        if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
            return stmt
        return None
    if isinstance(par, cst.AnnAssign) and par.target is site and par.value is not None:
        return par
    return None


def bindings(ctx: FunctionContext, name: str) -> list[cst.Name]:
    return [r for r in refs(ctx, name, ctx.func) if store_slot(ctx, r)]


def is_param(ctx: FunctionContext, name: str) -> cst.Param | None:
    for p in _params(ctx.func):
        if p.name.value == name:
            return p
    return None


def _params(func: cst.FunctionDef) -> list[cst.Param]:
    ps = func.params
    out = [*ps.posonly_params, *ps.params, *ps.kwonly_params]
    return out


def is_local(ctx: FunctionContext, name: str) -> bool:
    """Bound in this function (assignment or parameter) and not declared global/nonlocal."""
    sites = bindings(ctx, name)
    return bool(sites) and not any(store_slot(ctx, s) == "global" for s in sites)


# --- loops ------------------------------------------------------------------------------------
def loops_around(ctx: FunctionContext, node: cst.CSTNode) -> list[cst.CSTNode]:
    """Loops (statements and comprehensions) in which ``node`` is evaluated repeatedly, innermost first."""
    out: list[cst.CSTNode] = []
    child: cst.CSTNode = node
    for par in ctx.ancestors(node):
        if isinstance(par, cst.For) and (child is par.body or child is par.target):
            out.append(par)
        elif isinstance(par, cst.While) and (child is par.body or child is par.test):
            out.append(par)
        elif isinstance(par, cst.CompFor):
            outermost = isinstance(ctx.parent(par), COMPS)
            if not (outermost and child is par.iter):
                comp = next(a for a in ctx.ancestors(par) if isinstance(a, COMPS))
                if comp not in out:
                    out.append(comp)
        elif isinstance(par, COMPS) and child is not par.for_in and par not in out:
            out.append(par)
        child = par
    return out


def loop_region(loop: cst.CSTNode) -> list[cst.CSTNode]:
    """The parts of a loop that run on every iteration."""
    if isinstance(loop, cst.For):
        return [loop.target, loop.body]
    if isinstance(loop, cst.While):
        return [loop.test, loop.body]
    parts: list[cst.CSTNode] = []
    for attr in ("elt", "key", "value"):
        if hasattr(loop, attr):
            parts.append(getattr(loop, attr))
    cf: cst.CompFor | None = loop.for_in  # type: ignore[attr-defined]
    first = True
    while cf is not None:
        parts.append(cf.target)
        if not first:
            parts.append(cf.iter)
        parts.extend(cf.ifs)
        first = False
        cf = cf.inner_for_in
    return parts


def refs_in_region(ctx: FunctionContext, name: str, region: Sequence[cst.CSTNode]) -> list[cst.Name]:
    return [r for part in region for r in refs(ctx, name, part)]


def assigned_in(ctx: FunctionContext, region: Sequence[cst.CSTNode]) -> set[str]:
    out: set[str] = set()
    for part in region:
        for n in walk(part):
            if isinstance(n, cst.Name) and is_ref(ctx, n) and store_slot(ctx, n):
                out.add(n.value)
    return out


def free_names(ctx: FunctionContext, node: cst.CSTNode) -> set[str]:
    """Names ``node`` reads from outside: lambda parameters and comprehension variables bound
    inside it do not count."""
    names = [n for n in walk(node) if isinstance(n, cst.Name) and is_ref(ctx, n)]
    inner = {n.value for n in names if store_slot(ctx, n) in {"param", "for"}}
    return {n.value for n in names} - inner


def inside_try_or_with(ctx: FunctionContext, node: cst.CSTNode) -> bool:
    return any(isinstance(a, (cst.Try, cst.TryStar, cst.With)) for a in ctx.ancestors(node))


# --- purity -----------------------------------------------------------------------------------
PREDICATE_PREFIXES = ("is_", "has_", "can_", "should_")


def pure_expr(ctx: FunctionContext, node: cst.CSTNode, predicates: bool = False) -> bool:
    """No calls except to known side-effect-free builtins and string methods; no walrus/yield/await.

    With ``predicates``, calls of plain functions named ``is_*``/``has_*``/``can_*``/``should_*``
    count as pure too (used where the only risk is skipping a call, as in ``any``/``all``)."""
    for n in walk(node):
        if isinstance(n, (cst.NamedExpr, cst.Yield, cst.Await, cst.Lambda)):
            return False
        if isinstance(n, cst.Call):
            f = n.func
            if isinstance(f, cst.Name) and f.value in SAFE_CALLS - {"print"}:
                continue
            if predicates and isinstance(f, cst.Name) and f.value.startswith(PREDICATE_PREFIXES):
                continue
            if isinstance(f, cst.Attribute) and f.attr.value in (
                STR_METHODS | STR_LIST_METHODS | {"startswith", "endswith", "isdigit", "isalpha", "isalnum",
                                                  "isspace", "isupper", "islower", "get", "keys", "values",
                                                  "items", "count", "index", "find", "rfind"}
            ):
                continue
            return False
    return True


# --- hashability and container shapes ----------------------------------------------------------
def _ann_code(ctx: FunctionContext, p: cst.Param) -> str:
    return ctx.code(p.annotation.annotation).strip() if p.annotation is not None else ""


def hashable_annotation(text: str) -> bool:
    text = text.replace(" ", "")
    if not text:
        return False
    if "|" in text:
        return all(hashable_annotation(t) for t in text.split("|"))
    if text.startswith(("Optional[", "typing.Optional[")) and text.endswith("]"):
        return hashable_annotation(text[text.index("[") + 1 : -1])
    if text.startswith(("tuple[", "Tuple[", "frozenset[", "FrozenSet[")) and text.endswith("]"):
        inner = text[text.index("[") + 1 : -1]
        return all(hashable_annotation(t) for t in _split_top(inner) if t != "...")
    return text in HASHABLE_TYPES


def container_annotation_elems(text: str) -> bool:
    """``list[str]``, ``Sequence[int]``, ``tuple[str, ...]``: a re-iterable container of hashables."""
    text = text.replace(" ", "")
    for prefix in LIST_TYPES:
        for p in (prefix, f"typing.{prefix}"):
            if text.startswith(p + "[") and text.endswith("]"):
                inner = [t for t in _split_top(text[len(p) + 1 : -1]) if t != "..."]
                return bool(inner) and all(hashable_annotation(t) for t in inner)
    return False


def _split_top(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def hashable(ctx: FunctionContext, e: cst.CSTNode, depth: int = 0) -> bool:
    """Evidence that ``e`` evaluates to a hashable value (str, number, tuple of those...)."""
    if depth > 6:
        return False
    if isinstance(e, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.ConcatenatedString,
                      cst.FormattedString)):
        return True
    if isinstance(e, cst.Name):
        if e.value in {"None", "True", "False"}:
            return True
        return _name_hashable(ctx, e.value, depth + 1)
    if isinstance(e, cst.Tuple):
        return all(isinstance(el, cst.Element) and hashable(ctx, el.value, depth + 1) for el in e.elements)
    if isinstance(e, cst.Call):
        if isinstance(e.func, cst.Name) and e.func.value in {"str", "int", "float", "bool", "len", "ord", "chr",
                                                             "hash", "repr", "round", "abs", "frozenset", "bytes"}:
            return True
        if isinstance(e.func, cst.Attribute) and e.func.attr.value in STR_METHODS:
            return True
        return False
    if isinstance(e, cst.BinaryOperation):
        return hashable(ctx, e.left, depth + 1) and hashable(ctx, e.right, depth + 1)
    if isinstance(e, cst.UnaryOperation):
        return hashable(ctx, e.expression, depth + 1)
    if isinstance(e, (cst.Comparison, cst.BooleanOperation)):
        return isinstance(e, cst.Comparison) or (hashable(ctx, e.left, depth + 1) and hashable(ctx, e.right, depth + 1))
    if isinstance(e, cst.IfExp):
        return hashable(ctx, e.body, depth + 1) and hashable(ctx, e.orelse, depth + 1)
    return False


def _name_hashable(ctx: FunctionContext, name: str, depth: int) -> bool:
    p = is_param(ctx, name)
    sites = bindings(ctx, name)
    if p is not None:
        ann = _ann_code(ctx, p)
        ok = hashable_annotation(ann) or (not ann and p.default is not None and hashable(ctx, p.default, depth)
                                         and not isinstance(p.default, cst.Name))
        if not ok:
            return False
        sites = [s for s in sites if store_slot(ctx, s) != "param"]
    elif not sites:
        value = ctx.module_ctx.constant_list(name)
        return value is not None and _ast_hashable(value)
    for s in sites:
        if not _site_hashable(ctx, s, depth):
            return False
    return True


def _site_hashable(ctx: FunctionContext, site: cst.Name, depth: int) -> bool:
    slot = store_slot(ctx, site)
    if slot == "assign":
        stmt = binding_stmt(ctx, site)
        if stmt is not None:
            return hashable(ctx, stmt.value, depth)
        par = ctx.parent(site)
        if isinstance(par, cst.NamedExpr):
            return hashable(ctx, par.value, depth)
        return False
    if slot == "for":
        # Find the loop and the position of the name in its target.
        child, par = site, ctx.parent(site)
        path: list[int] = []
        while isinstance(par, (cst.Tuple, cst.List, cst.Element)):
            if isinstance(par, (cst.Tuple, cst.List)):
                path.append(next(i for i, el in enumerate(par.elements) if el is child))
            child, par = par, ctx.parent(par)
        assert isinstance(par, (cst.For, cst.CompFor))
        return iter_elems_hashable(ctx, par.iter, list(reversed(path)), depth)
    if slot == "aug":
        return False
    return False


def iter_elems_hashable(ctx: FunctionContext, it: cst.CSTNode, path: list[int], depth: int) -> bool:
    """Are the elements (or the element at ``path`` inside each tuple) of iterating ``it`` hashable?"""
    if depth > 6:
        return False
    if isinstance(it, cst.Call):
        f, args = it.func, [a.value for a in it.args if a.keyword is None and not a.star]
        if isinstance(f, cst.Attribute):
            m = f.attr.value
            if m in STR_LIST_METHODS or m == "keys":
                return not path
            if m == "items":
                return path[:1] == [0] and len(path) == 1
            if m in {"findall"}:
                return True
        if isinstance(f, cst.Name):
            if f.value == "range":
                return not path
            if f.value == "enumerate" and path:
                return path[0] == 0 and len(path) == 1 or (path[0] == 1 and bool(args)
                                                           and iter_elems_hashable(ctx, args[0], path[1:], depth + 1))
            if f.value == "zip" and path and path[0] < len(args):
                return iter_elems_hashable(ctx, args[path[0]], path[1:], depth + 1)
            if f.value in {"sorted", "list", "set", "tuple", "reversed", "frozenset"} and args:
                return iter_elems_hashable(ctx, args[0], path, depth + 1)
        return False
    if path:
        return False
    return container_elems_hashable(ctx, it, depth + 1)


def container_elems_hashable(ctx: FunctionContext, e: cst.CSTNode, depth: int = 0) -> bool:
    """Evidence that every element of the container ``e`` is hashable."""
    if depth > 6:
        return False
    if isinstance(e, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(el, cst.Element) and hashable(ctx, el.value, depth + 1) for el in e.elements)
    if isinstance(e, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return hashable(ctx, e.elt, depth + 1)
    if isinstance(e, (cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(e, cst.Call):
        return iter_elems_hashable(ctx, e, [], depth + 1)
    if isinstance(e, cst.Name):
        if hashed_by_loop(ctx, e.value):
            return True
        p = is_param(ctx, e.value)
        sites = bindings(ctx, e.value)
        if p is not None:
            if not container_annotation_elems(_ann_code(ctx, p)):
                return False
            sites = [s for s in sites if store_slot(ctx, s) != "param"]
        elif not sites:
            value = ctx.module_ctx.constant_list(e.value)
            return value is not None and isinstance(value, (ast.List, ast.Tuple, ast.Set)) and all(
                _ast_hashable(v) for v in value.elts
            )
        for s in sites:
            par = ctx.parent(s)
            stmt = binding_stmt(ctx, s)
            if not (stmt is not None and container_elems_hashable(ctx, stmt.value, depth + 1)):
                return False
        return True
    return False


def list_like(ctx: FunctionContext, e: cst.CSTNode, depth: int = 0, allow_sequence: bool = True) -> bool:
    """Evidence that ``e`` is a list or tuple (not a str, whose ``count``/``index`` mean substrings)."""
    if depth > 6:
        return False
    if isinstance(e, (cst.List, cst.ListComp, cst.Tuple)):
        return True
    if isinstance(e, cst.Call):
        if isinstance(e.func, cst.Name) and e.func.value in {"list", "sorted", "tuple"}:
            return True
        if isinstance(e.func, cst.Attribute) and e.func.attr.value in STR_LIST_METHODS | {"readlines"}:
            return True
        return False
    if isinstance(e, cst.Name):
        p = is_param(ctx, e.value)
        sites = bindings(ctx, e.value)
        if p is not None:
            ann = _ann_code(ctx, p).replace(" ", "")
            kinds = ("list", "List", "tuple", "Tuple", "typing.List") + (("Sequence", "typing.Sequence")
                                                                          if allow_sequence else ())
            if not ann.startswith(kinds):
                return False
            sites = [s for s in sites if store_slot(ctx, s) != "param"]
        elif not sites:
            value = ctx.module_ctx.constant_list(e.value)
            return isinstance(value, (ast.List, ast.Tuple))
        for s in sites:
            par = ctx.parent(s)
            stmt = binding_stmt(ctx, s)
            if not (stmt is not None and list_like(ctx, stmt.value, depth + 1, allow_sequence)):
                return False
        return True
    return False


def _ast_hashable(v: ast.expr) -> bool:
    if isinstance(v, ast.Constant):
        return True
    if isinstance(v, ast.Tuple):
        return all(_ast_hashable(x) for x in v.elts)
    return False


def single_assignment(ctx: FunctionContext, name: str) -> tuple[cst.Assign | cst.AnnAssign, cst.BaseStatement] | None:
    """The one ``name = value`` (or ``name: T = value``) statement binding a local, if that is its only binding."""
    sites = bindings(ctx, name)
    if len(sites) != 1 or store_slot(ctx, sites[0]) != "assign":
        return None
    assign = binding_stmt(ctx, sites[0])
    if assign is None:
        return None
    line = ctx.parent(assign)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    return assign, line


def iter_nodes(root: cst.CSTNode, kind: type | tuple[type, ...]) -> Iterator[cst.CSTNode]:
    return (n for n in walk(root) if isinstance(n, kind))


def invariant_problem(ctx: FunctionContext, e: cst.CSTNode, loop: cst.CSTNode) -> str | None:
    """Why ``e`` may change from one iteration of ``loop`` to the next, or None."""
    names = free_names(ctx, e)
    assigned = assigned_in(ctx, loop_region(loop))
    hit = names & assigned
    if hit:
        return f"`{sorted(hit)[0]}` is assigned inside the loop"
    for name in names:
        for r in refs_in_region(ctx, name, loop_region(loop)):
            if ctx.inside(r, e):
                continue
            why = mutation_reason(ctx, r)
            if why:
                return why
    return None


def hoist_loop(ctx: FunctionContext, e: cst.CSTNode) -> tuple[cst.CSTNode | None, str]:
    """The outermost loop around ``e`` in which ``e`` is invariant (None and the reason if none)."""
    chosen, reason = None, "not inside a loop"
    for loop in loops_around(ctx, e):
        why = invariant_problem(ctx, e, loop) or call_problem(ctx, loop_region(loop), skip=[e, ctx.parent(e) or e])
        if why:
            reason = why
            break
        chosen = loop
    if chosen is not None:
        # Every name must already be bound when the hoisted statement runs.
        try:
            stmt = ctx.statement_of(chosen)
        except Exception as exc:
            return None, str(exc)
        for name in free_names(ctx, e):
            sites = [b for b in bindings(ctx, name) if store_slot(ctx, b) != "param"]
            if sites and not is_param(ctx, name) and not any(ctx.after(stmt, b) for b in sites):
                return None, f"`{name}` is first bound inside the loop"
            if any(store_slot(ctx, b) == "for" and ctx.inside(b, chosen) for b in sites):
                return None, f"`{name}` is a loop variable"
    return chosen, reason


def known_iterator(ctx: FunctionContext, e: cst.CSTNode) -> bool:
    """``e`` is a local known to hold a one-shot iterator (generator, map, filter, iter, zip, open)."""
    if not isinstance(e, cst.Name):
        return False
    for b in bindings(ctx, e.value):
        stmt = binding_stmt(ctx, b)
        if stmt is not None:
            v = stmt.value
            if isinstance(v, cst.GeneratorExp) or (isinstance(v, cst.Call) and isinstance(v.func, cst.Name)
                                                   and v.func.value in {"iter", "map", "filter", "zip", "open",
                                                                        "reversed", "enumerate"}):
                return True
    return False


def _dict_like_local(ctx: FunctionContext, name: str) -> bool:
    sites = bindings(ctx, name)
    if not sites:
        return False
    for b in sites:
        stmt = binding_stmt(ctx, b)
        v = stmt.value if stmt is not None else None
        if not (isinstance(v, (cst.Dict, cst.Set, cst.DictComp, cst.SetComp)) or (
                isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value in {"dict", "set", "Counter",
                                                                                               "defaultdict"})):
            return False
    return True


def _hashes(ctx: FunctionContext, node: cst.CSTNode, var: str) -> bool:
    """``node`` uses ``var`` as a dict/set key: ``var in d``, ``d[var]``, ``d.get(var)``, ``s.add(var)``."""
    for n in walk(node):
        if isinstance(n, cst.ComparisonTarget) and isinstance(n.operator, (cst.In, cst.NotIn)) \
                and isinstance(n.comparator, cst.Name) and _dict_like_local(ctx, n.comparator.value):
            comp = ctx.parent(n)
            if isinstance(comp, cst.Comparison) and isinstance(comp.left, cst.Name) and comp.left.value == var \
                    and comp.comparisons[0] is n:
                return True
        if isinstance(n, cst.Subscript) and isinstance(n.value, cst.Name) and _dict_like_local(ctx, n.value.value) \
                and len(n.slice) == 1 and isinstance(n.slice[0].slice, cst.Index) \
                and isinstance(n.slice[0].slice.value, cst.Name) and n.slice[0].slice.value.value == var:
            return True
    return False


def hashed_by_loop(ctx: FunctionContext, name: str) -> bool:
    """Every element of ``name`` is already hashed by the function: ``for v in name:`` with no
    ``break``/``return`` in the loop, whose body - before anything that could skip the rest -
    uses ``v`` as a key of a local dict or set. (So elements are hashable, or the code already
    raised TypeError on the first one.)"""
    for loop in walk(ctx.func.body):
        if not (isinstance(loop, cst.For) and isinstance(loop.iter, cst.Name) and loop.iter.value == name
                and isinstance(loop.target, cst.Name) and isinstance(loop.body, cst.IndentedBlock)):
            continue
        if any(isinstance(n, (cst.Break, cst.Return)) for n in walk(loop.body)):
            continue
        var = loop.target.value
        for stmt in loop.body.body:
            if isinstance(stmt, cst.If) and _hashes(ctx, stmt.test, var):
                return True
            if isinstance(stmt, cst.SimpleStatementLine) and _hashes(ctx, stmt, var):
                return True
            if any(isinstance(n, (cst.Continue, cst.Raise, cst.Yield)) for n in walk(stmt)) or not isinstance(
                    stmt, cst.SimpleStatementLine):
                break
    return False


def _fresh_local(ctx: FunctionContext, name: str) -> bool:
    """Bound in this function only to new containers (displays, comprehensions, list()/dict()/set())."""
    sites = bindings(ctx, name)
    if not sites or is_param(ctx, name):
        return False
    for b in sites:
        stmt = binding_stmt(ctx, b)
        v = stmt.value if stmt is not None else None
        if not (isinstance(v, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)) or (
                isinstance(v, cst.Call) and isinstance(v.func, cst.Name)
                and v.func.value in {"list", "dict", "set", "Counter", "defaultdict", "deque", "sorted"})):
            return False
    return True


def call_problem(ctx: FunctionContext, region: Sequence[cst.CSTNode], skip: Sequence[cst.CSTNode] = ()) -> str | None:
    """A call in ``region`` that could change data the function does not own (a callback, a method
    on a parameter or a global...), or None. Allowed: known pure builtins and string/dict reads,
    methods of containers this function built itself, and module functions that are provably pure."""
    from eco.draft.codemods.missing_cache import module_function_pure

    skip_ids = {id(s) for s in skip}
    for part in region:
        for n in walk(part):
            if not isinstance(n, cst.Call) or id(n) in skip_ids:
                continue
            if any(id(a) in skip_ids for a in ctx.ancestors(n)):
                continue
            f = n.func
            if pure_expr(ctx, cst.Call(func=f, args=[])):
                continue
            if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and _fresh_local(ctx, f.value.value):
                continue
            if isinstance(f, cst.Name) and not bindings(ctx, f.value) and module_function_pure(ctx.module_ctx, f.value):
                continue
            return f"the loop calls `{ctx.code(f).strip()}()`, which could change it"
    return None
