"""Pull the rewritten function out of a model's reply, or say why there is none.

Models wrap code in every fence style, add prose, repeat the original before the rewrite,
return the whole class, or answer for a different file. This module takes the last fenced block
(```python, ```py, ```, ~~~) that defines the requested function, falls back to the whole reply
when it parses, and refuses replies that target another file or another function, so a
confused answer becomes an empty edit with a reason instead of a wrong patch.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$", re.MULTILINE)
_PY_INFOS = {"", "python", "py", "python3", "py3", "pycon", "ipython"}
_DIFF_HEADER = re.compile(r"^(?:---|\+\+\+)[ \t]+(?:[ab]/)?(?P<path>[^\s]+)", re.MULTILINE)
_DIFF_GIT = re.compile(r"^diff --git a/(?P<a>\S+) b/(?P<b>\S+)", re.MULTILINE)
_FILE_MARKER = re.compile(
    r"^[ \t]*(?:#|//)[ \t]*(?:file(?:name)?|path)[ \t]*:[ \t]*(?P<path>\S+)", re.IGNORECASE | re.MULTILINE
)
_IMPORTS_HEADER = re.compile(r"^[ \t>*_#-]*IMPORTS[ \t*_]*:[ \t]*(?P<rest>.*)$", re.IGNORECASE | re.MULTILINE)
_IMPORT_LINE = re.compile(r"^(?:from\s+[\w.]+\s+import\s+.+|import\s+[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)$")


@dataclass
class ParsedReply:
    """The function's new code (dedented), the imports it asks for, or why there is none."""

    code: str | None
    imports: list[str] = field(default_factory=list)
    problem: str = ""  # "refused: ..." or "malformed: ..." when code is None
    notes: str = ""  # prose around the code, kept as the drafter's explanation


@dataclass
class _Block:
    info: str
    code: str
    start: int
    end: int


def fenced_blocks(text: str) -> list[_Block]:
    """Every fenced block, in order; an unclosed last fence runs to the end of the reply."""
    blocks: list[_Block] = []
    pos = 0
    while True:
        m = _FENCE_OPEN.search(text, pos)
        if not m:
            break
        fence = m.group("fence")
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$", re.MULTILINE)
        body_start = m.end() + 1
        c = close.search(text, body_start) if body_start <= len(text) else None
        body_end = c.start() if c else len(text)
        info = m.group("info").strip().lower().split()[0] if m.group("info").strip() else ""
        blocks.append(_Block(info, text[body_start:body_end] if body_start <= len(text) else "", m.start(), c.end() if c else len(text)))
        pos = c.end() if c else len(text)
    return blocks


def _norm_path(path: str) -> str:
    return path.strip().strip("`'\"").lstrip("./").replace("\\", "/")


def _other_file(text: str, path: str) -> str | None:
    """A path the reply says it edits that is not ours, if any."""
    ours = _norm_path(path)
    mentioned: list[str] = []
    mentioned += [m.group("path") for m in _DIFF_HEADER.finditer(text)]
    for m in _DIFF_GIT.finditer(text):
        mentioned += [m.group("a"), m.group("b")]
    mentioned += [m.group("path") for m in _FILE_MARKER.finditer(text)]
    for other in mentioned:
        candidate = _norm_path(other)
        if candidate in ("/dev/null", "dev/null") or not re.search(r"[./]", candidate) or "|" in candidate:
            continue  # markdown rules and tables, not file names
        if candidate != ours and not ours.endswith("/" + candidate) and not candidate.endswith("/" + ours):
            return other
    return None


def _try_parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def _find_def(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The def named like ``qualname``: at top level, or inside the enclosing class(es)."""
    parts = [p for p in qualname.split(".") if p and p != "<locals>"]
    name = parts[-1]
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    # the whole class came back: walk down the class path
    body = tree.body
    for cls_name in parts[:-1]:
        cls = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == cls_name), None)
        if cls is None:
            return None
        body = cls.body
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _defined_names(tree: ast.Module) -> list[str]:
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def _segment(code: str, node: ast.AST) -> str:
    """Source lines of ``node`` with its decorators, dedented."""
    lines = code.splitlines()
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return textwrap.dedent("\n".join(lines[first - 1 : node.end_lineno])) + "\n"


def _split_imports(code: str, tree: ast.Module, fn: ast.AST) -> tuple[str, list[str]]:
    """Keep the function and any other top-level code; lift leading import statements out."""
    lines = code.splitlines()
    imports: list[str] = []
    keep: list[str] = []
    covered: set[int] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and node.end_lineno is not None:
            imports.append(" ".join("\n".join(lines[node.lineno - 1 : node.end_lineno]).split()))
            covered.update(range(node.lineno, node.end_lineno + 1))
    for i, line in enumerate(lines, start=1):
        if i not in covered:
            keep.append(line)
    rest = textwrap.dedent("\n".join(keep)).strip("\n") + "\n"
    return rest, imports


def parse_imports(text: str) -> list[str]:
    """Import statements from an ``IMPORTS:`` section (bullets, backticks, commas or a fence)."""
    found: list[str] = []
    for m in _IMPORTS_HEADER.finditer(text):
        candidates = [m.group("rest")]
        tail = text[m.end():].splitlines()[1:]
        for line in tail:
            stripped = line.strip()
            if not stripped or stripped.startswith(("```", "~~~")):
                continue
            if not re.match(r"^[-*•\d.)\s`]*(from|import)\b", stripped):
                break
            candidates.append(stripped)
        for cand in candidates:
            for piece in re.split(r";|`\s*,\s*`", cand):
                piece = re.sub(r"^[-*•\d.)\s]+", "", piece.strip()).strip().strip("`").strip()
                if piece.lower() in ("", "none", "n/a", "-", "(none)", "[]"):
                    continue
                if _IMPORT_LINE.match(piece) and _try_parse(piece) is not None and piece not in found:
                    found.append(piece)
    return found


def parse_reply(text: str, qualname: str, path: str) -> ParsedReply:
    """Extract the rewritten ``qualname`` from a model reply for the file ``path``."""
    if not text or not text.strip():
        return ParsedReply(None, problem="malformed: empty reply")
    other = _other_file(text, path)
    if other:
        return ParsedReply(None, problem=f"refused: reply edits another file ({other}), expected {path}")
    name = qualname.split(".")[-1]
    blocks = [b for b in fenced_blocks(text) if b.info in _PY_INFOS or b.info.startswith("python")]
    candidates: list[str] = [textwrap.dedent(b.code) for b in blocks]
    outside = text
    for b in reversed(blocks):
        outside = outside[: b.start] + outside[b.end :]
    if not blocks:
        candidates.append(textwrap.dedent(text))
        # prose before the code: start at the first def/decorator line
        m = re.search(r"^[ \t]*(?:@|async\s+def\s|def\s|from\s|import\s)", text, re.MULTILINE)
        if m:
            lines = text[m.start():].splitlines()
            # prose after the code: the longest prefix of lines that parses
            for end in range(len(lines), 0, -1):
                chunk = textwrap.dedent("\n".join(lines[:end]))
                if _try_parse(chunk) is not None:
                    candidates.append(chunk + "\n")
                    break
    imports = parse_imports(outside)
    other_names: list[str] = []
    unparsable = 0
    for code in reversed(candidates):  # the last block is the answer; earlier ones are often the original
        tree = _try_parse(code)
        if tree is None:
            unparsable += 1
            continue
        fn = _find_def(tree, qualname)
        if fn is None:
            other_names += _defined_names(tree)
            continue
        others = [n for n in tree.body if n is not fn and not isinstance(n, (ast.Import, ast.ImportFrom))]
        if fn in tree.body and others:
            # extra top-level code stays in, so the structural checks can name it
            rest, lifted = _split_imports(code, tree, fn)
        elif fn in tree.body:
            rest = _segment(code, fn)
            lifted = [" ".join(ast.get_source_segment(code, n).split()) for n in tree.body if n is not fn]  # type: ignore[union-attr]
        else:  # the whole class came back: keep only our method
            rest, lifted = _segment(code, fn), []
        for imp in lifted:
            if imp not in imports:
                imports.append(imp)
        return ParsedReply(rest, imports=imports, notes=" ".join(outside.split())[:2000])
    if other_names:
        return ParsedReply(None, problem=f"refused: reply defines {', '.join(sorted(set(other_names)))}, not {name}")
    if unparsable:
        return ParsedReply(None, problem=f"malformed: no parsable Python code defining {name}")
    return ParsedReply(None, problem=f"malformed: no code block defining {name}")
