"""``list(d)[0]`` (or ``list(d.keys())[0]``, ``.values()``, ``.items()``) -> ``next(iter(d))``.

Preconditions: ``list`` and ``next``/``iter`` are the builtins; the argument is a name or
attribute chain, or a ``.keys()``/``.values()``/``.items()`` call on one; and, because an empty input
raises IndexError in the original but StopIteration after, the code must rule emptiness out the
same way the min/max codemod requires (``if d:``, ``if not d: return`` before, ``len(d) > 0``...).
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import iter_nodes
from eco.draft.codemods.base import FunctionContext, builtin_free, codemod, summarize
from eco.draft.codemods.sort_for_min_max import _index, guarded, subject_name

SUMMARY = "`list(d)[0]` copies everything to read one element -> `next(iter(d))`."


@codemod("list-first-key", "list-first-to-next-iter", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for sub in iter_nodes(ctx.func.body, cst.Subscript):
        assert isinstance(sub, cst.Subscript)
        call = sub.value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "list"
                and len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star
                and _index(sub) == 0):
            continue
        arg = call.args[0].value
        subj = subject_name(arg)
        if subj is None or not isinstance(arg, (cst.Name, cst.Call)):
            skipped.append(f"`{ctx.code(arg).strip()}` is not a name or a dict view of one")
            continue
        if not all(builtin_free(ctx, n) for n in ("list", "next", "iter")):
            skipped.append("`list`, `next` or `iter` is rebound here")
            continue
        if not guarded(ctx, sub, subj):
            skipped.append("empty input raises IndexError before and StopIteration after, and no emptiness guard was found")
            continue
        inner = arg
        if isinstance(arg, cst.Call) and isinstance(arg.func, cst.Attribute) and arg.func.attr.value == "keys":
            inner = arg.func.value
        ctx.replace(sub, cst.parse_expression(f"next(iter({ctx.code(inner).strip()}))").with_changes(
            lpar=sub.lpar, rpar=sub.rpar))
        done.append(f"`list(...)[0]` -> `next(iter(...))` (non-empty: guarded on `{subj}`)")
    return summarize(done, skipped, "`list(...)[0]`")
