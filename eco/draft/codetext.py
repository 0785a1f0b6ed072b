"""Small operations on function source text shared by drafters and the self-review.

A method is extracted with its class indentation; models and codemods work on it dedented. These
helpers move code between the two without touching the inside of multi-line strings, compare
two versions by meaning (AST) rather than by spacing, and measure how much an edit changes.
"""

from __future__ import annotations

import ast
import difflib
import io
import tokenize


def leading_indent(code: str) -> str:
    """Indentation of the first non-blank line."""
    for line in code.splitlines():
        if line.strip():
            return line[: len(line) - len(line.lstrip())]
    return ""


def _string_interior_lines(code: str) -> set[int]:
    """1-based lines that lie inside a multi-line string (their spacing is data)."""
    interior: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                interior.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return interior


def dedent_code(code: str) -> str:
    """Remove the common indentation of code lines, leaving multi-line string contents alone."""
    lines = code.splitlines()
    wrapped = "if True:\n" + "\n".join(lines) if lines and lines[0][:1] in (" ", "\t") else code
    offset = 1 if wrapped is not code else 0
    interior = {n - offset for n in _string_interior_lines(wrapped)}
    indent = None
    for i, line in enumerate(lines, start=1):
        if i in interior or not line.strip():
            continue
        width = len(line) - len(line.lstrip())
        prefix = line[:width]
        indent = prefix if indent is None else _common(indent, prefix)
    if not indent:
        return code if code.endswith("\n") or not code else code + "\n"
    out = []
    for i, line in enumerate(lines, start=1):
        if i in interior:
            out.append(line)
        elif line.startswith(indent):
            out.append(line[len(indent):])
        else:
            out.append(line.lstrip() if not line.strip() else line)
    return "\n".join(out) + "\n"


def _common(a: str, b: str) -> str:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return a[:n]


def reindent(code: str, indent: str) -> str:
    """``code`` dedented, then indented by ``indent`` (multi-line string contents untouched)."""
    flat = dedent_code(code)
    if not indent:
        return flat
    interior = _string_interior_lines(flat)
    out = []
    for i, line in enumerate(flat.splitlines(), start=1):
        out.append(line if i in interior or not line.strip() else indent + line)
    return "\n".join(out) + "\n"


def parse_code(code: str) -> ast.Module:
    """Parse a function's text whatever its indentation; raises SyntaxError when it is broken."""
    return ast.parse(dedent_code(code))


def same_code(a: str, b: str) -> bool:
    """Equal up to formatting and comments (same AST), or equal modulo whitespace if unparsable."""
    try:
        return ast.dump(parse_code(a)) == ast.dump(parse_code(b))
    except (SyntaxError, ValueError):
        return "".join(a.split()) == "".join(b.split())


def changed_lines(before: str, after: str) -> int:
    """Lines touched by the edit (the larger side of each changed hunk), blank lines ignored."""
    a = [line.strip() for line in before.splitlines() if line.strip()]
    b = [line.strip() for line in after.splitlines() if line.strip()]
    total = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            total += max(i2 - i1, j2 - j1)
    return total
