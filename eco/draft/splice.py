"""Put a drafted function back into its file: replace its lines, add the imports it needs.

Drafters return a whole function and a list of import statements; this is the one place that
turns that into new file text, so the rules drafter's tests, the benchmark and (if it likes)
the validation stage agree on where imports go: after the last top-level import, or after the
module docstring and ``__future__`` imports when there are none.
"""

from __future__ import annotations

import ast


def _bound_by(stmt: ast.stmt) -> set[tuple[str, str | None, str]]:
    """(module, attr, local name) triples an import statement binds."""
    out: set[tuple[str, str | None, str]] = set()
    if isinstance(stmt, ast.Import):
        for a in stmt.names:
            out.add((a.name, None, a.asname or a.name.split(".")[0]))
    elif isinstance(stmt, ast.ImportFrom) and stmt.module:
        for a in stmt.names:
            out.add((stmt.module, a.name, a.asname or a.name))
    return out


def missing_imports(source: str, imports: list[str]) -> list[str]:
    """The import lines of ``imports`` whose names the module does not already import at top level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return list(dict.fromkeys(imports))
    have: set[tuple[str, str | None, str]] = set()
    for stmt in tree.body:
        have |= _bound_by(stmt)
    out = []
    for line in dict.fromkeys(imports):
        try:
            wanted = _bound_by(ast.parse(line).body[0])
        except (SyntaxError, IndexError):
            continue
        if not wanted <= have:
            out.append(line)
    return out


def _import_insert_line(source: str) -> int:
    """0-based line index where new imports go."""
    tree = ast.parse(source)
    last = 0
    for i, stmt in enumerate(tree.body):
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            last = stmt.end_lineno or stmt.lineno
        elif i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
                and isinstance(stmt.value.value, str):
            last = stmt.end_lineno or stmt.lineno  # the module docstring
    return last


def splice_function(source: str, start_line: int, end_line: int, new_code: str, imports: list[str] = ()) -> str:
    """``source`` with lines ``start_line..end_line`` (1-based, inclusive) replaced by ``new_code``
    and the missing ``imports`` added at the top."""
    lines = source.splitlines(keepends=True)
    new_lines = new_code.splitlines(keepends=True)
    if new_lines and not new_lines[-1].endswith("\n"):
        new_lines[-1] += "\n"
    text = "".join(lines[: start_line - 1] + new_lines + lines[end_line:])
    needed = missing_imports(text, list(imports))
    if not needed:
        return text
    at = _import_insert_line(text)
    out = text.splitlines(keepends=True)
    return "".join(out[:at] + [line + "\n" for line in needed] + out[at:])
