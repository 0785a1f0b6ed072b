"""A linear search for the first match inside a loop -> a dict index built once before the loop.

    for rec in records:                          users_by_name = {}
        for user in users:                       for user in users:
            if user.name == rec.user:     ->         users_by_name.setdefault(user.name, user)
                match = user                     for rec in records:
                break                                if rec.user in users_by_name:
                                                         match = users_by_name[rec.user]

Preconditions:
- the inner ``for t in C:`` has no ``else:``; its body is one ``if`` (no ``else``) testing
  ``K(t) == E`` (either side), where ``K(t)`` is ``t.attr`` or ``t[literal]`` and ``E`` does not
  mention ``t`` and has no side effects; the ``if`` body is ``name = t`` assignments then ``break``
  (so the first match wins, as ``setdefault`` keeps the first key);
- ``C`` is a known re-iterable container (list/tuple/``Sequence`` annotation or a list built
  locally) that is neither rebound nor mutated in the enclosing loop;
- ``t`` is not used anywhere outside the inner loop (its leftover value after a failed search
  is not reproduced);
- the keys are hashable on evidence: ``C``'s element type is a class defined in the same module
  whose ``attr`` field is annotated with a hashable type (``str``, ``int``...). ``E`` is assumed
  hashable: it is compared with ``==`` to such keys, so anything else would never have matched.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import (
    _ann_code, hashable_annotation, hoist_loop, is_param, iter_nodes, known_iterator, list_like, pure_expr, refs,
)
from eco.draft.codemods.base import FunctionContext, codemod, summarize

SUMMARY = "Nested loop searching for a match (O(n*m)) -> dict index built once, O(1) lookups."


def _key_of(e: cst.BaseExpression, t: str) -> str | None:
    """The field name if ``e`` is ``t.field``."""
    if isinstance(e, cst.Attribute) and isinstance(e.value, cst.Name) and e.value.value == t:
        return e.attr.value
    return None


def _element_class(ctx: FunctionContext, coll: str) -> str | None:
    p = is_param(ctx, coll)
    if p is None:
        return None
    ann = _ann_code(ctx, p).replace(" ", "")
    for prefix in ("Sequence[", "list[", "List[", "tuple[", "Tuple[", "typing.Sequence[", "typing.List["):
        if ann.startswith(prefix) and ann.endswith("]"):
            inner = ann[len(prefix):-1].split(",")[0]
            return inner
    return None


def _one(ctx: FunctionContext, inner: cst.For) -> str:
    if inner.orelse is not None:
        raise ValueError("the inner loop has an `else:`")
    if not isinstance(inner.target, cst.Name) or not isinstance(inner.iter, cst.Name):
        raise ValueError("the inner loop is not `for t in name:`")
    t, coll = inner.target.value, inner.iter.value
    body = inner.body.body if isinstance(inner.body, cst.IndentedBlock) else []
    if len(body) != 1 or not isinstance(body[0], cst.If) or body[0].orelse is not None:
        raise ValueError("the inner loop body is not a single `if` without `else`")
    test = body[0].test
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Equal)):
        raise ValueError("the test is not one `==` comparison")
    left, right = test.left, test.comparisons[0].comparator
    field, probe = _key_of(left, t), right
    if field is None:
        field, probe = _key_of(right, t), left
    if field is None or refs(ctx, t, probe) or not pure_expr(ctx, probe):
        raise ValueError("the test is not `t.field == <expression without t>`")
    stmts = body[0].body.body if isinstance(body[0].body, cst.IndentedBlock) else []
    if not stmts or not (isinstance(stmts[-1], cst.SimpleStatementLine) and isinstance(stmts[-1].body[-1], cst.Break)):
        raise ValueError("the match does not `break` (the first match must win)")
    assigned: list[str] = []
    for st in stmts:
        for small in st.body:  # type: ignore[attr-defined]
            if isinstance(small, cst.Break):
                continue
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
                    and isinstance(small.value, cst.Name) and small.value.value == t):
                raise ValueError("the match does more than `name = t`")
            assigned.append(small.targets[0].target.value)  # type: ignore[union-attr]
    if not isinstance(stmts[-1], cst.SimpleStatementLine) or any(not isinstance(s, cst.SimpleStatementLine) for s in stmts):
        raise ValueError("the match body has compound statements")
    for r in refs(ctx, t):
        if not ctx.inside(r, inner):
            raise ValueError(f"`{t}` is used outside the inner loop")
    if known_iterator(ctx, inner.iter) or not (list_like(ctx, inner.iter) or _element_class(ctx, coll)):
        raise ValueError(f"`{coll}` is not known to be a re-iterable container")
    cls = _element_class(ctx, coll)
    fields = ctx.module_ctx.class_fields.get(cls or "", {})
    if not hashable_annotation(fields.get(field, "")):
        raise ValueError(f"`{t}.{field}` is not known to be hashable (no annotated field in this module)")
    loop, reason = hoist_loop(ctx, inner.iter)
    if loop is None:
        raise ValueError(f"`{coll}` changes inside the enclosing loop: {reason}" if reason != "not inside a loop"
                         else "the search is not inside another loop")
    stmt = ctx.statement_of(loop)
    index = ctx.fresh(f"{coll}_by_{field}")
    ctx.insert_before(stmt, f"{index} = {{}}", f"for {t} in {coll}:\n    {index}.setdefault({t}.{field}, {t})")
    probe_src = ctx.code(probe).strip()
    lines = "".join(f"    {name} = {index}[{probe_src}]\n" for name in assigned)
    ctx.replace(inner, cst.parse_statement(f"if {probe_src} in {index}:\n{lines}").with_changes(
        leading_lines=inner.leading_lines))
    return f"search of `{coll}` by `.{field}` -> `{index}` built once before the loop"


@codemod("nested-loop-join", "nested-loop-to-dict-index", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for node in iter_nodes(ctx.func.body, cst.For):
        assert isinstance(node, cst.For)
        if not any(isinstance(a, (cst.For, cst.While)) for a in ctx.ancestors(node)):
            continue
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else []
        if not (len(body) == 1 and isinstance(body[0], cst.If)):
            continue
        try:
            done.append(_one(ctx, node))
        except ValueError as exc:
            skipped.append(str(exc))
    return summarize(done, skipped, "search loop inside a loop")
