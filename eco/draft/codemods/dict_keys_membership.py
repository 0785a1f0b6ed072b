"""``k in d.keys()`` -> ``k in d``.

Preconditions: the right operand is a call of ``.keys()`` with no arguments on a plain name or
attribute chain (so dropping the call changes no evaluation), and the operator is ``in`` or
``not in``. Assumes ``d`` is a mapping whose ``__contains__`` agrees with its keys view, as it does
for dict, defaultdict, OrderedDict, Counter and every ``collections.abc.Mapping``.
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import iter_nodes
from eco.draft.codemods.base import FunctionContext, codemod, summarize

SUMMARY = "`k in d.keys()` -> `k in d` (same test for any Mapping, no view object)."


def _plain(e: cst.BaseExpression) -> bool:
    while isinstance(e, cst.Attribute):
        e = e.value
    return isinstance(e, cst.Name)


@codemod("dict-keys-membership", "dict-keys-membership", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for t in iter_nodes(ctx.func.body, cst.ComparisonTarget):
        assert isinstance(t, cst.ComparisonTarget)
        call = t.comparator
        if not isinstance(t.operator, (cst.In, cst.NotIn)) or not isinstance(call, cst.Call):
            continue
        f = call.func
        if not (isinstance(f, cst.Attribute) and f.attr.value == "keys"):
            continue
        if call.args:
            skipped.append("`.keys(...)` has arguments")
            continue
        if not _plain(f.value):
            skipped.append(f"receiver `{ctx.code(f.value)}` is not a plain name")
            continue
        ctx.replace(call, f.value.with_changes(lpar=call.lpar, rpar=call.rpar))
        done.append(f"`in {ctx.code(call)}` -> `in {ctx.code(f.value)}`")
    return summarize(done, skipped, "`in d.keys()` test")
