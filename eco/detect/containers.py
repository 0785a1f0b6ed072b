"""Detectors for the wrong container: lists used as sets, queues or maps, and dict double work."""

from __future__ import annotations

import ast
from typing import Iterator

from eco.detect.base import (
    Context,
    Finding,
    call_name,
    is_const,
    method_name,
    register,
    subtree,
    root_name,
    same,
    value_kind,
)

_SMALL_LITERAL = 5  # `x in ["a", "b"]`-sized constant lists are not worth a set


def _list_operand(ctx: Context, right: ast.AST) -> str | None:
    """Why ``right`` is certainly a list worth flagging, or None."""
    if isinstance(right, ast.ListComp):
        return "a list comprehension"
    if isinstance(right, ast.Call) and call_name(right) == "list" and right.args:
        return "a list(...) copy"
    if isinstance(right, ast.Name):
        values = ctx.binding_values(right.id, right)
        if not values or ctx.kind_of_name(right.id, right) != "list":
            return None
        for v in values:
            if isinstance(v, ast.List) and v.elts and len(v.elts) <= _SMALL_LITERAL and all(
                isinstance(e, ast.Constant) for e in v.elts
            ):
                if not ctx.mutated_in(right.id, ctx.scope_of(right)):
                    return None  # a short fixed list of constants: a scan is as fast as hashing
        return f"the list {right.id!r}"
    return None


@register("list_membership_in_loop")
def list_membership_in_loop(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Compare):
        for op, right in zip(node.ops, node.comparators):
            if not isinstance(op, (ast.In, ast.NotIn)):
                continue
            what = _list_operand(ctx, right)
            if what and ctx.in_loop(node):
                yield node, f"membership test against {what} inside a loop: O(n) per test; use a set"


@register("dict_keys_membership")
def dict_keys_membership(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Compare):
        for op, right in zip(node.ops, node.comparators):
            if not isinstance(op, (ast.In, ast.NotIn)):
                continue
            inner = right
            if isinstance(inner, ast.Call) and call_name(inner) == "list" and len(inner.args) == 1:
                inner = inner.args[0]
            if isinstance(inner, ast.Call) and method_name(inner) == "keys" and not inner.args and not inner.keywords:
                yield node, "membership test against .keys(): test the mapping itself"


@register("list_pop_front")
def list_pop_front(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        if method_name(node) == "pop" and len(node.args) == 1 and is_const(node.args[0], 0) and not node.keywords:
            base = root_name(node.func.value)  # type: ignore[attr-defined]
            if base and ctx.kind_of_name(base, node) in {"dict", "set"}:
                continue
            if ctx.in_loop(node):
                yield node, ".pop(0) on a list inside a loop shifts every element: O(n) each; use collections.deque"


@register("list_insert_front")
def list_insert_front(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Call):
        if method_name(node) == "insert" and len(node.args) == 2 and is_const(node.args[0], 0):
            if ctx.in_loop(node):
                yield node, ".insert(0, x) inside a loop shifts every element: O(n) each; use deque.appendleft or append and reverse"


@register("dict_double_lookup")
def dict_double_lookup(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.If):
        t = node.test
        if not (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.In)):
            continue
        key, mapping = t.left, t.comparators[0]
        if not isinstance(mapping, (ast.Name, ast.Attribute)) or value_kind(mapping) is not None:
            continue
        if isinstance(mapping, ast.Name) and ctx.kind_of_name(mapping.id, node) in {"list", "set", "str", "bytes"}:
            continue
        if not ctx.in_loop(node):
            continue
        for stmt in node.body:
            hit = next(
                (
                    s
                    for s in subtree(stmt)
                    if isinstance(s, ast.Subscript)
                    and isinstance(s.ctx, ast.Load)
                    and same(s.value, mapping)
                    and same(s.slice, key)
                ),
                None,
            )
            if hit is not None:
                yield node, "`k in d` followed by `d[k]` hashes and probes twice; use d.get(k) (or a sentinel)"
                break


@register("manual_defaultdict")
def manual_defaultdict(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.If):
        t = node.test
        if not (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.NotIn)):
            continue
        if node.orelse or len(node.body) != 1 or not isinstance(node.body[0], ast.Assign):
            continue
        assign = node.body[0]
        target = assign.targets[0]
        if len(assign.targets) != 1 or not isinstance(target, ast.Subscript):
            continue
        if not (same(target.value, t.comparators[0]) and same(target.slice, t.left)):
            continue
        if value_kind(assign.value) not in {"list", "set", "dict", "number"}:
            continue
        if ctx.in_loop(node):
            yield node, "`if k not in d: d[k] = empty` before every update; use collections.defaultdict or setdefault"


@register("manual_counter")
def manual_counter(ctx: Context) -> Iterator[Finding]:
    for loop in ctx.walk((ast.For, ast.AsyncFor)):
        if len(loop.body) != 1 or loop.orelse or not isinstance(loop.body[0], ast.Assign):
            continue
        assign = loop.body[0]
        target = assign.targets[0]
        if len(assign.targets) != 1 or not isinstance(target, ast.Subscript) or not isinstance(target.value, ast.Name):
            continue
        v = assign.value
        if not (isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add) and is_const(v.right, 1)):
            continue
        g = v.left
        if (
            isinstance(g, ast.Call)
            and method_name(g) == "get"
            and same(g.func.value, target.value)  # type: ignore[attr-defined]
            and len(g.args) == 2
            and same(g.args[0], target.slice)
            and is_const(g.args[1], 0)
        ):
            yield loop, "a loop that only counts with d.get(k, 0) + 1; collections.Counter counts in C"


@register("dict_iteration_lookup")
def dict_iteration_lookup(ctx: Context) -> Iterator[Finding]:
    for loop in ctx.walk((ast.For, ast.AsyncFor)):
        if not isinstance(loop.target, ast.Name):
            continue
        it = loop.iter
        via_keys = isinstance(it, ast.Call) and method_name(it) == "keys" and not it.args
        mapping = it.func.value if via_keys else it  # type: ignore[attr-defined]
        if not isinstance(mapping, (ast.Name, ast.Attribute)):
            continue
        if not via_keys:
            if not isinstance(mapping, ast.Name) or ctx.kind_of_name(mapping.id, loop) != "dict":
                continue
        key = loop.target.id
        for stmt in loop.body:
            hit = next(
                (
                    s
                    for s in subtree(stmt)
                    if isinstance(s, ast.Subscript)
                    and isinstance(s.ctx, ast.Load)
                    and same(s.value, mapping)
                    and isinstance(s.slice, ast.Name)
                    and s.slice.id == key
                ),
                None,
            )
            if hit is not None:
                yield loop, "iterating keys and then looking each one up; iterate .items()"
                break


@register("set_for_single_membership")
def set_for_single_membership(ctx: Context) -> Iterator[Finding]:
    for node in ctx.walk(ast.Compare):
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.In, ast.NotIn)):
            continue
        right = node.comparators[0]
        built = isinstance(right, ast.SetComp) or (
            isinstance(right, ast.Call) and call_name(right) in {"set", "frozenset"} and len(right.args) == 1
        )
        if built and not ctx.in_loop(node):
            yield node, "a set is built from the data only to test one element: O(n) plus an allocation; scan instead"
