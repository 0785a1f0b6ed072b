"""Code as the embedders and the re-ranker see it: comments and docstrings out, literals optional.

Two functions with the same shape should look the same to an embedder even when one is heavily
commented; and the re-ranker compares identifier tokens and a bag of syntax-node types, which is a
cheap stand-in for "same control flow". One tree-sitter parse per function serves all three.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from typing import Iterable

from tree_sitter import Query, QueryCursor

from eco.code.languages import LANGUAGES, language, parser_for

_STRING_TYPES = {"string", "string_literal", "raw_string_literal", "template_string", "interpreted_string_literal",
                 "char_literal", "character_literal", "concatenated_string", "text_block"}
_NUMBER_TYPES = {"integer", "float", "number_literal", "number", "int_literal", "float_literal",
                 "decimal_integer_literal", "decimal_floating_point_literal", "hex_integer_literal"}
# Node types that carry no shape (names, punctuation wrappers) are left out of the bag.
_BAG_SKIP = {"identifier", "comment", "string_content", "string_start", "string_end", "escape_sequence",
             "type_identifier", "field_identifier", "property_identifier", "package_identifier"}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|==|!=|<=|>=|\+=|-=|\*=|/=|->|=>|::|\*\*|//|&&|\|\||[-+*/%<>=!&|^~.,:;()\[\]{}@]")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

KEYWORDS = frozenset(
    # Python, then the C family, Go and JavaScript: enough to tell control flow from names.
    "and as assert async await break class continue def del elif else except finally for from global if import in "
    "is lambda nonlocal not or pass raise return try while with yield None True False "
    "case catch const default do extends final func go goto interface let new package private protected public "
    "range static struct switch this throw throws typeof var void defer map chan select fallthrough".split()
)


def split_identifier(name: str) -> list[str]:
    """``parseLogLine`` and ``parse_log_line`` both become ``parse log line``."""
    parts: list[str] = []
    for chunk in name.split("_"):
        if chunk:
            parts.extend(p.lower() for p in _CAMEL.findall(chunk))
    return parts


def code_tokens(code: str) -> list[str]:
    """Lexical tokens of (normalised) code: identifiers, numbers, operators, punctuation."""
    return _TOKEN.findall(code)


def identifier_tokens(code: str) -> set[str]:
    """Sub-tokens of every identifier and keyword, for the Jaccard re-rank."""
    out: set[str] = set()
    for ident in _IDENT.findall(code):
        if ident in KEYWORDS:
            out.add(ident)
        else:
            out.update(split_identifier(ident))
    return out


@dataclass(frozen=True)
class Analysis:
    normalized: str
    tokens: frozenset[str]
    node_bag: tuple[tuple[str, int], ...]

    def bag(self) -> Counter[str]:
        return Counter(dict(self.node_bag))


def _kinds(lang: str, names: Iterable[str]) -> list[str]:
    lg = language(lang)
    out = []
    for n in names:
        try:
            if lg.id_for_node_kind(n, True):
                out.append(n)
        except Exception:
            pass
    return out


@lru_cache(maxsize=None)
def _query(lang: str, mask: bool) -> Query:
    """One tree-sitter query per language: what to cut (comments, docstrings) and, optionally, mask."""
    parts = [f"({k}) @cut" for k in _kinds(lang, ("comment", "line_comment", "block_comment"))]
    if lang == "python":
        parts += ["(module . (expression_statement (string)) @cut)", "(block . (expression_statement (string)) @cut)"]
    if mask:
        parts += [f"({k}) @str" for k in _kinds(lang, sorted(_STRING_TYPES))]
        parts += [f"({k}) @num" for k in _kinds(lang, sorted(_NUMBER_TYPES))]
    return Query(language(lang), " ".join(parts))


@lru_cache(maxsize=16384)
def normalize_code(code: str, language_name: str = "python", mask_literals: bool = False) -> str:
    """Code without comments and docstrings, dedented, blank lines dropped; literals masked on request."""
    lang = language_name if language_name in LANGUAGES else "python"
    data = textwrap.dedent(code).encode("utf-8", "surrogateescape")
    tree = parser_for(lang).parse(data)
    caps = QueryCursor(_query(lang, mask_literals)).captures(tree.root_node)
    cuts: list[tuple[int, int, bytes]] = []
    for name, repl in (("cut", b""), ("str", b'"S"'), ("num", b"0")):
        for node in caps.get(name, ()):
            cuts.append((node.start_byte, node.end_byte, repl))
    if cuts:
        cuts.sort(key=lambda c: (c[0], -c[1]))
        pieces: list[bytes] = []
        pos = 0
        for start, end, repl in cuts:
            if start < pos:
                continue  # inside something already cut (a string inside a docstring)
            pieces.append(data[pos:start])
            pieces.append(repl)
            pos = end
        pieces.append(data[pos:])
        data = b"".join(pieces)
    lines = [ln.rstrip() for ln in data.decode("utf-8", "replace").splitlines()]
    return "\n".join(ln for ln in lines if ln.strip())


@lru_cache(maxsize=8192)
def analyze(code: str, language_name: str = "python", mask_literals: bool = False) -> Analysis:
    """Normalised text, identifier tokens and node-type bag of one function (for the re-rank)."""
    lang = language_name if language_name in LANGUAGES else "python"
    normalized = normalize_code(code, lang, mask_literals)
    tree = parser_for(lang).parse(normalized.encode("utf-8", "surrogateescape"))
    bag: Counter[str] = Counter()
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_named and node.type not in _BAG_SKIP:
            bag[node.type] += 1
        stack.extend(node.children)
    return Analysis(normalized=normalized, tokens=frozenset(identifier_tokens(normalized)),
                    node_bag=tuple(sorted(bag.items())))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def bag_similarity(a: Counter[str], b: Counter[str]) -> float:
    """Weighted Jaccard of node-type counts: 1.0 for the same syntax shape."""
    keys = set(a) | set(b)
    if not keys:
        return 0.0
    lo = sum(min(a[k], b[k]) for k in keys)
    hi = sum(max(a[k], b[k]) for k in keys)
    return lo / hi if hi else 0.0
