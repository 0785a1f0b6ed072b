"""What a codemod needs to know about the module around the function (from ``file_source``).

Questions like "is ``deque`` already imported, and under which name?", "is ``STOPWORDS`` a
module-level list of string literals that nothing mutates?" or "is ``helper`` a module function
that is itself pure?" are answered here with the standard ``ast`` module; a file that does not
parse gives an empty context (codemods that need it then refuse).
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field

MUTATING_METHODS = frozenset(
    "append extend insert remove pop clear sort reverse update add discard setdefault popitem "
    "difference_update intersection_update symmetric_difference_update appendleft extendleft "
    "popleft rotate __setitem__ __delitem__ __iadd__".split()
)


@dataclass
class ModuleContext:
    parsed: bool = False
    bound: set[str] = field(default_factory=set)  # names bound at module level
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # local -> (module, attr)
    assigns: dict[str, list[ast.expr]] = field(default_factory=dict)  # module-level name -> values
    mutated: set[str] = field(default_factory=set)  # names mutated or declared global anywhere
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    import_lines: list[str] = field(default_factory=list)
    class_fields: dict[str, dict[str, str]] = field(default_factory=dict)  # class -> field -> annotation

    def module_alias(self, module: str) -> str | None:
        for local, (mod, attr) in self.imports.items():
            if mod == module and attr is None:
                return local
        return None

    def resolve(self, module: str, attr: str, taken: set[str], prefer_module: bool) -> tuple[str, str | None]:
        """How to spell ``module.attr`` in the function, and the import line it needs (or None)."""
        for local, (mod, a) in self.imports.items():
            if mod == module and a == attr and local not in taken - set(self.imports):
                return local, None
        alias = self.module_alias(module)
        if alias is not None:
            return f"{alias}.{attr}", None
        options = [(f"{module}.{attr}", f"import {module}", module), (attr, f"from {module} import {attr}", attr)]
        if not prefer_module:
            options.reverse()
        for spelling, line, name in options:
            if name not in taken and name not in self.bound:
                return spelling, line
        raise _refusal(f"cannot import {module}.{attr}: both names are taken in this module")

    def constant_list(self, name: str) -> ast.expr | None:
        """The value of a module-level name assigned once and never mutated, else None."""
        values = self.assigns.get(name)
        if not values or len(values) != 1 or name in self.mutated:
            return None
        return values[0]


def _refusal(msg: str) -> Exception:
    from eco.draft.codemods.base import Refusal

    return Refusal(msg)


@functools.lru_cache(maxsize=16)
def module_context(file_source: str) -> ModuleContext:
    """Parsed once per distinct file text (drafting many functions of one file is common);
    codemods only read the result."""
    try:
        tree = ast.parse(file_source)
    except (SyntaxError, ValueError):
        return ModuleContext()
    ctx = ModuleContext(parsed=True)
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            ctx.import_lines.append(ast.get_source_segment(file_source, stmt) or "")
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                local = a.asname or a.name.split(".")[0]
                ctx.imports[local] = (a.name if a.asname else a.name.split(".")[0], None)
                ctx.bound.add(local)
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            for a in stmt.names:
                local = a.asname or a.name
                ctx.imports[local] = (stmt.module, a.name)
                ctx.bound.add(local)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            ctx.bound.add(stmt.name)
            if isinstance(stmt, ast.ClassDef):
                ctx.class_fields[stmt.name] = {
                    b.target.id: ast.unparse(b.annotation) for b in stmt.body
                    if isinstance(b, ast.AnnAssign) and isinstance(b.target, ast.Name)}
            if isinstance(stmt, ast.FunctionDef):
                ctx.functions[stmt.name] = stmt
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        ctx.bound.add(n.id)
                        if isinstance(stmt, ast.AugAssign) or not isinstance(t, ast.Name):
                            ctx.mutated.add(n.id)
                        elif stmt.value is not None:
                            ctx.assigns.setdefault(n.id, []).append(stmt.value)
        else:
            for n in ast.walk(stmt):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    ctx.bound.add(n.id)
                    ctx.mutated.add(n.id)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            ctx.mutated.update(node.names)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in MUTATING_METHODS and isinstance(node.func.value, ast.Name):
                ctx.mutated.add(node.func.value.id)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if isinstance(node.value, ast.Name):
                ctx.mutated.add(node.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            ctx.mutated.add(node.target.id)
    return ctx
