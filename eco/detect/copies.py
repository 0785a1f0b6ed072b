"""Detectors for needless copies and full sorts: whole containers built to read one thing."""

from __future__ import annotations

import ast
import re
from typing import Iterator

from eco.detect.base import (
    COMP_TYPES,
    MUTATORS,
    Context,
    annotation_kind,
    Finding,
    call_name,
    dotted,
    is_const,
    method_name,
    register,
    subtree,
    root_name,
    walk_scope,
)


def _is_sorted(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and call_name(node) == "sorted" and len(node.args) == 1


def _single_use_slices(ctx: Context, name: str, scope: ast.AST, assign: ast.AST) -> list[ast.Subscript] | None:
    """Every load of ``name`` in ``scope`` if all of them are subscripts; None otherwise."""
    subs = []
    for node in walk_scope(scope):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            p = ctx.parent.get(node)
            if not (isinstance(p, ast.Subscript) and p.value is node):
                return None
            subs.append(p)
    return subs or None


def _sorted_uses(ctx: Context) -> Iterator[list[ast.Subscript]]:
    """Groups of subscripts that are the only uses of one sort: ``sorted(x)[i]`` directly, or
    ``s = sorted(x)`` assigned once and then only ever subscripted."""
    for node in ctx.walk(ast.Subscript):
        if _is_sorted(node.value) and isinstance(node.ctx, ast.Load):
            yield [node]
    for node in ctx.walk(ast.Assign):
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and _is_sorted(node.value):
            name = node.targets[0].id
            if len(ctx.binding_values(name, node)) != 1:
                continue
            subs = _single_use_slices(ctx, name, ctx.scope_of(node), node)
            if subs:
                yield subs


def _is_end_index(sub: ast.Subscript) -> bool:
    return is_const(sub.slice, 0) or is_const(sub.slice, -1)


def _is_head_tail_slice(sub: ast.Subscript) -> bool:
    s = sub.slice
    if not isinstance(s, ast.Slice) or s.step is not None:
        return False
    head = s.lower is None and s.upper is not None and not isinstance(s.upper, ast.UnaryOp)
    tail = s.upper is None and isinstance(s.lower, ast.UnaryOp) and isinstance(s.lower.op, ast.USub)
    return head or tail


@register("sort_for_min_max")
def sort_for_min_max(ctx: Context) -> Iterator[Finding]:
    for subs in _sorted_uses(ctx):
        if all(_is_end_index(sub) for sub in subs):
            for sub in subs:
                yield sub, "a full O(n log n) sort to read one end; min()/max() is O(n)"


@register("sort_for_top_k")
def sort_for_top_k(ctx: Context) -> Iterator[Finding]:
    for subs in _sorted_uses(ctx):
        if all(_is_head_tail_slice(sub) for sub in subs):
            for sub in subs:
                yield sub, "a full sort to keep the first k items; heapq.nsmallest/nlargest is O(n log k)"


@register("sort_then_reverse")
def sort_then_reverse(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk((ast.Subscript, ast.Call)):
        if isinstance(node, ast.Subscript):
            s = node.slice
            if (
                _is_sorted(node.value) and isinstance(s, ast.Slice) and s.lower is None and s.upper is None
                and s.step is not None and is_const(s.step, -1)
            ):
                yield node, "sorted(...)[::-1] copies the sorted list again; use sorted(..., reverse=True)"
        elif call_name(node) == "reversed" and len(node.args) == 1 and _is_sorted(node.args[0]):
            yield node, "reversed(sorted(...)); use sorted(..., reverse=True)"
    if not any(attr.attr == "reverse" for attr in ctx.walk(ast.Attribute)):  # type: ignore[attr-defined]
        return  # no .reverse() anywhere: skip the walk over every block
    for block_owner in ctx.walk(ast.AST):
        for field in ("body", "orelse"):
            block = getattr(block_owner, field, None)
            if not isinstance(block, list):
                continue
            for a, b in zip(block, block[1:]):
                if (
                    isinstance(a, ast.Expr) and isinstance(b, ast.Expr)
                    and method_name(a.value) == "sort" and method_name(b.value) == "reverse"
                    and not b.value.args  # type: ignore[attr-defined]
                    and ast.dump(a.value.func.value) == ast.dump(b.value.func.value)  # type: ignore[attr-defined]
                ):
                    yield a, ".sort() then .reverse(); sort with reverse=True in one pass"


@register("any_all_list_comprehension")
def any_all_list_comprehension(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        if call_name(node) in {"any", "all"} and len(node.args) == 1 and isinstance(node.args[0], ast.ListComp):
            yield node, f"{call_name(node)}() over a list comprehension builds the whole list and cannot stop early; pass a generator"


@register("sum_list_comprehension")
def sum_list_comprehension(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        fn = call_name(node)
        if fn in {"sum", "min", "max"} and len(node.args) == 1 and (fn != "sum" or not node.keywords):
            arg = node.args[0]
            if isinstance(arg, ast.ListComp) or (
                isinstance(arg, ast.Call) and call_name(arg) == "list" and len(arg.args) == 1
                and isinstance(arg.args[0], ast.GeneratorExp)
            ):
                yield node, f"{call_name(node)}() over a materialised list; a generator expression needs no intermediate list"


_READ_ONLY_CONSUMERS = {"list", "tuple", "set", "sorted", "len", "sum", "min", "max", "any", "all", "iter", "enumerate", "zip", "reversed", "frozenset"}


@register("needless_list_copy")
def needless_list_copy(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        fn = call_name(node)
        if fn in {"list", "sorted", "set", "tuple", "frozenset"} and len(node.args) == 1:
            arg = node.args[0]
            inner = call_name(arg)
            if fn == "list" and (isinstance(arg, ast.ListComp) or inner in {"sorted", "list"}):
                yield node, "list() around something that is already a fresh list copies it again"
                continue
            if fn in {"sorted", "set", "tuple", "frozenset"} and inner == "list" and arg.args and not isinstance(  # type: ignore[attr-defined]
                arg.args[0], ast.GeneratorExp  # type: ignore[attr-defined]
            ):
                yield node, f"{fn}() accepts any iterable; the list() copy in between is wasted"
                continue
            if fn in {"set", "tuple", "frozenset"} and isinstance(arg, ast.ListComp):
                yield node, f"{fn}() over a list comprehension builds a throw-away list; use a set comprehension or a generator"
    for loop in ctx.walk((ast.For, ast.AsyncFor)):
        it = loop.iter
        src: ast.AST | None = None
        if isinstance(it, ast.Call) and call_name(it) == "list" and len(it.args) == 1:
            src = it.args[0]
            if isinstance(src, ast.Call) and method_name(src) in {"items", "keys", "values"} and not src.args:
                # list(d.items()): a snapshot is only needed when the loop changes d
                owner = src.func.value  # type: ignore[attr-defined]
                if isinstance(owner, ast.Name) and not ctx.mutated_in(owner.id, loop) and owner.id not in ctx.varying(loop) \
                        and not any(_handed_out(owner.id, st) for st in loop.body) and not _foreign_code(ctx, loop):
                    yield loop, f"the loop iterates a list copy of {owner.id}.{method_name(src)}() but never changes {owner.id}; iterate the view"
                continue
        elif isinstance(it, ast.Call) and method_name(it) == "copy" and not it.args:
            src = it.func.value  # type: ignore[attr-defined]
        elif isinstance(it, ast.Subscript) and isinstance(it.slice, ast.Slice) and it.slice.lower is None and it.slice.upper is None and it.slice.step is None:
            src = it.value
        # only local names: a method called in the body could change an attribute behind our back
        if not isinstance(src, ast.Name) or ctx.kind_of_name(src.id, loop) not in {"list", "str", "set", "dict"}:
            continue
        base = src.id
        if ctx.mutated_in(base, loop) or base in ctx.varying(loop) or any(_handed_out(base, st) for st in loop.body):
            continue
        if _foreign_code(ctx, loop):
            continue
        yield loop, "the loop iterates a copy of a container it never modifies; iterate the original"


_SAFE_BUILTINS = frozenset({
    "len", "str", "int", "float", "bool", "abs", "min", "max", "round", "isinstance", "sorted", "sum",
    "tuple", "list", "set", "frozenset", "dict", "repr", "format", "enumerate", "zip", "range", "any", "all",
})


def _foreign_code(ctx: Context, loop: ast.AST) -> bool:
    """The loop body may run code that could reach the iterated container through another
    reference: a call to anything but safe builtins or methods of the function's own locals,
    or a yield (the consumer runs while the loop is suspended)."""
    scope = ctx.scope_of(loop)
    params = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        params = {a.arg for a in [*scope.args.posonlyargs, *scope.args.args, *scope.args.kwonlyargs]}
    # locals that certainly hold a fresh built-in container or scalar (not loop items or arguments)
    local = {
        name for name in ctx.bindings(scope)
        if name not in params and ctx.kind_of_name(name, loop) in {"list", "set", "dict", "str", "bytes", "number"}
    }
    for stmt in loop.body:  # type: ignore[attr-defined]
        for node in subtree(stmt):
            if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
                return True
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name):
                    if node.func.id not in _SAFE_BUILTINS:
                        return True
                elif isinstance(node.func, ast.Attribute):
                    base = root_name(node.func.value)
                    if base is None or base not in local:
                        return True
                else:
                    return True
    return False


def _handed_out(name: str, region: ast.AST) -> bool:
    """``name`` is passed to a call, or a method is called on it, anywhere in ``region``."""
    for node in subtree(region):
        if isinstance(node, ast.Call):
            if any(isinstance(a, ast.Name) and a.id == name for a in [*node.args, *(k.value for k in node.keywords)]):
                return True
            if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id == name:
                return True
    return False


def _mutates(ctx: Context, name: str, scope: ast.AST) -> bool:
    """``name`` (or something reached from it) may be changed or escape in ``scope``."""
    for node in walk_scope(scope):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS and root_name(node.func.value) == name:
                return True
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name) and arg.id == name and call_name(node) not in _READ_ONLY_CONSUMERS:
                    return True
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if root_name(node.value) == name:
                return True
        elif isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
            if _escapes(node.value, name):
                return True
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return True
        elif isinstance(node, ast.Assign) and any(isinstance(v, ast.Name) and v.id == name for v in [node.value]):
            return True  # aliased: too hard to follow
        elif isinstance(node, (ast.For, ast.comprehension)) and root_name(node.iter) == name:
            for t in {n.id for n in subtree(node.target) if isinstance(n, ast.Name)}:
                if _mutates_shallow(t, scope):
                    return True
    return False


def _escapes(expr: ast.AST, name: str) -> bool:
    """``name`` (or a part of it) is handed out as is by ``expr``, not through a call or operator."""
    if isinstance(expr, ast.Name):
        return expr.id == name
    if isinstance(expr, (ast.Attribute, ast.Subscript)):
        return root_name(expr) == name
    if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
        return any(_escapes(e, name) for e in expr.elts)
    if isinstance(expr, ast.Starred):
        return _escapes(expr.value, name)
    if isinstance(expr, ast.Dict):
        return any(_escapes(v, name) for v in expr.values if v is not None)
    if isinstance(expr, ast.IfExp):
        return _escapes(expr.body, name) or _escapes(expr.orelse, name)
    if isinstance(expr, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return any(isinstance(n, ast.Name) and n.id == name for n in subtree(expr))
    if isinstance(expr, ast.Call) and call_name(expr) in _SHALLOW_COPIES:
        return any(_escapes(a, name) for a in expr.args)
    return False


_SHALLOW_COPIES = {"list", "dict", "tuple", "set", "frozenset", "sorted", "reversed", "iter", "copy.copy", "copy"}


def _mutates_shallow(name: str, scope: ast.AST) -> bool:
    for node in walk_scope(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in MUTATORS and root_name(node.func.value) == name:
                return True
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if root_name(node.value) == name:
                return True
    return False


@register("deepcopy_readonly")
def deepcopy_readonly(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        if call_name(node) not in {"copy.deepcopy", "deepcopy"} or len(node.args) != 1:
            continue
        parent = ctx.parent.get(node)
        scope = ctx.scope_of(node)
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            name = parent.targets[0].id
            if len(ctx.binding_values(name, node)) == 1 and not _mutates(ctx, name, scope):
                yield node, f"deep copy {name!r} is only read; read the original (deepcopy walks the whole object graph)"
        elif isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is node:
            targets = {n.id for n in subtree(parent.target) if isinstance(n, ast.Name)}
            if not any(_mutates_shallow(t, scope) for t in targets):
                yield node, "iterating a deep copy without modifying the items; iterate the original"
        elif isinstance(parent, ast.Call) and call_name(parent) in {"len", "sum", "sorted", "min", "max", "any", "all"}:
            yield node, "a deep copy passed straight to a read-only function; pass the original"


@register("len_list_generator")
def len_list_generator(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        if call_name(node) == "len" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.Call) and call_name(arg) in {"list", "tuple"} and len(arg.args) == 1:
                yield node, "len(list(...)) materialises every item only to count them; len() the source or sum(1 for _ in it)"


@register("list_first_key")
def list_first_key(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Subscript):
        v = node.value
        if (
            isinstance(node.ctx, ast.Load) and is_const(node.slice, 0)
            and isinstance(v, ast.Call) and call_name(v) in {"list", "tuple"} and len(v.args) == 1
            and call_name(v.args[0]) not in {"reversed", "sorted"}
        ):
            yield node, "copies every element to read the first one; use next(iter(...))"


@register("reversed_copy_index")
def reversed_copy_index(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Subscript):
        v = node.value
        if not isinstance(node.ctx, ast.Load) or isinstance(node.slice, ast.Slice):
            continue
        if isinstance(v, ast.Call) and call_name(v) in {"list", "tuple"} and len(v.args) == 1 and call_name(v.args[0]) == "reversed":
            yield node, "list(reversed(x))[i] copies the sequence to read one item; index from the end: x[-1 - i]"
        elif (
            isinstance(v, ast.Subscript) and isinstance(v.slice, ast.Slice) and v.slice.lower is None
            and v.slice.upper is None and v.slice.step is not None and is_const(v.slice.step, -1)
        ):
            yield node, "x[::-1][i] copies the sequence to read one item; index from the end: x[-1 - i]"


@register("json_roundtrip_copy")
def json_roundtrip_copy(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        outer = call_name(node)
        if outer not in {"json.loads", "pickle.loads", "marshal.loads", "loads"} or len(node.args) != 1:
            continue
        inner = call_name(node.args[0])
        if inner is not None and inner.endswith("dumps") and inner.split(".")[0] == outer.split(".")[0]:
            yield node, "serialising and parsing again to copy an object; use copy.deepcopy or a plain comprehension"


@register("readlines_whole_file")
def readlines_whole_file(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk((ast.For, ast.AsyncFor, ast.comprehension)):
        it = node.iter
        if isinstance(it, ast.Call) and method_name(it) == "readlines" and not it.args:
            yield it, "readlines() loads the whole file into a list before the first line is used; iterate the file"
        elif isinstance(it, ast.Call) and method_name(it) == "splitlines":
            recv = it.func.value  # type: ignore[attr-defined]
            if isinstance(recv, ast.Call) and method_name(recv) == "read" and not recv.args:
                yield it, "read().splitlines() holds the whole file twice; iterate the file"


@register("startswith_or_chain")
def startswith_or_chain(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.BoolOp):
        if not isinstance(node.op, ast.Or) or len(node.values) < 2:
            continue
        groups: dict[tuple[str, str], int] = {}
        for v in node.values:
            m = method_name(v)
            if m in {"startswith", "endswith"} and len(v.args) == 1 and not v.keywords:  # type: ignore[attr-defined]
                key = (m, ast.dump(v.func.value))  # type: ignore[attr-defined]
                groups[key] = groups.get(key, 0) + 1
        if any(n >= 2 for n in groups.values()):
            yield node, "a chain of startswith/endswith calls joined by `or`; pass one tuple of prefixes"


_CACHE_DECORATORS = {"cache", "lru_cache", "cached_property", "cached", "memoize"}
_IMPURE_CALLS = {
    "print", "open", "input", "random", "time", "datetime", "next", "setattr", "exec", "eval", "os", "sys",
    "logging", "logger", "log", "subprocess", "uuid", "secrets",
}


@register("missing_cache_pure_function")
def missing_cache_pure_function(ctx: Context) -> Iterator[Finding]:
    for fn in ctx.walk((ast.FunctionDef,)):
        decos = {(dotted(d.func if isinstance(d, ast.Call) else d) or "").rsplit(".", 1)[-1] for d in fn.decorator_list}
        if decos & _CACHE_DECORATORS:
            continue
        params = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]]
        if not params or params[0] in {"self", "cls"} or fn.args.vararg or fn.args.kwarg:
            continue
        table = _scans_constant_table(ctx, fn, params)
        if table is not None:
            yield fn, (
                f"{fn.name}() is a pure function of hashable text arguments that scans the constant table "
                f"{table} on every call; repeated inputs would be answered by functools.lru_cache"
            )
            continue
        self_calls = [
            n for n in walk_scope(fn)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == fn.name
            and _derived_args(n, set(params))
        ]
        if not _overlapping(ctx, self_calls):
            continue
        if any(annotation_kind(a.annotation) in {"list", "set", "dict"} for a in fn.args.args):
            continue
        if not _pure(fn, params):
            continue
        yield fn, f"{fn.name}() recomputes the same sub-results recursively ({len(self_calls)} self-calls); memoise it with functools.cache"


_HASHABLE_ANN = {"str", "bytes", "int", "float", "bool", "tuple", "Tuple", "frozenset"}
_CONSTANT_NAME = re.compile(r"^_?[A-Z][A-Z0-9_]*$")


def _ann_name(ann: ast.AST | None) -> str | None:
    if ann is None:
        return None
    if isinstance(ann, ast.Subscript):
        ann = ann.value
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):  # str | None
        left, right = _ann_name(ann.left), _ann_name(ann.right)
        if "None" in (left, right):
            return left if right == "None" else right
        return None
    if isinstance(ann, ast.Constant) and ann.value is None:
        return "None"
    name = dotted(ann)
    return name.rsplit(".", 1)[-1] if name else None


def _scans_constant_table(ctx: Context, fn: ast.FunctionDef, params: list[str]) -> str | None:
    """The module-level constant table that ``fn`` loops over, if ``fn`` is a cacheable lookup.

    The shape of a lookup that a cache answers: a module-level function whose parameters are all
    annotated with hashable scalar types, at least one of them text (the kind of value that
    repeats: addresses, user agents, paths), a hashable return annotation (a cache must not hand
    out a shared mutable object), a pure body, and a ``for`` statement over an UPPER_CASE name
    that is neither a parameter nor a local.
    """
    if ctx.scope_of(fn) is not ctx.tree:
        return None
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    kinds = [_ann_name(a.annotation) for a in args]
    if any(k not in _HASHABLE_ANN for k in kinds) or not {"str", "bytes"} & set(kinds):
        return None
    if _ann_name(fn.returns) not in _HASHABLE_ANN:
        return None
    local = set(ctx.bindings(fn))
    table = None
    for node in walk_scope(fn):
        if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.iter, ast.Name):
            name = node.iter.id
            if name not in local and _CONSTANT_NAME.match(name):
                table = name
    if table is None or not _pure(fn, params):
        return None
    for node in walk_scope(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            base = root_name(node.func.value)
            if base is None or base not in local:
                return None  # changes state outside the function
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            base = root_name(node.value)
            if base is None or base not in local or base in params:
                return None
    return table


def _derived_args(call: ast.Call, params: set[str]) -> bool:
    """Every argument is a parameter, a constant, or arithmetic/slicing of them: the shape of a
    recurrence (``f(n - 1)``, ``f(s[1:], k)``), not a walk over child objects (``f(child)``)."""
    if not call.args or call.keywords:
        return False
    changed = False
    for arg in call.args:
        for n in subtree(arg):
            if isinstance(n, ast.Name) and n.id not in params:
                return False
            if isinstance(n, (ast.Call, ast.Attribute, *COMP_TYPES, ast.Lambda)):
                return False
        if not isinstance(arg, (ast.Name, ast.Constant)):
            changed = True
    return changed


def _overlapping(ctx: Context, calls: list[ast.Call]) -> bool:
    """Two recurrence calls evaluated together (same statement): the sub-problems overlap."""
    seen: dict[int, int] = {}
    for call in calls:
        node: ast.AST | None = call
        while node is not None and not isinstance(node, ast.stmt):
            node = ctx.parent.get(node)
        key = id(node)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] >= 2:
            return True
    return False


def _pure(fn: ast.FunctionDef, params: list[str]) -> bool:
    for node in walk_scope(fn):
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await)):
            return False
        if isinstance(node, ast.Call):
            name = call_name(node) or ""
            if name.split(".")[0] in _IMPURE_CALLS or name.rsplit(".", 1)[-1] in MUTATORS and root_name(node.func) in params:
                return False
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if root_name(node.value) in params:
                return False
    return True
