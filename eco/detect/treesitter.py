"""Detectors written as tree-sitter queries in the catalog file itself (``kind = "treesitter"``).

A query is data: a user can add a detector without writing Python. The ``@match`` capture
marks the finding; text predicates (``#eq?``, ``#match?``) narrow it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tree_sitter import Query, QueryCursor

from eco.code.languages import language as ts_language, parser_for
from eco.detect.base import Evidence


@lru_cache(maxsize=256)
def compile_query(language: str, query: str) -> Query:
    """Compile (once) a query; raises ``ValueError`` with tree-sitter's reason when it is wrong."""
    try:
        return Query(ts_language(language), query)
    except Exception as exc:  # tree_sitter.QueryError and friends
        raise ValueError(f"bad tree-sitter query: {exc}") from None


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_PREDICATE_NAME = re.compile(r"#[A-Za-z_][\w-]*[?!]?")
_COMMENT = re.compile(r";[^\n]*")
_EQ = re.compile(r'\(\s*#eq\?\s+@[\w.-]+\s+"([^"\\]*)"\s*\)')
_ANY_OF = re.compile(r'\(\s*#any-of\?\s+@[\w.-]+((?:\s+"[^"\\]*")+)\s*\)')


@lru_cache(maxsize=256)
def required_text(query: str) -> tuple[tuple[str, ...], ...]:
    """Text that any match of ``query`` must contain: for each group, one of its strings.

    A capture constrained by ``#eq? @c "text"`` (or ``#any-of?``) holds that text whenever the
    pattern matches, so code without it cannot match and need not even be parsed. Only sound when
    every capture is present in every match: one pattern, no quantifiers, no alternations; any
    other query gets no requirement (an empty tuple) and is always run.
    """
    shape = _PREDICATE_NAME.sub("", _STRING.sub('""', _COMMENT.sub("", query)))
    if any(ch in shape for ch in "?*+[]"):
        return ()
    depth, groups = 0, 0
    for ch in shape:
        if ch == "(":
            groups += depth == 0
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and not ch.isspace():
            return ()
    if groups != 1 or depth != 0:
        return ()
    out: list[tuple[str, ...]] = [(m.group(1),) for m in _EQ.finditer(query)]
    out += [tuple(re.findall(r'"([^"\\]*)"', m.group(1))) for m in _ANY_OF.finditer(query)]
    return tuple(g for g in out if g and all(g))


@lru_cache(maxsize=8)
def _parse(language: str, code: str):  # type: ignore[no-untyped-def]
    """detect_all runs every query on the same code: parse it once."""
    return parser_for(language).parse(code.encode("utf-8", "surrogateescape"))


def run_query(kind: str, query: str, code: str, language: str, message: str | None = None) -> list[Evidence]:
    if not query:
        return []
    try:
        q = compile_query(language, query)
    except ValueError:
        return []
    for group in required_text(query):
        if not any(text in code for text in group):
            return []
    tree = _parse(language, code)
    lines = code.splitlines()
    out: dict[tuple[int, int], Evidence] = {}
    for node in QueryCursor(q).captures(tree.root_node).get("match", []):
        if node.has_error:
            continue
        line, end = node.start_point[0] + 1, node.end_point[0] + 1
        snippet = "\n".join(lines[line - 1 : min(end, line + 5)]).strip()
        out.setdefault((line, end), Evidence(kind, line, end, message or f"matches the {kind} pattern", snippet))
    return sorted(out.values(), key=lambda e: (e.line, e.end_line))
