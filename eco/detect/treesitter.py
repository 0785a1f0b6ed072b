"""Detectors written as tree-sitter queries in the catalog file itself (``kind = "treesitter"``).

A query is data: a user can add a detector without writing Python. The ``@match`` capture
marks the finding; text predicates (``#eq?``, ``#match?``) narrow it.
"""

from __future__ import annotations

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


def run_query(kind: str, query: str, code: str, language: str, message: str | None = None) -> list[Evidence]:
    if not query:
        return []
    try:
        q = compile_query(language, query)
    except ValueError:
        return []
    source = code.encode("utf-8", "surrogateescape")
    tree = parser_for(language).parse(source)
    lines = code.splitlines()
    out: dict[tuple[int, int], Evidence] = {}
    for node in QueryCursor(q).captures(tree.root_node).get("match", []):
        if node.has_error:
            continue
        line, end = node.start_point[0] + 1, node.end_point[0] + 1
        snippet = "\n".join(lines[line - 1 : min(end, line + 5)]).strip()
        out.setdefault((line, end), Evidence(kind, line, end, message or f"matches the {kind} pattern", snippet))
    return sorted(out.values(), key=lambda e: (e.line, e.end_line))
