"""The machinery every structural detector shares: parsing, the registry, and scope facts.

Detectors are small functions over a :class:`Context` (one parsed snippet). They yield
``(node, message)`` pairs; the context turns nodes into :class:`Evidence` with lines relative to
the code that was passed in. The helpers here answer the questions that make a detector precise
rather than textual: is this node inside a loop of the same function, which names does that loop
rebind, what was a name bound to in this function (a list? a set? a string?).
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

LOOP_TYPES = (ast.For, ast.AsyncFor, ast.While)
COMP_TYPES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
SCOPE_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)
FUNC_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)

# Methods that change their receiver in place (lists, sets, dicts, deques, bytearrays).
MUTATORS = frozenset(
    {
        "append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "add", "discard",
        "update", "difference_update", "intersection_update", "symmetric_difference_update",
        "setdefault", "popitem", "appendleft", "extendleft", "popleft", "rotate",
    }
)


@dataclass(frozen=True)
class Evidence:
    """One structural finding: which catalog kind, where (1-based lines of the given code), why."""

    kind: str
    line: int
    end_line: int
    message: str
    snippet: str


Finding = tuple[ast.AST, str]
DetectorFn = Callable[["Context"], Iterable[Finding]]

REGISTRY: dict[str, DetectorFn] = {}


def register(name: str) -> Callable[[DetectorFn], DetectorFn]:
    """Register a detector under ``name`` (the ``[detector] name`` of a catalog entry)."""

    def wrap(fn: DetectorFn) -> DetectorFn:
        if name in REGISTRY and REGISTRY[name] is not fn:
            raise ValueError(f"detector {name!r} registered twice")
        REGISTRY[name] = fn
        return fn

    return wrap


def parse_snippet(code: str) -> tuple[ast.Module, int] | None:
    """Parse a function's source as given (possibly indented); ``(tree, line_offset)`` or None.

    An indented method is first dedented; if a multi-line string sits further left than the
    body (so dedent cannot strip anything), it is wrapped in ``if 1:`` instead, which shifts
    every line by one: the offset undoes that.
    """
    attempts = [(code, 0), (textwrap.dedent(code), 0), ("if 1:\n" + code, 1)]
    # Tolerate stray lines before the definition (a caller's slicing off by a line or two).
    lines = code.splitlines(keepends=True)
    first = next((i for i, l in enumerate(lines) if _DEF_START.match(l)), 0)
    if first:
        rest = "".join(lines[first:])
        attempts += [(textwrap.dedent(rest), -first), ("if 1:\n" + rest, 1 - first)]
    for text, offset in attempts:
        try:
            return ast.parse(text), offset
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return None


_DEF_START = re.compile(r"^\s*(@|def\s|async\s+def\s|class\s)")


class Context:
    """One parsed snippet plus cached scope facts; what a detector function receives."""

    def __init__(self, code: str, tree: ast.Module, offset: int) -> None:
        self.code = code
        self.tree = tree
        self.offset = offset
        self.lines = code.splitlines()
        # One walk of the tree serves every detector: all nodes in ast.walk's order, each node's
        # parent, the nodes of each type, and each node's children (kept on the node, so that
        # subtree walks below need no further field introspection).
        parent: dict[ast.AST, ast.AST] = {}
        by_type: dict[type, list[ast.AST]] = {}
        nodes: list[ast.AST] = [tree]
        for node in nodes:  # grows while iterated: breadth first, as ast.walk
            kids = _child_nodes(node)
            node._eco_kids = kids  # type: ignore[attr-defined]
            for child in kids:
                parent[child] = node
            nodes.extend(kids)
            t = type(node)
            bucket = by_type.get(t)
            if bucket is None:
                by_type[t] = [node]
            else:
                bucket.append(node)
        self.parent = parent
        self.nodes = nodes
        self._by_type = by_type
        self._bindings: dict[ast.AST, dict[str, list[ast.AST]]] = {}
        self._varying: dict[ast.AST, set[str]] = {}

    # -- walking -------------------------------------------------------------------------
    def walk(self, types: type | tuple[type, ...] = ast.AST) -> Iterable[ast.AST]:
        """The nodes of the given types; per-type lists built once, so a detector costs what it reads."""
        plan = _WALK_PLANS.get(types)
        if plan is None:
            plan = _walk_plan(types)
        if plan is _ALL:
            return self.nodes
        if len(plan) == 1:
            t, abstract = plan[0]
            if not abstract:
                return self._by_type.get(t, ())
        return self._walk_plan(plan)

    def _walk_plan(self, plan: tuple[tuple[type, bool], ...]) -> Iterator[ast.AST]:
        for t, abstract in plan:
            if abstract:  # an abstract node class (ast.stmt, ast.expr): filter, in walk order
                yield from (n for n in self.nodes if isinstance(n, t))
            else:
                yield from self._by_type.get(t, ())

    def scope_of(self, node: ast.AST) -> ast.AST:
        """The innermost function (or lambda, class, module) containing ``node``."""
        cur = self.parent.get(node)
        while cur is not None and not isinstance(cur, SCOPE_TYPES):
            cur = self.parent.get(cur)
        return cur if cur is not None else self.tree

    def enclosing_loops(self, node: ast.AST) -> list[ast.AST]:
        """Loops and comprehensions around ``node`` in its own scope, innermost first.

        A node counts as inside a ``for`` loop only when it sits in the body (not the iterable
        or the ``else``), and inside a comprehension only when it is evaluated per element (the
        element, conditions, and the iterables of inner generators).
        """
        loops: list[ast.AST] = []
        child = node
        cur = self.parent.get(node)
        while cur is not None and not isinstance(cur, SCOPE_TYPES):
            if isinstance(cur, (ast.For, ast.AsyncFor)) and child in cur.body:
                loops.append(cur)
            elif isinstance(cur, ast.While) and (child in cur.body or child is cur.test):
                loops.append(cur)
            elif isinstance(cur, COMP_TYPES):
                first_iter = cur.generators[0].iter
                if node is not first_iter and not _contains(first_iter, node):
                    loops.append(cur)
            child = cur
            cur = self.parent.get(cur)
        return loops

    def in_loop(self, node: ast.AST) -> bool:
        return bool(self.enclosing_loops(node))

    def defined_outside_loops(self, name: str, at: ast.AST) -> bool:
        """``name`` keeps its value across every loop around ``at`` (bound before them all)."""
        return all(name not in self.varying(loop) and not self.mutated_in(name, loop) for loop in self.enclosing_loops(at))

    def exits_once(self, node: ast.AST) -> bool:
        """``node`` runs at most once per loop execution: under return/raise/yield or a branch that leaves."""
        cur = self.parent.get(node)
        child = node
        while cur is not None and not isinstance(cur, (*LOOP_TYPES, *COMP_TYPES, *SCOPE_TYPES)):
            if isinstance(cur, (ast.Return, ast.Raise)):
                return True
            for field in ("body", "orelse", "finalbody", "handlers"):
                block = getattr(cur, field, None)
                if isinstance(block, list) and child in block and block and isinstance(block[-1], (ast.Break, ast.Return, ast.Raise)):
                    return True
            child = cur
            cur = self.parent.get(cur)
        return False

    # -- names ---------------------------------------------------------------------------
    def bindings(self, scope: ast.AST) -> dict[str, list[ast.AST]]:
        """Every value a name is bound to in ``scope`` (assignments, params as ``ast.arg``)."""
        if scope in self._bindings:
            return self._bindings[scope]
        out: dict[str, list[ast.AST]] = {}
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = scope.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs]:
                out.setdefault(arg.arg, []).append(arg)
            for arg in (a.vararg, a.kwarg):
                if arg is not None:
                    out.setdefault(arg.arg, []).append(ast.Tuple(elts=[], ctx=ast.Load()))
        for node in walk_scope(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        out.setdefault(target.id, []).append(node.value)
                    else:
                        for name in stored_names(target):
                            out.setdefault(name, []).append(target)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                out.setdefault(node.target.id, []).append(node.value if node.value is not None else node.annotation)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                out.setdefault(node.target.id, []).append(node)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                for name in stored_names(node.target):
                    out.setdefault(name, []).append(node.target)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        for name in stored_names(item.optional_vars):
                            out.setdefault(name, []).append(item.optional_vars)
            elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                out.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    out.setdefault((alias.asname or alias.name).split(".")[0], []).append(node)
        self._bindings[scope] = out
        return out

    def kind_of_name(self, name: str, at: ast.AST) -> str | None:
        """What ``name`` holds in the scope of ``at``: "list", "set", "dict", "str", "bytes", ...

        Only when every binding in the scope agrees (augmented assignments keep the kind);
        ``None`` when unknown or mixed.
        """
        binds = self.bindings(self.scope_of(at)).get(name)
        if not binds:
            return None
        kinds = set()
        for b in binds:
            if isinstance(b, ast.AugAssign):
                continue
            kinds.add(value_kind(b))
        if len(kinds) != 1:
            return None
        return kinds.pop()

    def binding_values(self, name: str, at: ast.AST) -> list[ast.AST]:
        return self.bindings(self.scope_of(at)).get(name, [])

    def varying(self, loop: ast.AST) -> set[str]:
        """Names that may take a new value on each iteration of ``loop``."""
        if loop in self._varying:
            return self._varying[loop]
        names: set[str] = set()
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            names |= stored_names(loop.target)
            parts: list[ast.AST] = [*loop.body]
        elif isinstance(loop, ast.While):
            parts = [*loop.body, loop.test]
        else:  # comprehension
            for gen in loop.generators:  # type: ignore[attr-defined]
                names |= stored_names(gen.target)
            parts = [loop]
        for part in parts:
            for node in subtree(part):
                if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                    names.add(node.id)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    names |= {(a.asname or a.name).split(".")[0] for a in node.names}
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(node.name)
        self._varying[loop] = names
        return names

    def mutated_in(self, name: str, region: ast.AST) -> bool:
        """Whether ``region`` calls a mutating method on ``name`` or stores into it."""
        for node in subtree(region):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in MUTATORS and root_name(node.func.value) == name:
                    return True
            elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
                if root_name(node.value) == name:
                    return True
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
                return True
        return False

    def invariant_in(self, expr: ast.AST, loop: ast.AST, *, allow_calls: frozenset[str] = frozenset()) -> bool:
        """Whether ``expr`` certainly has the same value on every iteration of ``loop``.

        Conservative: any call other than the listed pure method names, any name the loop
        rebinds, or any base object the loop mutates makes it variant.
        """
        varying = self.varying(loop)
        for node in subtree(expr):
            if isinstance(node, ast.Name):
                if node.id in varying or self.mutated_in(node.id, loop):
                    return False
            elif isinstance(node, ast.Call):
                if not (isinstance(node.func, ast.Attribute) and node.func.attr in allow_calls) and not (
                    isinstance(node.func, ast.Name) and node.func.id in allow_calls
                ):
                    return False
            elif isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, *COMP_TYPES, ast.Lambda)):
                return False
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                base = root_name(node.value)
                if base is not None and self._attr_stored(base, node.attr, loop):
                    return False
        return True

    def _attr_stored(self, base: str, attr: str, loop: ast.AST) -> bool:
        for node in subtree(loop):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                if node.attr == attr and root_name(node.value) == base:
                    return True
        return False

    # -- output --------------------------------------------------------------------------
    def evidence(self, kind: str, node: ast.AST, message: str) -> Evidence:
        line = max(1, getattr(node, "lineno", 1) - self.offset)
        end = max(line, (getattr(node, "end_lineno", None) or line) - self.offset)
        snippet_lines = self.lines[line - 1 : min(end, line + 5)]
        snippet = textwrap.dedent("\n".join(snippet_lines)).strip("\n")
        return Evidence(kind=kind, line=line, end_line=end, message=message, snippet=snippet)


# -- pure helpers ----------------------------------------------------------------------------
_ALL: tuple = ()
_WALK_PLANS: dict[object, tuple] = {}


def _walk_plan(types: type | tuple[type, ...]) -> tuple:
    wanted = types if isinstance(types, tuple) else (types,)
    plan: tuple = _ALL if ast.AST in wanted else tuple((t, bool(t.__subclasses__())) for t in wanted)
    _WALK_PLANS[types] = plan
    return plan


def _child_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))`` without the generators."""
    kids: list[ast.AST] = []
    for name in node._fields:
        try:
            value = getattr(node, name)
        except AttributeError:
            continue
        if isinstance(value, ast.AST):
            kids.append(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    kids.append(item)
    return kids


def children(node: ast.AST) -> list[ast.AST]:
    """The direct children of ``node``: cached by :class:`Context` for the nodes of its tree."""
    kids = node.__dict__.get("_eco_kids")
    return kids if kids is not None else _child_nodes(node)


def subtree(node: ast.AST) -> list[ast.AST]:
    """``node`` and everything below it, in the order of ``ast.walk``, from the cached children."""
    out = [node]
    for n in out:  # grows while iterated: breadth first
        kids = n.__dict__.get("_eco_kids")
        out.extend(kids if kids is not None else _child_nodes(n))
    return out


def _contains(root: ast.AST, node: ast.AST) -> bool:
    return any(n is node for n in subtree(root))


def walk_scope(scope: ast.AST) -> Iterator[ast.AST]:
    """Walk ``scope`` without descending into nested functions, lambdas or classes."""
    todo = list(children(scope))
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, SCOPE_TYPES):
            continue
        todo.extend(children(node))


def stored_names(target: ast.AST) -> set[str]:
    return {n.id for n in subtree(target) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}


def root_name(expr: ast.AST) -> str | None:
    """``a`` for ``a``, ``a.b.c``, ``a[0].b``; None for anything rooted elsewhere."""
    while isinstance(expr, (ast.Attribute, ast.Subscript)):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def call_name(node: ast.AST) -> str | None:
    """Dotted name of a call's function: ``sorted``, ``re.compile``, ``x.pop``."""
    if not isinstance(node, ast.Call):
        return None
    cache = node.__dict__
    name = cache.get("_eco_call_name", _UNSET)
    if name is _UNSET:  # a dozen detectors ask this of every call: work it out once per node
        name = cache["_eco_call_name"] = dotted(node.func)
    return name  # type: ignore[return-value]


_UNSET = object()


def dotted(expr: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return None


def method_name(node: ast.AST) -> str | None:
    """``pop`` for ``anything.pop(...)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def is_const(node: ast.AST, value: object) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return isinstance(value, int) and node.operand.value == -value and type(node.operand.value) is int
    return isinstance(node, ast.Constant) and node.value == value and type(node.value) is type(value)


def same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


_LIST_ANN = {"list", "List", "Sequence", "MutableSequence", "typing.List", "typing.Sequence"}
_SET_ANN = {"set", "Set", "frozenset", "FrozenSet", "AbstractSet", "MutableSet"}
_DICT_ANN = {"dict", "Dict", "Mapping", "MutableMapping", "defaultdict", "OrderedDict", "Counter"}
_STR_CALLS = {"str", "repr", "format", "chr"}
_STR_METHODS = {"join", "format", "lower", "upper", "strip", "lstrip", "rstrip", "replace", "title", "capitalize"}


def annotation_kind(ann: ast.AST | None) -> str | None:
    if ann is None:
        return None
    if isinstance(ann, ast.Subscript):
        ann = ann.value
    name = dotted(ann) if not isinstance(ann, ast.Constant) else str(ann.value).split("[")[0]
    if name is None:
        return None
    short = name.rsplit(".", 1)[-1]
    if short in _LIST_ANN or name in _LIST_ANN:
        return "list"
    if short in _SET_ANN:
        return "set"
    if short in _DICT_ANN:
        return "dict"
    if short == "str":
        return "str"
    if short == "bytes":
        return "bytes"
    if short in {"int", "float"}:
        return "number"
    return None


def value_kind(node: ast.AST) -> str | None:
    """The container/scalar kind an expression certainly produces, as far as syntax tells."""
    if isinstance(node, ast.arg):
        return annotation_kind(node.annotation)
    if isinstance(node, (ast.List, ast.ListComp)):
        return "list"
    if isinstance(node, (ast.Set, ast.SetComp)):
        return "set"
    if isinstance(node, (ast.Dict, ast.DictComp)):
        return "dict"
    if isinstance(node, ast.JoinedStr):
        return "str"
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return "str"
        if isinstance(node.value, bytes):
            return "bytes"
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return "number"
        return None
    if isinstance(node, ast.BinOp):
        left, right = value_kind(node.left), value_kind(node.right)
        if isinstance(node.op, ast.Mult) and "list" in (left, right):
            return "list"
        if isinstance(node.op, ast.Mod) and left == "str":
            return "str"
        if isinstance(node.op, ast.Add) and left == right and left is not None:
            return left
        return None
    if isinstance(node, ast.Call):
        fn = call_name(node)
        if fn in {"list", "sorted"}:
            return "list"
        if fn in {"set", "frozenset"}:
            return "set"
        if fn in {"dict", "collections.defaultdict", "defaultdict", "collections.Counter", "Counter", "OrderedDict"}:
            return "dict"
        if fn in _STR_CALLS:
            return "str"
        if fn == "bytes":
            return "bytes"
        if fn in {"int", "float", "len", "abs", "round"}:
            return "number"
        meth = method_name(node)
        if meth in {"split", "rsplit", "splitlines", "readlines"}:
            return "list"
        if meth in _STR_METHODS and isinstance(node.func, ast.Attribute) and value_kind(node.func.value) == "str":
            return "str"
        if meth == "join" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Constant):
            return "bytes" if isinstance(node.func.value.value, bytes) else "str"
        return None
    return None
