"""Add ``@functools.lru_cache(maxsize=None)`` to a pure module-level function called repeatedly.

Preconditions (all on evidence, checked with ``ast`` on the function and the module):
- a module-level ``def`` (not a method, not nested, not async, not a generator), with no decorators;
- every parameter is hashable-looking: annotated with a hashable type (``str``, ``int``, ``float``,
  ``bool``, ``bytes``, ``Optional[...]`` of those, ``tuple[str, ...]``), or with a literal default, or
  used with a str-only method in the body; no ``*args``/``**kwargs``. Numbers compare equal across
  types (``1 == 1.0 == True``) and would share a cache entry, so any numeric parameter adds
  ``typed=True``; tuples that could hold numbers are refused (``typed`` does not look inside);
- pure: no ``global``/``nonlocal``, no ``yield``/``await``; no assignment to attributes or items of
  anything but fresh locals; no mutating method calls on parameters or module names; no I/O or
  nondeterminism (``print``, ``open``, ``input``, ``time``, ``random``, ``datetime``, ``os``, ``sys``,
  ``logging``, ``uuid``, ``secrets``, ``subprocess``...);
- reads of module-level names are only imports, module functions that pass this same purity check
  (recursively), classes, and constants bound once to immutable literals (or to ``re.compile(...)``)
  and never mutated;
- every ``return`` gives an immutable-looking value (literal, f-string, arithmetic, comparison,
  tuple, call of ``str``/``int``/``len``..., a string method, a parameter, a local bound to one of
  those, or a call to a pure module function), so callers cannot mutate a cached result.
"""

from __future__ import annotations

import ast
import builtins
import re
import textwrap

import libcst as cst

from eco.draft.codemods.analysis import hashable_annotation
from eco.draft.codemods.base import FunctionContext, Refusal, codemod
from eco.draft.codemods.modctx import MUTATING_METHODS, ModuleContext

SUMMARY = "Pure function recomputed for repeated arguments -> `functools.lru_cache(maxsize=None)`."
IMPURE_NAMES = frozenset(
    "print open input exec eval compile globals locals vars setattr delattr breakpoint time random "
    "datetime os sys logging logger log uuid secrets subprocess socket requests urllib shutil pathlib "
    "Path tempfile threading asyncio signal getpass id".split()
)
PURE_BUILTINS = frozenset(
    "abs all any ascii bin bool bytes callable chr complex dict divmod enumerate filter float format "
    "frozenset getattr hasattr hash hex int isinstance issubclass iter len list map max min next oct "
    "ord pow range repr reversed round set slice sorted str sum tuple type zip ValueError KeyError "
    "TypeError IndexError Exception None True False".split()
)
IMMUTABLE_CALLS = frozenset("str int float bool len round abs hash ord chr tuple frozenset repr format bytes min max sum "
                            "divmod pow hex oct bin".split())
STR_ONLY = frozenset("lower upper strip lstrip rstrip split rsplit startswith endswith replace casefold "
                     "splitlines partition rpartition isdigit isalpha find rfind encode title".split())
SAFE_MODULES = frozenset("math re string unicodedata hashlib operator itertools functools bisect heapq "
                         "collections statistics fractions decimal ipaddress urllib.parse textwrap json".split())


def _locals(fn: ast.FunctionDef) -> set[str]:
    out = {a.arg for a in fn.args.args + fn.args.posonlyargs + fn.args.kwonlyargs}
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            out.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.Lambda)) and n is not fn:
            if isinstance(n, ast.FunctionDef):
                out.add(n.name)
            out.update(a.arg for a in n.args.args)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
    return out


def purity_problem(fn: ast.FunctionDef, mod: ModuleContext, seen: set[str]) -> str | None:
    """Why ``fn`` may not be pure, or None."""
    seen = seen | {fn.name}
    local = _locals(fn)
    params = {a.arg for a in fn.args.args + fn.args.posonlyargs + fn.args.kwonlyargs}
    fresh = local - params
    for n in ast.walk(fn):
        if isinstance(n, (ast.Global, ast.Nonlocal)):
            return "declares global/nonlocal"
        if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)):
            return "is a generator or coroutine"
        if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, (ast.Store, ast.Del)):
            base = n.value
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if not (isinstance(base, ast.Name) and base.id in fresh):
                return f"assigns into `{ast.unparse(n)}`"
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in MUTATING_METHODS:
            base = n.func.value
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if not (isinstance(base, ast.Name) and base.id in fresh):
                return f"mutates `{ast.unparse(n.func.value)}`"
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local:
            why = _global_ok(n.id, mod, seen)
            if why:
                return why
    return None


def module_function_pure(mod: ModuleContext, name: str) -> bool:
    """``name`` is a function defined in this module that passes the purity check."""
    fn = mod.functions.get(name)
    return fn is not None and purity_problem(fn, mod, set()) is None


def _global_ok(name: str, mod: ModuleContext, seen: set[str]) -> str | None:
    if name in IMPURE_NAMES:
        return f"uses `{name}` (I/O or nondeterminism)"
    if name in mod.imports:
        module, attr = mod.imports[name]
        top = module.split(".")[0]
        if module in SAFE_MODULES or top in SAFE_MODULES:
            return None
        return f"calls into module `{module}` not known to be pure"
    if name in mod.functions:
        if name in seen:
            return None
        why = purity_problem(mod.functions[name], mod, seen)
        return f"calls `{name}`, which {why}" if why else None
    if name in mod.assigns:
        v = mod.constant_list(name)
        if v is not None and (_immutable_literal(v) or _compiled_regex(v, mod)):
            return None
        return f"reads module-level `{name}`, which may change"
    if name in mod.bound:
        return None if name[:1].isupper() and name not in mod.assigns else f"reads module-level `{name}`"
    if hasattr(builtins, name):
        return None if name in PURE_BUILTINS else f"uses builtin `{name}`"
    return f"reads unknown name `{name}`"


def _compiled_regex(v: ast.expr, mod: ModuleContext) -> bool:
    """``NAME = re.compile(...)``: a compiled pattern is immutable."""
    return (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr == "compile"
            and isinstance(v.func.value, ast.Name) and mod.imports.get(v.func.value.id) == ("re", None))


def _immutable_literal(v: ast.expr) -> bool:
    if isinstance(v, ast.Constant):
        return True
    if isinstance(v, ast.Tuple):
        return all(_immutable_literal(x) for x in v.elts)
    if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "frozenset":
        return True
    return False


def _immutable_value(e: ast.expr, fn: ast.FunctionDef, mod: ModuleContext, depth: int = 0) -> bool:
    if depth > 5:
        return False
    if isinstance(e, (ast.Constant, ast.JoinedStr, ast.Compare, ast.BoolOp)):
        return True
    if isinstance(e, (ast.BinOp, ast.UnaryOp)):
        return not isinstance(getattr(e, "left", None), (ast.List, ast.Dict, ast.Set))
    if isinstance(e, ast.Tuple):
        return all(_immutable_value(x, fn, mod, depth + 1) for x in e.elts)
    if isinstance(e, ast.IfExp):
        return _immutable_value(e.body, fn, mod, depth + 1) and _immutable_value(e.orelse, fn, mod, depth + 1)
    if isinstance(e, ast.Call):
        if isinstance(e.func, ast.Name):
            if e.func.id in IMMUTABLE_CALLS:
                return True
            if e.func.id in mod.functions and e.func.id != fn.name:
                target = mod.functions[e.func.id]
                rets = [r.value for r in ast.walk(target) if isinstance(r, ast.Return) and r.value is not None]
                return bool(rets) and all(_immutable_value(r, target, mod, depth + 1) for r in rets)
            if e.func.id == fn.name:
                return True
        if isinstance(e.func, ast.Attribute) and e.func.attr in STR_ONLY - {"split", "rsplit", "splitlines",
                                                                             "partition", "rpartition"}:
            return True
        return False
    if isinstance(e, ast.Name):
        params = {a.arg for a in fn.args.args + fn.args.posonlyargs + fn.args.kwonlyargs}
        if e.id in params:
            return True
        values = [n.value for n in ast.walk(fn) if isinstance(n, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == e.id for t in n.targets)]
        aug = [n for n in ast.walk(fn) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
               and n.target.id == e.id]
        loops = [n for n in ast.walk(fn) if isinstance(n, (ast.For, ast.comprehension))
                 and isinstance(n.target, ast.Name) and n.target.id == e.id]
        if aug or not (values or loops):
            return False
        return all(_immutable_value(v, fn, mod, depth + 1) for v in values) and all(
            _immutable_items(lp.iter, mod) for lp in loops)
    return False


def _immutable_items(it: ast.expr, mod: ModuleContext) -> bool:
    """Iterating ``it`` yields immutable values (str pieces, ints, literal elements)."""
    if isinstance(it, (ast.Tuple, ast.List, ast.Set)):
        return all(_immutable_literal(x) for x in it.elts)
    if isinstance(it, ast.Constant) and isinstance(it.value, str):
        return True
    if isinstance(it, ast.Name):
        v = mod.constant_list(it.id)
        return isinstance(v, (ast.Tuple, ast.List, ast.Set)) and all(_immutable_literal(x) for x in v.elts)
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in {"split", "rsplit",
                                                                                          "splitlines"}:
        return True
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range":
        return True
    return False


def _param_kind(a: ast.arg, default: ast.expr | None, fn: ast.FunctionDef) -> str | None:
    """'str' (cache keys compare like the values), 'number' (needs ``typed=True``: 1 == 1.0 == True
    would share an entry), or None (not known to be hashable, or a tuple that could hide numbers)."""
    if a.annotation is not None:
        text = ast.unparse(a.annotation).replace(" ", "")
        if not hashable_annotation(text):
            return None
        parts = [t for t in re.split(r"[\[\],|]", text) if t and t not in {"Optional", "typing.Optional", "None",
                                                                            "...", "tuple", "Tuple", "frozenset",
                                                                            "FrozenSet"}]
        if text.startswith(("tuple", "Tuple", "frozenset", "FrozenSet")) and not all(p in {"str", "bytes"} for p in parts):
            return None
        return "str" if all(p in {"str", "bytes"} for p in parts) else "number"
    if default is not None and isinstance(default, ast.Constant):
        return "str" if isinstance(default.value, (str, bytes)) else "number"
    for n in ast.walk(fn):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in STR_ONLY \
                and isinstance(n.func.value, ast.Name) and n.func.value.id == a.arg:
            return "str"
    return None


@codemod("missing-cache-pure-function", "add-lru-cache", SUMMARY)
def run(ctx: FunctionContext) -> str:
    if ctx.wrapped or "." in ctx.qualname:
        raise Refusal("not a module-level function")
    if ctx.func.decorators:
        raise Refusal("already decorated; a cache could change what the decorator wraps")
    if ctx.func.asynchronous is not None:
        raise Refusal("async function")
    try:
        fn = ast.parse(textwrap.dedent(ctx.source)).body[0]
    except SyntaxError:
        raise Refusal("function does not parse") from None
    assert isinstance(fn, ast.FunctionDef)
    if fn.args.vararg or fn.args.kwarg:
        raise Refusal("takes *args/**kwargs")
    if not (fn.args.args or fn.args.posonlyargs or fn.args.kwonlyargs):
        raise Refusal("takes no arguments")
    positional = fn.args.posonlyargs + fn.args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(fn.args.defaults)) + list(fn.args.defaults)
    pairs = list(zip(positional, defaults)) + list(zip(fn.args.kwonlyargs, fn.args.kw_defaults))
    kinds = []
    for a, d in pairs:
        k = _param_kind(a, d, fn)
        if k is None:
            raise Refusal(f"parameter `{a.arg}` is not known to be hashable (annotate it)")
        kinds.append(k)
    typed = ", typed=True" if "number" in kinds else ""
    why = purity_problem(fn, ctx.module_ctx if ctx.module_ctx.parsed else ModuleContext(), set())
    if why:
        raise Refusal(f"not provably pure: it {why}")
    rets = [r for r in ast.walk(fn) if isinstance(r, ast.Return)]
    if not rets or any(r.value is None for r in rets):
        raise Refusal("does not always return a value")
    for r in rets:
        if not _immutable_value(r.value, fn, ctx.module_ctx):  # type: ignore[arg-type]
            raise Refusal(f"returns `{ast.unparse(r.value)}`, which may be mutable (callers would share it)")  # type: ignore[arg-type]
    spelled, line = ctx.module_ctx.resolve("functools", "lru_cache", ctx._taken, prefer_module=True)
    ctx.need_import(line)
    deco = cst.Decorator(decorator=cst.parse_expression(f"{spelled}(maxsize=None{typed})"))
    # The decorator goes above the def; leading comments/blank lines stay above the decorator.
    ctx.replace(ctx.func, lambda node: node.with_changes(
        decorators=[deco.with_changes(leading_lines=node.leading_lines)], leading_lines=[]))
    return "module-level, hashable arguments, no side effects or mutable globals, immutable results"
