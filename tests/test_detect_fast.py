"""The shared walk behind the detectors: same nodes, order and parents as ``ast.walk``; and the
text prefilter of tree-sitter detectors, which must never skip code a query could match."""

from __future__ import annotations

import ast
import textwrap

from eco.detect import detect
from eco.detect.base import Context, call_name, subtree, walk_scope
from eco.detect.treesitter import required_text, run_query

CODE = textwrap.dedent(
    '''
    def f(items, *args, **kw):
        """doc"""
        out = []
        for i, x in enumerate(items):
            if x in out and not (y := x.pop(0)):
                out.append(lambda z: [w for w in z if w])
            else:
                class K:
                    def m(self):
                        return sorted(items)[::-1]
        return {k: v for k, v in kw.items()}
    '''
)


def test_context_walk_matches_ast_walk() -> None:
    tree = ast.parse(CODE)
    ctx = Context(CODE, tree, 0)
    assert ctx.nodes == list(ast.walk(tree))
    expected_parent = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            expected_parent[child] = node
    assert ctx.parent == expected_parent
    for node in ctx.nodes:
        assert subtree(node) == list(ast.walk(node))
    assert list(ctx.walk(ast.Call)) == [n for n in ast.walk(tree) if type(n) is ast.Call]
    assert list(ctx.walk((ast.For, ast.comprehension))) == [n for n in ast.walk(tree) if type(n) is ast.For] + [
        n for n in ast.walk(tree) if type(n) is ast.comprehension
    ]
    assert list(ctx.walk(ast.stmt)) == [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    fn = tree.body[0]
    slow_scope = []
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        node = todo.pop()
        slow_scope.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)):
            todo.extend(ast.iter_child_nodes(node))
    assert list(walk_scope(fn)) == slow_scope
    calls = {call_name(n) for n in ctx.walk(ast.Call)}
    assert calls == {"enumerate", "x.pop", "out.append", "sorted", "kw.items"}


def test_subtree_of_a_node_outside_any_context() -> None:
    expr = ast.parse("a + f(b, c=[d])").body[0]
    assert subtree(expr) == list(ast.walk(expr))


def test_required_text_only_for_simple_queries() -> None:
    q = '((call function: (identifier) @fn arguments: (argument_list (_) . (list) .)) @match (#eq? @fn "sum"))'
    assert required_text(q) == (("sum",),)
    q2 = '((subscript value: (call function: (identifier) @fn)) @match (#any-of? @fn "list" "tuple"))'
    assert required_text(q2) == (("list", "tuple"),)
    # An optional capture may be absent (the predicate then holds vacuously): no requirement.
    assert required_text('((call function: (identifier)? @fn) @match (#eq? @fn "sum"))') == ()
    # Two patterns, alternations and negated predicates give no requirement either.
    assert required_text('((call) @match (#eq? @match "a")) ((list) @match)') == ()
    assert required_text('([(call) (list)] @match (#eq? @match "a"))') == ()
    assert required_text('((identifier) @match (#not-eq? @match "a"))') == ()


def test_prefilter_keeps_matches_and_skips_the_rest() -> None:
    q = '((call function: (identifier) @fn arguments: (argument_list (_) . (list) .)) @match (#eq? @fn "sum"))'
    assert [e.line for e in run_query("sum-of-lists", q, "def f(xs):\n    return sum(xs, [])\n", "python")] == [2]
    assert run_query("sum-of-lists", q, "def f(xs):\n    return total(xs, [])\n", "python") == []
    assert [e.kind for e in detect("sum-of-lists", "def f(xs):\n    return sum([x for x in xs], [])\n")] == [
        "sum-of-lists"
    ]
