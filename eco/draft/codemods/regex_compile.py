"""``re.match(LITERAL, s)`` (and ``search``/``fullmatch``/``findall``/``finditer``/``sub``/``subn``/``split``,
or ``re.compile(LITERAL)``) inside a loop -> a pattern compiled once before the loop.

Preconditions: the ``re`` module is imported under a known name and not rebound in the function;
the pattern is a str/bytes literal or a module-level constant bound once to one, and it compiles;
flags, if any, are literal combinations of ``re.X`` constants; the call is in a loop (statement or
comprehension) and not inside a nested function or lambda. The compiled pattern is assigned just
before the outermost enclosing loop statement (or before the statement holding the comprehension),
so the edit stays inside the function. ``re.sub``'s ``count`` and ``re.split``'s ``maxsplit`` keep
their meaning as the pattern methods' arguments of the same name and position.
"""

from __future__ import annotations

import ast
import re

import libcst as cst

from eco.draft.codemods.analysis import bindings, in_nested_scope, iter_nodes, loops_around
from eco.draft.codemods.base import FunctionContext, codemod, summarize

SUMMARY = "Regex compiled (or looked up in re's cache) on every iteration -> compiled once before the loop."
# function -> index of the flags positional argument in re.<fn>(pattern, ...)
_FLAGS_POS = {"match": 2, "search": 2, "fullmatch": 2, "findall": 2, "finditer": 2, "split": 3, "sub": 4,
              "subn": 4, "compile": 1}


def _literal(ctx: FunctionContext, e: cst.BaseExpression) -> str | bytes | None:
    if isinstance(e, (cst.SimpleString, cst.ConcatenatedString)):
        v = e.evaluated_value
        return v if isinstance(v, (str, bytes)) else None
    if isinstance(e, cst.Name) and not bindings(ctx, e.value):
        val = ctx.module_ctx.constant_list(e.value)
        if isinstance(val, ast.Constant) and isinstance(val.value, (str, bytes)):
            return val.value
    return None


def _flags_ok(ctx: FunctionContext, e: cst.BaseExpression, re_name: str) -> int | None:
    if isinstance(e, cst.Integer):
        return int(e.value, 0)
    if isinstance(e, cst.Attribute) and isinstance(e.value, cst.Name) and e.value.value == re_name:
        v = getattr(re, e.attr.value, None)
        return int(v) if isinstance(v, re.RegexFlag) else None
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.BitOr):
        a, b = _flags_ok(ctx, e.left, re_name), _flags_ok(ctx, e.right, re_name)
        return None if a is None or b is None else a | b
    return None


@codemod("regex-compile-in-loop", "hoist-regex-compile", SUMMARY)
def run(ctx: FunctionContext) -> str:
    re_name = ctx.module_ctx.module_alias("re")
    if re_name is None:
        raise_ = "the module does not `import re`"
        return summarize([], [raise_])
    if bindings(ctx, re_name):
        return summarize([], [f"`{re_name}` is rebound in the function"])
    done: list[str] = []
    skipped: list[str] = []
    hoisted: dict[tuple[str, str], str] = {}
    for call in iter_nodes(ctx.func.body, cst.Call):
        assert isinstance(call, cst.Call)
        f = call.func
        if not (isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == re_name
                and f.attr.value in _FLAGS_POS):
            continue
        fn = f.attr.value
        loops = loops_around(ctx, call)
        if not loops:
            continue
        if in_nested_scope(ctx, call):
            skipped.append("call is inside a nested function or lambda")
            continue
        args = list(call.args)
        if any(a.star for a in args) or not args or args[0].keyword is not None:
            skipped.append(f"`{re_name}.{fn}` has unusual arguments")
            continue
        pattern = _literal(ctx, args[0].value)
        if pattern is None:
            skipped.append(f"pattern `{ctx.code(args[0].value).strip()}` is not a literal or module constant")
            continue
        flags_src = "0"
        rest: list[cst.Arg] = []
        flag_val = 0
        bad = False
        for i, a in enumerate(args[1:], start=1):
            is_flags = (a.keyword is not None and a.keyword.value == "flags") or (a.keyword is None and i == _FLAGS_POS[fn])
            if is_flags:
                fv = _flags_ok(ctx, a.value, re_name)
                if fv is None:
                    bad = True
                    break
                flags_src, flag_val = ctx.code(a.value).strip(), fv
            else:
                rest.append(a.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        if bad:
            skipped.append("flags are not literal `re.X` constants")
            continue
        try:
            re.compile(pattern, flag_val)
        except (re.error, TypeError, ValueError) as exc:
            skipped.append(f"pattern does not compile ({exc})")
            continue
        outer = loops[-1]
        stmt = ctx.statement_of(outer)
        key = (ctx.code(args[0].value).strip() + "|" + flags_src, str(id(stmt)))
        if key not in hoisted:
            var = ctx.fresh(_var_name(fn))
            pat_src = ctx.code(args[0].value).strip()
            call_src = f"{re_name}.compile({pat_src})" if flags_src == "0" else f"{re_name}.compile({pat_src}, {flags_src})"
            ctx.insert_before(stmt, f"{var} = {call_src}")
            hoisted[key] = var
        var = hoisted[key]
        if fn == "compile":
            ctx.replace(call, cst.Name(var))
        else:
            ctx.replace(call, call.with_changes(func=cst.Attribute(cst.Name(var), cst.Name(fn)), args=rest))
        done.append(f"`{re_name}.{fn}(<literal>)` uses `{var}` compiled before the loop")
    return summarize(done, skipped, "regex call with a literal pattern inside a loop")


def _var_name(fn: str) -> str:
    return "pattern"
