"""``s = ""`` then ``s += x`` in a loop -> ``s_parts = []``, ``s_parts.append(x)``, ``s = "".join(s_parts)``.

Preconditions:
- ``s`` is a local bound exactly once by ``s = <str or bytes literal>`` before the loop, in the same
  block as the loop, and otherwise only by ``s += x`` / ``s = s + x`` inside that one loop;
- ``s`` is not read anywhere inside the loop (nor between its assignment and the loop): the
  running value is never observed, so building it at the end is invisible;
- if the loop sits in a ``try``, no handler or ``finally`` of that try mentions ``s`` (a partial
  value would be observable after an exception);
- each appended ``x`` is a str on evidence (literal, f-string, ``str()``/string method call, a ``+``
  with a str literal, a name bound from those) - for bytes: a bytes literal, ``bytes()``,
  ``.encode()``/``.to_bytes()``/``.pack()``, or a ``+`` with one of those - or the loop has no side effects (so a TypeError
  raised at the join instead of mid-loop is indistinguishable).
The joined value is assigned right after the loop (after its ``else:``), so later reads see the
same string.

An attribute (``self.text += x`` in a loop) is observable state, so it is handled apart: the
parts are collected in a local and added once in a ``finally:`` around the loop, so an exception
mid-loop leaves the attribute with exactly the pieces added before it, as the original did.
Preconditions: the root (``self``) is a parameter never rebound; inside the loop the attribute
is not otherwise read or written, the root is not passed to any call and no method is called on
it (which could read the attribute), and the loop does not ``yield``; appended values are str on
evidence (the attribute's own type is unknown, so ``self.count += 1`` must never become a join).
"""

from __future__ import annotations

import libcst as cst

from eco.draft.codemods.analysis import (
    STR_METHODS, binding_stmt, bindings, is_param, iter_nodes, loop_region, loops_around, pure_expr, refs, store_slot,
)
from eco.draft.codemods.base import FunctionContext, codemod, summarize, walk

SUMMARY = "String built with `+=` in a loop -> list of parts and one `join` (linear, not quadratic)."


def bytes_looking(ctx: FunctionContext, e: cst.CSTNode, depth: int = 0) -> bool:
    if depth > 5:
        return False
    if isinstance(e, (cst.SimpleString, cst.ConcatenatedString)):
        return "b" in ctx.code(e).split("'")[0].split('"')[0].lower()
    if isinstance(e, cst.Call):
        f = e.func
        return (isinstance(f, cst.Name) and f.value == "bytes") or (
            isinstance(f, cst.Attribute) and f.attr.value in {"encode", "to_bytes", "pack", "tobytes"})
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Add):
        return bytes_looking(ctx, e.left, depth + 1) or bytes_looking(ctx, e.right, depth + 1)
    return False


def str_looking(ctx: FunctionContext, e: cst.CSTNode, depth: int = 0) -> bool:
    if depth > 5:
        return False
    if isinstance(e, (cst.FormattedString,)):
        return True
    if isinstance(e, (cst.SimpleString, cst.ConcatenatedString)):
        return "b" not in ctx.code(e).split("'")[0].split('"')[0].lower()
    if isinstance(e, cst.Call):
        f = e.func
        return (isinstance(f, cst.Name) and f.value in {"str", "repr", "format", "chr"}) or (
            isinstance(f, cst.Attribute) and f.attr.value in STR_METHODS - {"encode"})
    if isinstance(e, cst.BinaryOperation):
        if isinstance(e.operator, cst.Add):
            return str_looking(ctx, e.left, depth + 1) or str_looking(ctx, e.right, depth + 1)
        if isinstance(e.operator, cst.Modulo):
            return str_looking(ctx, e.left, depth + 1)
        return False
    if isinstance(e, cst.Name):
        sites = bindings(ctx, e.value)
        if not sites:
            return False
        for s in sites:
            par = ctx.parent(s)
            stmt = binding_stmt(ctx, s)
            if stmt is not None and str_looking(ctx, stmt.value, depth + 1):
                continue
            if isinstance(par, cst.For) and par.target is s and isinstance(par.iter, cst.Call) and isinstance(
                    par.iter.func, cst.Attribute) and par.iter.func.attr.value in {"split", "rsplit", "splitlines"}:
                continue
            return False
        return True
    return False


def _growth(ctx: FunctionContext, site: cst.Name) -> tuple[cst.BaseSmallStatement, cst.BaseExpression] | None:
    """``s += x`` or ``s = s + x`` -> (statement, x)."""
    par = ctx.parent(site)
    if isinstance(par, cst.AugAssign) and isinstance(par.operator, cst.AddAssign):
        return par, par.value
    if isinstance(par, cst.AssignTarget):
        stmt = ctx.parent(par)
        if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, cst.BinaryOperation) \
                and isinstance(stmt.value.operator, cst.Add) and isinstance(stmt.value.left, cst.Name) \
                and stmt.value.left.value == site.value:
            return stmt, stmt.value.right
    return None


def _one(ctx: FunctionContext, name: str) -> str:
    sites = bindings(ctx, name)
    inits, growths = [], []
    for s in sites:
        g = _growth(ctx, s)
        if g is not None and loops_around(ctx, s):
            growths.append((s, *g))
        else:
            inits.append(s)
    if len(inits) != 1 or store_slot(ctx, inits[0]) != "assign":
        raise ValueError(f"`{name}` is bound other than by one assignment plus `+=` in a loop")
    assign = binding_stmt(ctx, inits[0])
    if not (assign is not None
            and isinstance(assign.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))):
        raise ValueError(f"`{name}` does not start as a string literal")
    init_line = ctx.parent(assign)
    if not isinstance(init_line, cst.SimpleStatementLine) or len(init_line.body) != 1:
        raise ValueError(f"`{name} = ...` shares its line with other statements")
    block = ctx.parent(init_line)
    loop = None
    for s, _, _ in growths:
        cand = next((lp for lp in reversed(loops_around(ctx, s)) if isinstance(lp, (cst.For, cst.While))
                     and ctx.parent(lp) is block), None)
        if cand is None or (loop is not None and cand is not loop):
            raise ValueError(f"the `+=` on `{name}` are not all in one loop next to its assignment")
        loop = cand
    assert loop is not None
    if not ctx.after(loop, init_line):
        raise ValueError(f"`{name}` is assigned after the loop")
    grown = {id(s) for s, _, _ in growths}
    for r in refs(ctx, name):
        if id(r) in grown or r is inits[0]:
            continue
        rpar = ctx.parent(r)
        if isinstance(rpar, cst.BinaryOperation) and any(rpar is g.value for _, g, _ in growths if isinstance(g, cst.Assign)):
            continue
        if ctx.inside(r, loop):
            raise ValueError(f"`{name}` is read inside the loop")
        if ctx.after(r, init_line) and not ctx.after(r, loop):
            raise ValueError(f"`{name}` is used between its assignment and the loop")
    for anc in ctx.ancestors(loop):
        if isinstance(anc, (cst.Try, cst.TryStar)):
            handlers = [*anc.handlers, *( [anc.finalbody] if anc.finalbody else [])]
            if any(refs(ctx, name, h) for h in handlers):
                raise ValueError(f"the loop is in a `try` whose handler reads `{name}`")
    lit = ctx.code(assign.value)
    is_bytes = "b" in lit.split("'")[0].split('"')[0].lower()
    loop_pure = _pure_except_growth(ctx, loop, growths)
    for _, _, x in growths:
        if not (bytes_looking(ctx, x) if is_bytes else str_looking(ctx, x)):
            if not loop_pure:
                raise ValueError(f"`{ctx.code(x).strip()}` is not known to be a {'bytes' if is_bytes else 'str'} "
                                 "and the loop has side effects")
    parts = ctx.fresh(f"{name}_parts")
    empty = isinstance(assign.value, cst.SimpleString) and assign.value.evaluated_value in ("", b"")
    ctx.replace(assign, cst.parse_statement(f"{parts} = {'[]' if empty else '[' + lit + ']'}\n").body[0])
    for _, g, x in growths:
        ctx.replace(g, cst.Expr(cst.Call(func=cst.Attribute(cst.Name(parts), cst.Name("append")),
                                         args=[cst.Arg(value=x)])))
    ctx.insert_after(loop, f"{name} = {'b' if is_bytes else ''}\"\".join({parts})")
    return f"`{name}` is built in `{parts}` and joined once after the loop ({len(growths)} append site(s))"


def _pure_except_growth(ctx: FunctionContext, loop: cst.CSTNode, growths: list) -> bool:
    for part in loop_region(loop):
        for n in iter_nodes(part, (cst.Call, cst.Yield, cst.Await, cst.Raise, cst.Return)):
            inside_growth = any(ctx.inside(n, g) for _, g, _ in growths)
            if isinstance(n, cst.Call) and (inside_growth or pure_expr(ctx, n)):
                continue
            return False
    return True


def _attr_growths(ctx: FunctionContext) -> dict[tuple[str, str], list[cst.AugAssign]]:
    out: dict[tuple[str, str], list[cst.AugAssign]] = {}
    for aug in iter_nodes(ctx.func.body, cst.AugAssign):
        t = aug.target  # type: ignore[attr-defined]
        if isinstance(aug.operator, cst.AddAssign) and isinstance(t, cst.Attribute) \
                and isinstance(t.value, cst.Name) and loops_around(ctx, aug):
            out.setdefault((t.value.value, t.attr.value), []).append(aug)  # type: ignore[arg-type]
    return out


def _one_attr(ctx: FunctionContext, root: str, attr: str, augs: list[cst.AugAssign]) -> str:
    label = f"{root}.{attr}"
    if not is_param(ctx, root) or len(bindings(ctx, root)) != 1:
        raise ValueError(f"`{root}` is not a parameter bound once")
    loop = None
    for aug in augs:
        loops = [lp for lp in loops_around(ctx, aug) if isinstance(lp, (cst.For, cst.While))]
        cand = loops[-1] if loops else None
        if cand is None or (loop is not None and cand is not loop):
            raise ValueError(f"the `+=` on `{label}` are not all in one loop")
        loop = cand
    assert loop is not None
    try:
        ctx.statement_of(loop)
    except Exception:
        raise ValueError("the loop is on a one-line suite") from None
    targets = {id(a.target) for a in augs}
    for r in refs(ctx, root, loop):
        par = ctx.parent(r)
        if isinstance(par, cst.Attribute) and par.value is r:
            if id(par) in targets:
                continue
            if par.attr.value == attr:
                raise ValueError(f"`{label}` is read inside the loop")
            call = ctx.parent(par)
            if isinstance(call, cst.Call) and call.func is par:
                raise ValueError(f"`{root}.{par.attr.value}()` is called in the loop and could read `{label}`")
            continue
        raise ValueError(f"`{root}` itself is used in the loop (`{ctx.code(par).strip()[:40]}`)")
    if any(isinstance(n, (cst.Yield, cst.Await)) for n in walk(loop)):
        raise ValueError("the loop yields; the attribute would be observed between iterations")
    for a in augs:  # the attribute's type is unknown, so the added values must be str on evidence
        if not str_looking(ctx, a.value):
            raise ValueError(f"`{ctx.code(a.value).strip()}` added to `{label}` is not known to be a str")
    parts = ctx.fresh(f"{attr.lstrip('_')}_parts")
    for a in augs:
        ctx.replace(a, cst.Expr(cst.Call(func=cst.Attribute(cst.Name(parts), cst.Name("append")),
                                         args=[cst.Arg(value=a.value)])))
    ctx.insert_before(loop, f"{parts} = []")  # type: ignore[arg-type]
    join = cst.parse_statement(f'{label} += "".join({parts})\n')

    def wrap(updated: cst.CSTNode) -> cst.CSTNode:
        return cst.Try(body=cst.IndentedBlock([updated.with_changes(leading_lines=[])]),  # type: ignore[list-item]
                       finalbody=cst.Finally(body=cst.IndentedBlock([join])))

    ctx.replace(loop, wrap)
    return f"`{label}` gets its parts joined once, in a `finally:` after the loop ({len(augs)} append site(s))"


@codemod("bytes-concat-in-loop", "bytes-concat-to-join", SUMMARY)
@codemod("string-concat-in-loop", "string-concat-to-join", SUMMARY)
def run(ctx: FunctionContext) -> str:
    done: list[str] = []
    skipped: list[str] = []
    for (root, attr), augs in _attr_growths(ctx).items():
        try:
            done.append(_one_attr(ctx, root, attr, augs))
        except ValueError as exc:
            skipped.append(str(exc))
    names = []
    for aug in iter_nodes(ctx.func.body, (cst.AugAssign, cst.Assign)):
        site = aug.target if isinstance(aug, cst.AugAssign) else (aug.targets[0].target if aug.targets else None)
        if isinstance(site, cst.Name) and _growth(ctx, site) and loops_around(ctx, site) and site.value not in names:
            names.append(site.value)
    for name in names:
        try:
            done.append(_one(ctx, name))
        except ValueError as exc:
            skipped.append(str(exc))
    return summarize(done, skipped, "string `+=` in a loop")
