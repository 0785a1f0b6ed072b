"""Code as the embedders and the re-ranker see it: comments and docstrings out, literals optional.

Two functions with the same shape should look the same to an embedder even when one is heavily
commented; and the re-ranker compares identifier tokens and a bag of syntax-node types, which is a
cheap stand-in for "same control flow". One tree-sitter parse per function serves all three.
"""

from __future__ import annotations

import re
import textwrap
from bisect import bisect_left
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


_REPLACEMENTS = (("cut", b""), ("str", b'"S"'), ("num", b"0"))


def _cuts(root, lang: str, mask: bool) -> list[tuple[int, int, bytes]]:  # type: ignore[no-untyped-def]
    """(start byte, end byte, replacement) of everything to cut or mask under ``root``, in order."""
    caps = QueryCursor(_query(lang, mask)).captures(root)
    cuts = [(node.start_byte, node.end_byte, repl) for name, repl in _REPLACEMENTS for node in caps.get(name, ())]
    cuts.sort(key=lambda c: (c[0], -c[1]))
    return cuts


def _apply(data: bytes, cuts: Iterable[tuple[int, int, bytes]], base: int = 0) -> bytes:
    pieces: list[bytes] = []
    pos = 0
    for start, end, repl in cuts:
        start -= base
        if start < pos:
            continue  # inside something already cut (a string inside a docstring)
        pieces.append(data[pos:start])
        pieces.append(repl)
        pos = end - base
    pieces.append(data[pos:])
    return b"".join(pieces)


def _tidy(text: str, margin: str = "") -> str:
    n = len(margin)
    lines = [(ln[n:] if n and ln.startswith(margin) else ln).rstrip() for ln in text.splitlines()]
    return "\n".join(ln for ln in lines if ln.strip())


# Normalised text worked out from a whole file's parse during the candidate scan, waiting for the
# embedding step of the same run: (code, language, mask) -> text. Dropped when the index is built.
_from_scan: dict[tuple[str, str, bool], str] = {}


def normalize_code(code: str, language_name: str = "python", mask_literals: bool = False) -> str:
    """Code without comments and docstrings, dedented, blank lines dropped; literals masked on request."""
    lang = language_name if language_name in LANGUAGES else "python"
    if _from_scan:
        text = _from_scan.get((code, lang, mask_literals))
        if text is not None:
            return text
    return _normalize_parsed(code, lang, mask_literals)


@lru_cache(maxsize=16384)
def _normalize_parsed(code: str, lang: str, mask_literals: bool) -> str:
    data = textwrap.dedent(code).encode("utf-8", "surrogateescape")
    tree = parser_for(lang).parse(data)
    return _tidy(_apply(data, _cuts(tree.root_node, lang, mask_literals)).decode("utf-8", "replace"))



def normalize_from_file(data: bytes, tree, functions: Iterable, language_name: str,  # type: ignore[no-untyped-def]
                        mask_literals: bool = False) -> int:
    """Work out :func:`normalize_code` of each function from the file parse the scan already made.

    The embedding step then finds the text ready instead of parsing every function again (about
    half of the embedding time of the fast embedders). Exactly the same text: the file's
    comment/docstring/literal byte ranges that fall inside a function are the ones a parse of the
    function alone finds, and cutting before dedenting gives the same lines as dedenting first as
    long as every line of the function starts with its first line's indentation. Anything else
    (syntax errors, non-Python, a line indented less than the ``def``, carriage returns) is left
    to :func:`normalize_code`. Returns how many functions were done.
    """
    if language_name != "python" or tree.root_node.has_error:
        return 0
    cuts = _cuts(tree.root_node, language_name, mask_literals)
    starts = [c[0] for c in cuts]
    line_starts = [0]
    find = data.find
    pos = find(b"\n")
    while pos >= 0:
        line_starts.append(pos + 1)
        pos = find(b"\n", pos + 1)
    line_starts.append(len(data) + 1)
    done = 0
    for fn in functions:
        code = fn.code
        if "\r" in code:
            continue
        first = code.split("\n", 1)[0]
        margin = first[: len(first) - len(first.lstrip(" \t"))]
        if margin and not all(ln.startswith(margin) or not ln.strip(" \t") for ln in code.split("\n")):
            continue  # dedent would keep a shorter margin: let normalize_code work it out
        lo, hi = line_starts[fn.start_line - 1], line_starts[fn.end_line] - 1
        chunk = data[lo:hi]
        if chunk != code.encode("utf-8", "surrogateescape"):
            continue
        i, j = bisect_left(starts, lo), bisect_left(starts, hi)
        inside = [c for c in cuts[i:j] if c[1] <= hi]
        if len(inside) != j - i:
            continue  # a range running past the function: not expected, but not worth a guess
        text = _tidy(_apply(chunk, inside, lo).decode("utf-8", "replace"), margin)
        _from_scan[(code, language_name, mask_literals)] = text
        done += 1
    return done


def forget_scan() -> None:
    """Drop normalised text that no embedding step took (a scan whose functions were not embedded)."""
    _from_scan.clear()


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
