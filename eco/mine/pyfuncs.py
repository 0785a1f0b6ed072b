"""Python functions of a file through the stdlib parser: the miner's fast path.

The miner cuts functions out of two file versions for every candidate commit; the C parser in
:mod:`ast` does that an order of magnitude faster than walking a tree-sitter tree in Python, and
gives the same qualified names and whole-line ranges as :func:`eco.code.extract_functions`.
Files it cannot parse (Python 2, syntax errors) return None and go through tree-sitter.
"""

from __future__ import annotations

import ast
import warnings
from collections import OrderedDict

from eco.code import Function, extract_functions


_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()
)
_NODES: OrderedDict[str, ast.AST] = OrderedDict()  # function code -> its parsed node, most recent last
_NODES_MAX = 512  # a bound for one commit's functions; trees are large, keep few


def parsed_node(code: str) -> ast.AST | None:
    """The node this module parsed for exactly this function code, if it still remembers it.

    The shape comparison needs the tree of each changed function; the extractor just built it as
    part of its block, so handing it over saves a second parse of every before/after function.
    """
    return _NODES.get(code)


def forget_nodes(keep: set[str] | frozenset[str] = frozenset()) -> None:
    """Drop the remembered trees, except those of the functions whose code is in ``keep``.

    The miner calls this around each commit's function extraction: only that commit's changed
    functions are compared afterwards. Trees kept across commits survived into the collector's
    older generations and were traversed again and again (~0.3 s of the code worker per 20k
    commits), while a tree dropped right away is freed by reference counting.
    """
    if not keep:
        _NODES.clear()
        return
    for code in [c for c in _NODES if c not in keep]:
        del _NODES[code]


def _remember(code: str, node: ast.AST) -> None:
    _NODES[code] = node
    if len(_NODES) > _NODES_MAX:
        _NODES.popitem(last=False)


def python_functions(source: bytes, path: str) -> list[Function] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = source.decode("utf-8", "replace").splitlines()
    out: list[Function] = []

    def visit(body: list[ast.stmt], prefix: list[str]) -> None:
        # Functions and classes are statements: walking statement lists (not expressions) finds them all.
        for child in body:
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                end = child.end_lineno or child.lineno
                qual = ".".join(prefix + [child.name])
                code = "\n".join(lines[start - 1 : end])
                _remember(code, child)
                out.append(Function(path=path, qualname=qual, language="python", start_line=start, end_line=end,
                                    code=code, def_line=child.lineno))
                visit(child.body, prefix + [child.name])
            elif isinstance(child, ast.ClassDef):
                visit(child.body, prefix + [child.name])
            elif isinstance(child, _COMPOUND):  # simple statements hold no statements, hence no definitions
                for name in ("body", "orelse", "finalbody"):
                    sub = getattr(child, name, None)
                    if isinstance(sub, list):
                        visit(sub, prefix)
                for handler in getattr(child, "handlers", None) or []:
                    visit(handler.body, prefix)
                for case in getattr(child, "cases", None) or []:
                    visit(case.body, prefix)

    visit(tree.body, [])
    return out


def functions_of(source: bytes, language: str, path: str) -> list[Function]:
    """All functions of one file version; ``ast`` for Python when it parses, tree-sitter otherwise."""
    if language == "python":
        found = python_functions(source, path)
        if found is not None:
            return found
    try:
        return extract_functions(source, language, path)
    except RecursionError:  # a pathologically nested file (seen in mypy's test data): no functions, not a crash
        return []


def _top_level_blocks(lines: list[bytes]) -> list[tuple[int, int]]:
    """0-based [start, end) line spans of top-level statements, decorators joined to their def."""
    starts = [i for i, ln in enumerate(lines) if ln[:1] not in (b"", b" ", b"\t", b"#", b"\r", b"\n", b")", b"]", b"}")]
    blocks: list[tuple[int, int]] = []
    opened: int | None = None
    for k, start in enumerate(starts):
        if opened is None:
            opened = start
        if lines[start].startswith(b"@"):
            continue  # a decorator belongs to the definition that follows it
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        blocks.append((opened, end))
        opened = None
    if opened is not None:
        blocks.append((opened, len(lines)))
    if starts and starts[0] > 0:
        blocks.insert(0, (0, starts[0]))
    return blocks


def functions_near(source: bytes, language: str, path: str, ranges: list[tuple[int, int]]) -> list[Function]:
    """Functions in the top-level blocks that overlap ``ranges`` (1-based inclusive lines).

    Parsing only the touched top-level definitions keeps the cost per commit proportional to the
    change, not to the file; when a block does not parse on its own (a top-level line inside a
    triple-quoted string, say) the whole file is parsed instead.
    """
    if language != "python" or not ranges:
        return functions_of(source, language, path)
    lines = source.split(b"\n")
    out: list[Function] = []
    for s, e in _top_level_blocks(lines):
        if not any(lo <= e and hi >= s + 1 for lo, hi in ranges):
            continue
        chunk = b"\n".join(lines[s:e])
        found = python_functions(chunk, path)
        if found is None:
            return functions_of(source, language, path)
        for fn in found:
            out.append(Function(path=fn.path, qualname=fn.qualname, language=fn.language, start_line=fn.start_line + s,
                                end_line=fn.end_line + s, code=fn.code, def_line=fn.def_line + s))
    return out
