"""Detectors for work that a loop repeats: rebuilding, rescanning, recompiling, reopening."""

from __future__ import annotations

import ast
from typing import Iterator

from eco.detect.base import (
    COMP_TYPES,
    LOOP_TYPES,
    Context,
    Finding,
    call_name,
    method_name,
    register,
    subtree,
    root_name,
    stored_names,
    value_kind,
)

_PURE_METHODS = frozenset({"keys", "values", "items", "split", "lower", "upper", "strip"})
_RE_FUNCS = {"match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"}


def _string_kind(ctx: Context, name: str, at: ast.AST) -> str | None:
    """"str" or "bytes" when ``name`` is initialised to one in this scope (never to anything else)."""
    kinds = set()
    for v in ctx.binding_values(name, at):
        if isinstance(v, ast.AugAssign):
            continue
        if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add) and isinstance(v.left, ast.Name) and v.left.id == name:
            continue  # s = s + piece keeps the kind of s
        kinds.add(value_kind(v))
    if len(kinds) == 1 and kinds <= {"str", "bytes"}:
        return kinds.pop()
    return None


def _concat_in_loop(ctx: Context, want: str) -> Iterator[Finding]:
    for node in ctx.walk((ast.AugAssign, ast.Assign)):
        if isinstance(node, ast.AugAssign):
            if not isinstance(node.op, ast.Add):
                continue
            if isinstance(node.target, ast.Attribute) and isinstance(node.target.value, ast.Name):
                # self.text += "..." : the initialisation is elsewhere, so the added value must
                # certainly be text, and the object must not be rebound by the loop
                loops = ctx.enclosing_loops(node)
                if value_kind(node.value) == want and loops and not isinstance(loops[0], COMP_TYPES):
                    if node.target.value.id not in ctx.varying(loops[0]):
                        what = "string" if want == "str" else "bytes"
                        yield node, f"{what} attribute {ast.unparse(node.target)!r} grows by += inside a loop (quadratic); collect parts and join once"
                continue
            if not isinstance(node.target, ast.Name):
                continue
            name = node.target.id
            if value_kind(node.value) not in {want, None}:
                continue
        else:
            if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
                continue
            name = node.targets[0].id
            v = node.value
            if not (isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add) and isinstance(v.left, ast.Name) and v.left.id == name):
                continue
        if _string_kind(ctx, name, node) != want or not ctx.in_loop(node):
            continue
        loop = ctx.enclosing_loops(node)[0]
        if isinstance(loop, COMP_TYPES):
            continue
        what = "string" if want == "str" else "bytes"
        yield node, f"{what} {name!r} grows by concatenation inside a loop: each step may copy it (quadratic); collect parts and join once"


@register("string_concat_in_loop")
def string_concat_in_loop(ctx: Context) -> Iterator[Finding]:
    yield from _concat_in_loop(ctx, "str")


@register("bytes_concat_in_loop")
def bytes_concat_in_loop(ctx: Context) -> Iterator[Finding]:
    yield from _concat_in_loop(ctx, "bytes")


@register("list_concat_in_loop")
def list_concat_in_loop(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Assign):
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            continue
        name = node.targets[0].id
        v = node.value
        if not (isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add)):
            continue
        if isinstance(v.left, ast.Name) and v.left.id == name:
            other = v.right
        elif isinstance(v.right, ast.Name) and v.right.id == name:
            other = v.left
        else:
            continue
        listish = value_kind(other) == "list" or ctx.kind_of_name(name, node) == "list"
        if not listish or value_kind(other) in {"str", "bytes", "number"}:
            continue
        if ctx.in_loop(node):
            yield node, f"{name} = {name} + [...] inside a loop copies the whole list each time (quadratic); use append/extend"


@register("loop_invariant_set_construction")
def loop_invariant_set_construction(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk((ast.Call, ast.SetComp)):
        if isinstance(node, ast.Call):
            if call_name(node) not in {"set", "frozenset"} or len(node.args) != 1 or node.keywords:
                continue
            source: ast.AST = node.args[0]
        else:
            source = node.generators[0].iter
            if len(node.generators) != 1 or any(
                isinstance(n, ast.Name) and n.id not in stored_names(node.generators[0].target)
                for n in subtree(node.elt)
            ):
                continue
        loops = ctx.enclosing_loops(node)
        if not loops:
            continue
        loop = loops[0]
        if isinstance(node, ast.Call) and isinstance(source, (ast.List, ast.Tuple, ast.Set)) and not source.elts:
            continue
        if not ctx.invariant_in(source, loop, allow_calls=_PURE_METHODS):
            continue
        if isinstance(node, ast.SetComp) and any(not ctx.invariant_in(c, loop) for c in node.generators[0].ifs):
            continue
        yield node, "a set is rebuilt from the same data on every iteration; build it once before the loop"


@register("loop_invariant_sort")
def loop_invariant_sort(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        if call_name(node) != "sorted" or not node.args:
            continue
        loops = ctx.enclosing_loops(node)
        if not loops or ctx.exits_once(node):
            continue
        parts = [*node.args, *(k.value for k in node.keywords)]
        if all(ctx.invariant_in(p, loops[0], allow_calls=_PURE_METHODS) for p in parts if not isinstance(p, ast.Lambda)):
            yield node, "the same data is sorted again on every iteration; sort once before the loop"


def _invariant_receiver(ctx: Context, node: ast.Call, loop: ast.AST) -> bool:
    """The receiver is a plain name or attribute chain, unchanged by every enclosing loop."""
    recv = node.func.value  # type: ignore[attr-defined]
    base = root_name(recv)
    if base is None or not ctx.invariant_in(recv, loop):
        return False
    if any(isinstance(n, (ast.Subscript, ast.Call)) for n in subtree(recv)):
        return False
    if not ctx.defined_outside_loops(base, node):
        return False
    if isinstance(recv, ast.Name) and ctx.kind_of_name(recv.id, node) in {"str", "bytes"}:
        return False
    return True


@register("count_in_loop")
def count_in_loop(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        if method_name(node) != "count" or len(node.args) != 1 or node.keywords:
            continue
        if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, (str, bytes)):
            continue  # substring counting on text
        loops = ctx.enclosing_loops(node)
        if loops and _invariant_receiver(ctx, node, loops[0]) and not ctx.invariant_in(node.args[0], loops[0]):
            yield node, ".count() rescans the whole sequence for every element (quadratic); count once with collections.Counter"


@register("list_index_in_loop")
def list_index_in_loop(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        if method_name(node) != "index" or len(node.args) != 1 or node.keywords:
            continue
        if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, (str, bytes)):
            continue
        loops = ctx.enclosing_loops(node)
        if loops and _invariant_receiver(ctx, node, loops[0]) and not ctx.invariant_in(node.args[0], loops[0]):
            yield node, ".index() scans the list for every element (quadratic); build a value -> position dict once"


@register("regex_compile_in_loop")
def regex_compile_in_loop(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        fn = call_name(node)
        if fn is None or not fn.startswith("re.") or not node.args:
            continue
        func = fn[3:]
        loops = ctx.enclosing_loops(node)
        if not loops:
            continue
        pattern = node.args[0]
        if func == "compile":
            if ctx.invariant_in(pattern, loops[0]):
                yield node, "re.compile of the same pattern on every iteration; compile once outside the loop"
        elif func in _RE_FUNCS:
            if isinstance(pattern, ast.Constant) or (
                isinstance(pattern, ast.Name) and ctx.invariant_in(pattern, loops[0])
                and value_kind_of_name_is_str(ctx, pattern)
            ):
                yield node, f"re.{func}(pattern, ...) in a loop looks the pattern up in re's cache every call; precompile it once"


def value_kind_of_name_is_str(ctx: Context, name: ast.Name) -> bool:
    return ctx.kind_of_name(name.id, name) == "str"


@register("sort_in_loop")
def sort_in_loop(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk((ast.Call, ast.Assign)):
        if isinstance(node, ast.Call):
            if method_name(node) != "sort" or not isinstance(node.func.value, ast.Name):  # type: ignore[attr-defined]
                continue
            name = node.func.value.id  # type: ignore[attr-defined]
        else:
            if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name) or call_name(node.value) != "sorted":
                continue
            name = node.targets[0].id
            args = node.value.args  # type: ignore[attr-defined]
            if not args or not (isinstance(args[0], ast.Name) and args[0].id == name):
                continue
        loops = ctx.enclosing_loops(node)
        if not loops or isinstance(loops[0], COMP_TYPES):
            continue
        loop = loops[0]
        if isinstance(loop, (ast.For, ast.AsyncFor)) and name in stored_names(loop.target):
            continue
        fresh = any(
            isinstance(s, ast.Assign) and s is not node and any(isinstance(t, ast.Name) and t.id == name for t in s.targets)
            for s in subtree(loop)
        )
        if fresh:
            continue  # a new list each iteration: sorting it is the work itself
        yield node, f"{name!r} is re-sorted on every iteration; sort once after the loop, or keep it ordered with bisect.insort"


@register("import_in_hot_function")
def import_in_hot_function(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk((ast.Import, ast.ImportFrom)):
        parent = ctx.parent.get(node)
        while isinstance(parent, (ast.With, ast.AsyncWith)):
            parent = ctx.parent.get(parent)
        # directly in the loop body: imports under an `if` in a loop are usually a rare, lazy path
        if isinstance(parent, LOOP_TYPES) and ctx.in_loop(node):
            yield node, "import statement executed on every iteration; import once at module level"


def _format_node(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.Call) and method_name(node) == "format":
        return isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)  # type: ignore[attr-defined]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
    return False


@register("invariant_format_in_loop")
def invariant_format_in_loop(ctx: Context) -> Iterator[Finding]:
    seen: set[int] = set()
    for node in ctx.walk((ast.JoinedStr, ast.Call, ast.BinOp)):
        if not _format_node(node) or id(node) in seen:
            continue
        for inner in subtree(node):
            seen.add(id(inner))
        parts: list[ast.AST]
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        elif isinstance(node, ast.Call):
            parts = [*node.args, *(k.value for k in node.keywords)]
        else:
            parts = [node.right]  # type: ignore[attr-defined]
        if not parts or not any(isinstance(n, ast.Name) for p in parts for n in subtree(p)):
            continue
        loops = ctx.enclosing_loops(node)
        if not loops or ctx.exits_once(node):
            continue
        if all(ctx.invariant_in(p, loops[0]) for p in parts):
            yield node, "the same string is formatted on every iteration; format it once before the loop"


@register("open_file_in_loop")
def open_file_in_loop(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        if call_name(node) not in {"open", "io.open", "gzip.open"} or not node.args:
            continue
        loops = ctx.enclosing_loops(node)
        if loops and all(ctx.invariant_in(a, loops[0]) for a in [*node.args, *(k.value for k in node.keywords)]):
            yield node, "the same file is opened again on every iteration; open it once around the loop"


@register("keyerror_in_loop")
def keyerror_in_loop(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Try):
        if len(node.handlers) != 1 or node.orelse or node.finalbody or len(node.body) != 1:
            continue
        h = node.handlers[0]
        if not (isinstance(h.type, ast.Name) and h.type.id == "KeyError"):
            continue
        stmt = node.body[0]
        value = getattr(stmt, "value", None)
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Return, ast.Expr)) or not isinstance(value, ast.Subscript):
            continue
        if not isinstance(stmt, ast.Assign) or len(h.body) != 1 or not isinstance(h.body[0], ast.Assign):
            continue
        if ast.dump(stmt.targets[0]) != ast.dump(h.body[0].targets[0]) or root_name(value.value) == "self":
            continue
        if isinstance(value.ctx, ast.Load) and ctx.in_loop(node):
            yield node, "a missing key is handled by raising and catching KeyError inside a loop; use d.get(k, default)"


def _mentions(expr: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in subtree(expr))


@register("nested_loop_join")
def nested_loop_join(ctx: Context) -> Iterator[Finding]:
    for outer in ctx.walk((ast.For, ast.AsyncFor)):
        outer_names = stored_names(outer.target)
        for inner in (n for stmt in outer.body for n in subtree(stmt)):
            if not isinstance(inner, (ast.For, ast.AsyncFor)) or ctx.enclosing_loops(inner)[:1] != [outer]:
                continue
            if _mentions(inner.iter, outer_names) or not ctx.invariant_in(inner.iter, outer, allow_calls=_PURE_METHODS):
                continue
            inner_names = stored_names(inner.target) | ctx.varying(inner)
            outer_names_all = ctx.varying(outer) - inner_names
            for test in (n for stmt in inner.body for n in subtree(stmt)):
                if isinstance(test, ast.If) and _is_join_test(test.test, outer_names_all, inner_names):
                    yield outer, "nested loops matching items by equality (O(n*m)); index one side in a dict"
                    break
            else:
                continue
            break
    for comp in ctx.walk(COMP_TYPES):
        gens = comp.generators  # type: ignore[attr-defined]
        for i in range(1, len(gens)):
            before = set().union(*(stored_names(g.target) for g in gens[:i]))
            if _mentions(gens[i].iter, before):
                continue
            here = stored_names(gens[i].target)
            if any(_is_join_test(cond, before, here) for cond in gens[i].ifs):
                yield comp, "a comprehension joins two sequences by equality (O(n*m)); index one side in a dict"
                break


def _is_join_test(test: ast.AST, left_names: set[str], right_names: set[str]) -> bool:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_is_join_test(v, left_names, right_names) for v in test.values)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    a, b = test.left, test.comparators[0]
    if not (_key_like(a) and _key_like(b)):
        return False
    for x, y in ((a, b), (b, a)):
        if _mentions(x, left_names) and not _mentions(x, right_names) and _mentions(y, right_names) and not _mentions(y, left_names):
            return True
    return False


def _key_like(expr: ast.AST) -> bool:
    """A record's key: ``x``, ``x.id``, ``x["id"]``, ``x[0]``, ``x.get("id")`` (not slices or arithmetic)."""
    if isinstance(expr, ast.Name):
        return True
    if isinstance(expr, ast.Attribute):
        return _key_like(expr.value)
    if isinstance(expr, ast.Subscript):
        return isinstance(expr.slice, ast.Constant) and _key_like(expr.value)
    if isinstance(expr, ast.Call) and method_name(expr) == "get" and len(expr.args) == 1:
        return isinstance(expr.args[0], ast.Constant) and _key_like(expr.func.value)  # type: ignore[attr-defined]
    return False


@register("range_len_indexing")
def range_len_indexing(ctx: Context) -> Iterator[Finding]:
    for loop in ctx.walk(ast.For):
        it = loop.iter
        if not (isinstance(loop.target, ast.Name) and call_name(it) == "range" and len(it.args) == 1):  # type: ignore[attr-defined]
            continue
        ln = it.args[0]  # type: ignore[attr-defined]
        if not (call_name(ln) == "len" and len(ln.args) == 1 and isinstance(ln.args[0], ast.Name)):  # type: ignore[attr-defined]
            continue
        seq, idx = ln.args[0].id, loop.target.id  # type: ignore[attr-defined]
        uses = [n for stmt in loop.body for n in subtree(stmt) if isinstance(n, ast.Name) and n.id == idx]
        if not uses:
            continue
        ok = True
        for u in uses:
            p = ctx.parent.get(u)
            if not (
                isinstance(p, ast.Subscript) and p.slice is u and isinstance(p.value, ast.Name)
                and p.value.id == seq and isinstance(p.ctx, ast.Load)
            ):
                ok = False
                break
        if ok and not ctx.mutated_in(seq, loop) and seq not in ctx.varying(loop):
            yield loop, f"the index is only used as {seq}[i]; iterate {seq} directly"


@register("manual_list_comprehension")
def manual_list_comprehension(ctx: Context) -> Iterator[Finding]:
    for loop in ctx.walk(ast.For):
        if loop.orelse or len(loop.body) != 1:
            continue
        stmt = loop.body[0]
        if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1:
            stmt = stmt.body[0]
        if not (isinstance(stmt, ast.Expr) and method_name(stmt.value) == "append"):
            continue
        call = stmt.value
        recv = call.func.value  # type: ignore[attr-defined]
        if not isinstance(recv, ast.Name) or len(call.args) != 1:  # type: ignore[attr-defined]
            continue
        values = ctx.binding_values(recv.id, loop)
        if len(values) != 1 or not (isinstance(values[0], ast.List) and not values[0].elts):
            continue
        # the empty list must be made right before the loop, in the same block
        parent = ctx.parent.get(loop)
        block = next((getattr(parent, f) for f in ("body", "orelse", "finalbody") if loop in getattr(parent, f, [])), None)
        if block is None:
            continue
        i = block.index(loop)
        prev = block[i - 1] if i else None
        if isinstance(prev, (ast.Assign, ast.AnnAssign)) and (
            getattr(prev, "value", None) is values[0]
        ):
            yield loop, f"a loop that only appends to {recv.id!r}; a list comprehension avoids the per-item method call"
