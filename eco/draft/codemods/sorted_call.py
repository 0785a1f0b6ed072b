"""Reading ``sorted(iterable, key=..., reverse=...)`` calls, shared by the min/max and top-k codemods."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from eco.draft.codemods.base import FunctionContext, builtin_free


@dataclass
class SortedCall:
    call: cst.Call
    iterable: cst.Arg
    key: cst.Arg | None
    reverse: bool


def read_sorted(ctx: FunctionContext, node: cst.CSTNode) -> SortedCall | str | None:
    """A ``sorted(...)`` call we understand, a reason we do not, or None if not a sorted call."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "sorted"):
        return None
    if not builtin_free(ctx, "sorted"):
        return "`sorted` is rebound here"
    pos = [a for a in node.args if a.keyword is None]
    if len(pos) != 1 or pos[0].star:
        return "`sorted` call has unusual positional arguments"
    key = reverse = None
    for a in node.args:
        if a.keyword is None:
            continue
        if a.keyword.value == "key":
            key = a
        elif a.keyword.value == "reverse":
            reverse = a
        else:
            return f"`sorted` has keyword `{a.keyword.value}`"
    rev = False
    if reverse is not None:
        if not (isinstance(reverse.value, cst.Name) and reverse.value.value in {"True", "False"}):
            return "`reverse=` is not a literal True/False"
        rev = reverse.value.value == "True"
    return SortedCall(call=node, iterable=pos[0], key=key, reverse=rev)
