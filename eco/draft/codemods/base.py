"""What every codemod shares: parsing one function exactly, walking it, and editing it in place.

A codemod sees one function (whole lines, possibly an indented method with decorators) and either
returns the rewritten function or refuses with the precondition that failed. Indented code is
parsed under an ``if True:`` wrapper, so libcst keeps every byte we do not touch (comments,
blank lines, the method's indentation, multi-line strings) and we never dedent by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Union

import libcst as cst

from eco.draft.codemods.modctx import ModuleContext

_WRAPPER = "if True:\n"


class Refusal(Exception):
    """A precondition does not hold: no edit, and the reason goes to the pipeline's notes."""


@dataclass
class Rewrite:
    code: str
    imports: list[str]
    notes: str


Replacement = Union[cst.CSTNode, Callable[[cst.CSTNode], cst.CSTNode]]


@dataclass
class Codemod:
    name: str
    kind: str
    summary: str  # preconditions, one paragraph: shown by docs and in the draft notes
    run: Callable[["FunctionContext"], str]  # edits ctx, returns the notes; raises Refusal


REGISTRY: dict[str, list[Codemod]] = {}


def codemod(kind: str, name: str, summary: str) -> Callable[[Callable[["FunctionContext"], str]], Callable]:
    """Register ``run`` for an anti-pattern kind (a catalog id)."""

    def deco(run: Callable[["FunctionContext"], str]) -> Callable[["FunctionContext"], str]:
        REGISTRY.setdefault(kind, []).append(Codemod(name=name, kind=kind, summary=summary, run=run))
        return run

    return deco


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included), in source order."""
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        stack.extend(reversed(cur.children))


@dataclass
class FunctionContext:
    """One function, parsed, with a parent map, source order, and a queue of edits."""

    source: str
    module_ctx: ModuleContext
    qualname: str = ""
    wrapped: bool = False
    module: cst.Module = field(init=False)
    func: cst.FunctionDef = field(init=False)
    parents: dict[int, cst.CSTNode] = field(init=False, default_factory=dict)
    order: dict[int, int] = field(init=False, default_factory=dict)
    end_order: dict[int, int] = field(init=False, default_factory=dict)
    imports: list[str] = field(init=False, default_factory=list)
    _replace: dict[int, Replacement] = field(init=False, default_factory=dict)
    _before: dict[int, list[cst.BaseStatement]] = field(init=False, default_factory=dict)
    _after: dict[int, list[cst.BaseStatement]] = field(init=False, default_factory=dict)
    _taken: set[str] = field(init=False, default_factory=set)
    cache: dict[str, object] = field(init=False, default_factory=dict)  # analysis memo (tree never changes)

    def __post_init__(self) -> None:
        text = self.source if self.source.endswith("\n") else self.source + "\n"
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        self.wrapped = first[:1] in (" ", "\t")
        try:
            self.module = cst.parse_module(_WRAPPER + text if self.wrapped else text)
        except cst.ParserSyntaxError as exc:
            raise Refusal(f"function does not parse: {str(exc).splitlines()[0]}") from None
        body = self.module.body[0].body.body if self.wrapped else self.module.body  # type: ignore[attr-defined]
        funcs = [s for s in body if isinstance(s, cst.FunctionDef)]
        if len(body) != 1 or not funcs:
            raise Refusal("code is not exactly one function definition")
        self.func = funcs[0]
        self._index(self.module)
        self._taken = {n.value for n in walk(self.func) if isinstance(n, cst.Name)} | set(self.module_ctx.bound)

    def _index(self, root: cst.CSTNode) -> None:
        counter = 0
        stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                self.end_order[id(node)] = counter
                continue
            self.order[id(node)] = counter
            counter += 1
            stack.append((node, True))
            for child in reversed(node.children):
                self.parents[id(child)] = node
                stack.append((child, False))

    # --- navigation -------------------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(id(node))

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        cur = self.parent(node)
        while cur is not None and cur is not self.func:
            yield cur
            cur = self.parent(cur)

    def inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        return self.order[id(container)] <= self.order[id(node)] < self.end_order[id(container)]

    def after(self, node: cst.CSTNode, ref: cst.CSTNode) -> bool:
        """``node`` starts after ``ref`` ends, in source order."""
        return self.order[id(node)] >= self.end_order[id(ref)]

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement:
        """The statement holding ``node`` that sits directly in an indented block (insertable)."""
        cur: cst.CSTNode | None = node
        while cur is not None:
            par = self.parent(cur)
            if isinstance(cur, cst.BaseStatement) and isinstance(par, cst.IndentedBlock):
                return cur
            cur = par
        raise Refusal("statement is on a one-line suite; cannot insert next to it")

    def block_of(self, stmt: cst.BaseStatement) -> cst.IndentedBlock:
        par = self.parent(stmt)
        assert isinstance(par, cst.IndentedBlock)
        return par

    def fresh(self, base: str) -> str:
        """A name used nowhere in the function nor bound at module level."""
        name, n = base, 2
        while name in self._taken:
            name, n = f"{base}_{n}", n + 1
        self._taken.add(name)
        return name

    # --- edits ------------------------------------------------------------------------------
    def replace(self, old: cst.CSTNode, new: Replacement) -> None:
        self._replace[id(old)] = new

    def insert_before(self, stmt: cst.BaseStatement, *new: cst.BaseStatement | str) -> None:
        self._before.setdefault(id(stmt), []).extend(_stmt(s) for s in new)

    def insert_after(self, stmt: cst.BaseStatement, *new: cst.BaseStatement | str) -> None:
        self._after.setdefault(id(stmt), []).extend(_stmt(s) for s in new)

    def need_import(self, line: str | None) -> None:
        if line and line not in self.imports:
            self.imports.append(line)

    def edited(self) -> bool:
        return bool(self._replace or self._before or self._after)

    def render(self) -> str:
        new_module = self.module.visit(_Apply(self))
        text = new_module.code
        if self.wrapped:
            text = text[len(_WRAPPER) :]
        if not self.source.endswith("\n"):
            text = text[:-1] if text.endswith("\n") else text
        return text


def _stmt(s: cst.BaseStatement | str) -> cst.BaseStatement:
    return cst.parse_statement(s if s.endswith("\n") else s + "\n") if isinstance(s, str) else s


def expr(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


class _Apply(cst.CSTTransformer):
    def __init__(self, ctx: FunctionContext) -> None:
        super().__init__()
        self.ctx = ctx

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        key = id(original_node)
        out: cst.CSTNode = updated_node
        rep = self.ctx._replace.get(key)
        if rep is not None:
            out = rep(updated_node) if callable(rep) else rep
        before, after = self.ctx._before.get(key), self.ctx._after.get(key)
        if before or after:
            return cst.FlattenSentinel([*(before or []), out, *(after or [])])  # type: ignore[list-item]
        return out


def summarize(done: list[str], skipped: list[str], what: str = "pattern") -> str:
    """Notes for a codemod run over several sites; refuse when none was rewritten."""
    if not done:
        raise Refusal("; ".join(dict.fromkeys(skipped)) if skipped else f"no {what} found in the function")
    notes = "; ".join(done)
    if skipped:
        notes += " (left alone: " + "; ".join(dict.fromkeys(skipped)) + ")"
    return notes


def builtin_free(ctx: FunctionContext, name: str) -> bool:
    """``name`` still means the builtin: not bound in the function nor at module level."""
    if name in ctx.module_ctx.bound:
        return False
    return not any(isinstance(n, cst.Name) and n.value == name and _binds(ctx, n) for n in walk(ctx.func))


def _binds(ctx: FunctionContext, n: cst.Name) -> bool:
    from eco.draft.codemods.analysis import is_ref, store_slot

    return is_ref(ctx, n) and store_slot(ctx, n) is not None


def plain_args(args: "list[cst.Arg] | tuple[cst.Arg, ...]") -> list[cst.Arg]:
    """Args with their commas reset, so libcst writes ``a, b`` again after we drop or add some;
    a bare generator expression gets its parentheses back when it is no longer the only argument."""
    out = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args]
    if len(out) > 1:
        out = [a.with_changes(value=a.value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
               if isinstance(a.value, cst.GeneratorExp) and not a.value.lpar else a for a in out]
    return out
