"""Put a drafted function back into its file, and describe the change as a unified diff.

Drafters return whole lines for one function plus the imports the new code needs; splicing is
line-based so everything outside the function (comments, formatting) is left byte for byte.
Imports go after the module's leading imports, where a reader expects them, and only when the
name is not bound already, so applying the same draft twice gives the same text.
"""

from __future__ import annotations

import ast
import difflib
import textwrap


def _indent_of(code: str) -> str:
    for line in code.splitlines():
        if line.strip():
            return line[: len(line) - len(line.lstrip())]
    return ""


def reindent(new_code: str, like: str) -> str:
    """Give ``new_code`` the indentation of ``like`` (an LLM often returns a method dedented)."""
    want, have = _indent_of(like), _indent_of(new_code)
    if want == have:
        return new_code
    body = textwrap.dedent(new_code)
    return textwrap.indent(body, want) if want else body


def _bound_names(stmt: ast.stmt) -> set[str]:
    names: set[str] = set()
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            names.add(alias.asname or alias.name.split(".")[0])
    elif isinstance(stmt, ast.ImportFrom):
        for alias in stmt.names:
            names.add(alias.asname or alias.name)
    return names


def _import_insertion_line(tree: ast.Module) -> int:
    """0-based line index after which new imports go: after the docstring, ``__future__`` and
    the leading block of top-level imports (imports further down the module are left alone)."""
    line = 0
    body = list(tree.body)
    i = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
        line = body[0].end_lineno or 0
        i = 1
    while i < len(body) and isinstance(body[i], (ast.Import, ast.ImportFrom)):
        line = body[i].end_lineno or line
        i += 1
    return line


def missing_imports(source: str, imports: list[str]) -> list[str]:
    """The import statements of ``imports`` whose names ``source`` does not bind at top level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [imp.strip() for imp in imports if imp.strip()]
    bound: set[str] = set()
    for stmt in tree.body:
        bound |= _bound_names(stmt)
    out: list[str] = []
    for imp in imports:
        imp = imp.strip()
        if not imp:
            continue
        try:
            stmts = ast.parse(imp).body
        except SyntaxError:
            out.append(imp)  # the compile step will report it
            continue
        needed: set[str] = set()
        for stmt in stmts:
            needed |= _bound_names(stmt)
        if not needed or not needed <= bound:
            if imp not in out:
                out.append(imp)
                bound |= needed
    return out


def splice(file_source: str, start_line: int, end_line: int, new_code: str, imports: list[str] | None = None) -> str:
    """Replace lines ``start_line..end_line`` (1-based, inclusive) with ``new_code`` and add the
    missing ``imports``; returns the new file text (the original's trailing newline is kept)."""
    lines = file_source.splitlines(keepends=True)
    if not (1 <= start_line <= end_line <= len(lines)):
        raise ValueError(f"line range {start_line}-{end_line} is outside the file ({len(lines)} lines)")
    old_code = "".join(lines[start_line - 1 : end_line])
    body = reindent(new_code.rstrip("\n"), old_code)
    replacement = [ln + "\n" for ln in body.split("\n")]
    if end_line == len(lines) and not lines[-1].endswith("\n"):
        replacement[-1] = replacement[-1].rstrip("\n")
    new_lines = lines[: start_line - 1] + replacement + lines[end_line:]

    to_add = missing_imports(file_source, imports or [])
    if to_add:
        try:
            insert_at = _import_insertion_line(ast.parse(file_source))
        except SyntaxError:
            insert_at = 0
        if insert_at > end_line:  # the function sits above the import block: shift by the size change
            insert_at += len(replacement) - (end_line - start_line + 1)
        if insert_at > 0 and not new_lines[insert_at - 1].endswith("\n"):
            new_lines[insert_at - 1] += "\n"
        new_lines[insert_at:insert_at] = [imp + "\n" for imp in to_add]
    return "".join(new_lines)


def unified_diff(path: str, old: str, new: str, context: int = 3) -> str:
    """A ``git diff``-style unified diff of one file (``a/path`` and ``b/path``)."""
    diff = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}", n=context
    )
    out = []
    for line in diff:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def is_empty_edit(old_code: str, new_code: str | None) -> bool:
    """No code, or a change of whitespace only."""
    if new_code is None or not new_code.strip():
        return True
    return "".join(old_code.split()) == "".join(new_code.split())
