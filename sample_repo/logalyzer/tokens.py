"""Tokenizing log messages, message templates and term statistics."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Mapping, Sequence

_WORD_RE = re.compile(r"[a-z0-9_]+(?:[-.][a-z0-9_]+)*")
_STRIP_CHARS = ".,;:!?()[]{}<>\"'`=/"
_VARIABLE_RE = re.compile(
    r"\b(?:0x[0-9a-f]+|[0-9a-f]{8,}|\d+(?:\.\d+)*(?:ms|s|kb|mb)?)\b", re.IGNORECASE
)

DEFAULT_STOPWORDS = (
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from",
    "has", "have", "in", "into", "is", "it", "its", "no", "not", "of", "on", "or",
    "so", "than", "that", "the", "then", "there", "this", "to", "was", "were",
    "will", "with", "after", "before", "while", "during", "via", "per", "new",
)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens of ``text``; punctuation around words is dropped."""
    tokens = []
    for word in text.lower().split():
        m = _WORD_RE.match(word.strip(_STRIP_CHARS))
        if m:
            tokens.append(m.group(0))
    return tokens


def template_of(message: str) -> str:
    """Replace the variable parts of a message (numbers, hex ids, durations) by ``<*>``."""
    return _VARIABLE_RE.sub("<*>", message)


def keyword_counts(messages: Iterable[str], stopwords: Iterable[str] = DEFAULT_STOPWORDS,
                   min_length: int = 3) -> dict[str, int]:
    """How often each non-stopword token of at least ``min_length`` characters occurs."""
    counts: dict[str, int] = {}
    for message in messages:
        for tok in tokenize(message):
            if len(tok) < min_length or tok in set(stopwords):
                continue
            counts[tok] = counts.get(tok, 0) + 1
    return counts


def build_vocabulary(token_lists: Iterable[Sequence[str]], min_count: int = 1,
                     max_size: int | None = None) -> list[str]:
    """Tokens seen at least ``min_count`` times, most frequent first, ties alphabetical."""
    counts = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    vocab = sorted((tok for tok, n in counts.items() if n >= min_count),
                   key=lambda tok: (-counts[tok], tok))
    return vocab if max_size is None else vocab[:max_size]


def vocabulary_index(vocabulary: Sequence[str]) -> dict[str, int]:
    """Map each vocabulary entry to its position (first position if repeated)."""
    index: dict[str, int] = {}
    for i, tok in enumerate(vocabulary):
        index.setdefault(tok, i)
    return index


def encode(tokens: Iterable[str], vocabulary: Sequence[str]) -> list[int]:
    """Replace each token by its position in ``vocabulary``; unknown tokens are dropped."""
    known = set(vocabulary)
    ids = []
    for tok in tokens:
        if tok in known:
            ids.append(vocabulary.index(tok))
    return ids


def known_tokens(tokens: Iterable[str], index: Mapping[str, int]) -> list[str]:
    """The tokens that a vocabulary index knows, in their original order."""
    return [tok for tok in tokens if tok in index.keys()]


def bigram_counts(token_lists: Iterable[Sequence[str]]) -> Counter:
    """Counts of adjacent token pairs within each token list."""
    counts: Counter = Counter()
    for tokens in token_lists:
        counts.update(zip(tokens, tokens[1:]))
    return counts


def top_terms(counts: Mapping, k: int = 10) -> list[tuple]:
    """The ``k`` most frequent ``(term, count)`` pairs; ties keep insertion order."""
    return sorted(counts.items(), key=lambda kv: kv[1], reverse=True)[:k]


def frequent(counts: Mapping, min_count: int) -> list[tuple]:
    """``(key, count)`` pairs with ``count >= min_count``, most frequent first, ties by key."""
    hits = []
    for key, n in list(counts.items()):
        if n >= min_count:
            hits.append((key, n))
    hits.sort(key=lambda kv: (-kv[1], kv[0]))
    return hits
