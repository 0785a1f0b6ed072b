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

from eco.code.languages import LANGUAGES, parser_for

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


def _walk(node):  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        stack.extend(cur.children)


def _is_docstring(node) -> bool:  # type: ignore[no-untyped-def]
    """A Python string statement that is the first statement of a module, class or function body."""
    if node.type != "expression_statement" or node.named_child_count != 1:
        return False
    if node.named_children[0].type not in {"string", "concatenated_string"}:
        return False
    parent = node.parent
    if parent is None or parent.type not in {"block", "module"}:
        return False
    first = next((c for c in parent.named_children if c.type != "comment"), None)
    return first is not None and first.id == node.id


@lru_cache(maxsize=8192)
def analyze(code: str, language: str = "python", mask_literals: bool = False) -> Analysis:
    """Normalised text, identifier tokens and node-type bag of one function."""
    if language not in LANGUAGES:
        language = "python"
    text = textwrap.dedent(code)
    data = text.encode("utf-8", "surrogateescape")
    tree = parser_for(language).parse(data)
    cuts: list[tuple[int, int, bytes]] = []
    bag: Counter[str] = Counter()
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        kind = node.type
        if "comment" in kind:
            cuts.append((node.start_byte, node.end_byte, b""))
            continue
        if language == "python" and _is_docstring(node):
            cuts.append((node.start_byte, node.end_byte, b""))
            continue
        if node.is_named and kind not in _BAG_SKIP:
            bag[kind] += 1
        if mask_literals and kind in _STRING_TYPES:
            cuts.append((node.start_byte, node.end_byte, b'"S"'))
            continue
        if mask_literals and kind in _NUMBER_TYPES:
            cuts.append((node.start_byte, node.end_byte, b"0"))
            continue
        stack.extend(node.children)
    if cuts:
        cuts.sort()
        pieces: list[bytes] = []
        pos = 0
        for start, end, repl in cuts:
            if start < pos:
                continue
            pieces.append(data[pos:start])
            pieces.append(repl)
            pos = end
        pieces.append(data[pos:])
        data = b"".join(pieces)
    lines = [ln.rstrip() for ln in data.decode("utf-8", "replace").splitlines()]
    normalized = "\n".join(ln for ln in lines if ln.strip())
    return Analysis(normalized=normalized, tokens=frozenset(identifier_tokens(normalized)),
                    node_bag=tuple(sorted(bag.items())))


def normalize_code(code: str, language: str = "python", mask_literals: bool = False) -> str:
    return analyze(code, language, mask_literals).normalized


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
