"""Extract every function and method of a file, with a qualified name and a line range.

One walk over the tree-sitter tree serves all languages: each language names the nodes that
open a named scope (classes, namespaces) and the nodes that are functions. Qualified names join
scopes with ``.`` (``Parser.parse_line``, ``outer.inner``, ``ns.Type.method``), which is how
profiles, ground truth and findings refer to functions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

from tree_sitter import Node, Tree

from eco.code.languages import parser_for

# node type -> how to find its name; scopes contribute to qualnames, functions are extracted.
_SCOPES: dict[str, set[str]] = {
    "python": {"class_definition"},
    "c": set(),
    "cpp": {"class_specifier", "struct_specifier", "namespace_definition"},
    "java": {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"},
    "go": set(),
    "javascript": {"class_declaration", "class"},
}
_FUNCTIONS: dict[str, set[str]] = {
    "python": {"function_definition"},
    "c": {"function_definition"},
    "cpp": {"function_definition"},
    "java": {"method_declaration", "constructor_declaration"},
    "go": {"function_declaration", "method_declaration"},
    "javascript": {"function_declaration", "method_definition", "generator_function_declaration"},
}


@dataclass(frozen=True)
class Function:
    """A function as it stands in one file at one revision."""

    path: str
    qualname: str
    language: str
    start_line: int  # 1-based, first decorator included
    end_line: int  # 1-based, inclusive
    code: str
    def_line: int  # 1-based line of the name itself (where profilers point)

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.code.encode("utf-8", "surrogateescape")).hexdigest()


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _declarator_name(node: Node) -> str:
    """C/C++: dig through pointer/reference/function declarators to the identifier."""
    current: Node | None = node.child_by_field_name("declarator")
    while current is not None:
        if current.type in {"identifier", "field_identifier", "destructor_name", "operator_name"}:
            return _text(current)
        if current.type == "qualified_identifier":
            return _text(current).replace("::", ".")
        nxt = current.child_by_field_name("declarator")
        if nxt is None:
            for child in current.named_children:
                if child.type in {"identifier", "field_identifier", "qualified_identifier", "function_declarator"}:
                    nxt = child
                    break
        current = nxt
    return "<anonymous>"


def _function_name(node: Node, lang: str) -> str:
    if lang in {"c", "cpp"}:
        return _declarator_name(node)
    name = node.child_by_field_name("name")
    if lang == "go" and node.type == "method_declaration":
        receiver = node.child_by_field_name("receiver")
        rtype = ""
        if receiver is not None:
            for ident in _walk(receiver):
                if ident.type == "type_identifier":
                    rtype = _text(ident)
                    break
        return f"{rtype}.{_text(name)}" if rtype else _text(name)
    return _text(name) or "<anonymous>"


def _scope_name(node: Node) -> str:
    name = node.child_by_field_name("name")
    return _text(name) if name is not None else "<anonymous>"


def _walk(node: Node) -> Iterable[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _js_assigned_function(node: Node) -> str | None:
    """``const f = () => ...`` and ``const f = function () {...}`` are functions named ``f``."""
    if node.type != "variable_declarator":
        return None
    value = node.child_by_field_name("value")
    if value is not None and value.type in {"arrow_function", "function_expression", "function"}:
        return _text(node.child_by_field_name("name"))
    return None


# Python defs are statements: only these nodes can hold one, so the walk need not enter expressions.
_PY_CONTAINERS = {
    "module", "block", "decorated_definition", "class_definition", "function_definition", "if_statement",
    "elif_clause", "else_clause", "for_statement", "while_statement", "try_statement", "except_clause",
    "except_group_clause", "finally_clause", "with_statement", "match_statement", "case_clause", "ERROR",
}


def extract_functions(source: bytes | str, language: str, path: str = "", tree: Tree | None = None) -> list[Function]:
    """All functions in ``source``, outermost first; tolerant of syntax errors (tree-sitter recovers).

    ``tree`` may be passed when the caller already parsed ``source`` (to look at errors, say).
    """
    data = source.encode("utf-8", "surrogateescape") if isinstance(source, str) else source
    if tree is None:
        tree = parser_for(language).parse(data)
    scopes, funcs = _SCOPES[language], _FUNCTIONS[language]
    # tree-sitter counts rows by "\n" only; str.splitlines() would also split on form feeds and
    # other separators and shift every function after one.
    lines = data.decode("utf-8", "replace").split("\n")
    out: list[Function] = []

    def visit(node: Node, prefix: list[str]) -> None:
        for child in node.children:
            kind = child.type
            if kind in funcs or (language == "javascript" and _js_assigned_function(child)):
                name = _js_assigned_function(child) if kind not in funcs else _function_name(child, language)
                outer = child
                if language == "python" and child.parent is not None and child.parent.type == "decorated_definition":
                    outer = child.parent
                qual = ".".join(prefix + [name or "<anonymous>"])
                start, end = outer.start_point[0], outer.end_point[0]
                # Whole lines, so the code can be spliced back into the file line by line.
                code = "\n".join(line.rstrip("\r") for line in lines[start : end + 1])
                out.append(
                    Function(
                        path=path,
                        qualname=qual,
                        language=language,
                        start_line=start + 1,
                        end_line=end + 1,
                        code=code,
                        def_line=child.start_point[0] + 1,
                    )
                )
                visit(child, prefix + [name or "<anonymous>"])
            elif kind in scopes:
                visit(child, prefix + [_scope_name(child)])
            elif child.child_count and (language != "python" or kind in _PY_CONTAINERS):
                visit(child, prefix)

    visit(tree.root_node, [])
    return out


def has_syntax_errors(source: bytes, language: str) -> bool:
    return parser_for(language).parse(source).root_node.has_error


def function_at(functions: Iterable[Function], line: int) -> Function | None:
    """The innermost function whose line range holds ``line``."""
    best: Function | None = None
    for fn in functions:
        if fn.start_line <= line <= fn.end_line:
            if best is None or (fn.end_line - fn.start_line) < (best.end_line - best.start_line):
                best = fn
    return best


def functions_in_ranges(functions: Iterable[Function], ranges: Iterable[tuple[int, int]]) -> list[Function]:
    """Innermost functions that overlap any of the 1-based inclusive line ranges (diff hunks)."""
    hit: dict[str, Function] = {}
    fn_list = list(functions)
    for lo, hi in ranges:
        for line in range(lo, hi + 1):
            fn = function_at(fn_list, line)
            if fn is not None:
                hit.setdefault(fn.qualname, fn)
    return sorted(hit.values(), key=lambda f: f.start_line)
