"""Structural detectors: the catalog's own examples, hard negatives, and the public API."""

from __future__ import annotations

import textwrap

import pytest

from eco.detect import REGISTRY, Evidence, detect, detect_all, has_detector
from eco.mine.catalog import load_catalog

ENTRIES = load_catalog()
WITH_DETECTOR = [e for e in ENTRIES if e.detector]


def test_almost_every_entry_has_a_detector() -> None:
    assert len(WITH_DETECTOR) >= len(ENTRIES) - 2
    for e in WITH_DETECTOR:
        assert has_detector(e.id), e.id
        if e.detector["kind"] == "python":
            assert e.detector["name"] in REGISTRY


@pytest.mark.parametrize("entry", WITH_DETECTOR, ids=lambda e: e.id)
def test_detector_fires_on_before_and_not_on_after(entry) -> None:
    """The core self-check: each detector recognises its own bad example and accepts the fix."""
    for i, ex in enumerate(entry.examples):
        found = detect(entry.id, ex.before)
        assert found, f"{entry.id} example {i}: detector silent on `before`"
        assert all(ev.kind == entry.id for ev in found)
        assert detect(entry.id, ex.after) == [], f"{entry.id} example {i}: detector fires on `after`"


# (kind, code) pairs that look close to an anti-pattern but are not one.
HARD_NEGATIVES = [
    ("list-membership-in-loop", """
def f(items, allowed: set[str]):
    return [i for i in items if i in allowed]
"""),
    ("list-membership-in-loop", """
def f(items):
    out = []
    for i in items:
        if i in (1, 2, 3):
            out.append(i)
    return out
"""),
    ("list-membership-in-loop", """
def f(methods):
    for m in methods:
        if m in ["GET", "HEAD"]:
            yield m
"""),
    ("list-membership-in-loop", """
def f(rows, names):
    for row in rows:
        if row in names:  # names: unknown type, could be a set
            yield row
"""),
    ("list-membership-in-loop", """
def f(item, seen):
    seen = list(seen)
    return item in seen  # a single test, not in a loop
"""),
    ("loop-invariant-set-construction", """
def f(groups):
    out = []
    for g in groups:
        if "x" in set(g):  # depends on the loop variable
            out.append(g)
    return out
"""),
    ("loop-invariant-set-construction", """
def f(batches, extra):
    for b in batches:
        extra.append(b)
        if b in set(extra):  # source mutated inside the loop
            pass
"""),
    ("loop-invariant-set-construction", """
def f(rows):
    for row in rows:
        seen = set()  # a fresh accumulator per row is intended
        for x in row:
            seen.add(x)
"""),
    ("loop-invariant-set-construction", """
def f(items, source):
    return [i for i in items if i in set(source.fetch(i))]
"""),
    ("string-concat-in-loop", """
def f(values):
    total = 0
    for v in values:
        total += v
    return total
"""),
    ("string-concat-in-loop", """
def f(lines):
    out = []
    for line in lines:
        out += [line]
    return out
"""),
    ("string-concat-in-loop", """
    def f(self, rows):
        for row in rows:
            self.count += 1
            self.items += [row]
            self.total += len(row)
"""),
    ("needless-list-copy", """
def f(counts):
    for key, value in list(counts.items()):
        if value == 0:
            del counts[key]  # the snapshot is needed
"""),
    ("string-concat-in-loop", """
def f(a, b):
    s = ""
    s += a
    s += b
    return s
"""),
    ("sort-for-min-max", """
def f(xs):
    ordered = sorted(xs)
    return ordered[0], ordered[1:]
"""),
    ("sort-for-min-max", """
def f(xs):
    return sorted(xs)[1]
"""),
    ("sort-for-min-max", """
def f(xs):
    keys = sorted(xs)
    for k in keys[:-1]:
        print(k)
    return keys[-1]
"""),
    ("sort-for-top-k", """
def f(xs):
    return sorted(xs)[1:]
"""),
    ("sort-for-top-k", """
def f(xs):
    ranked = sorted(xs)
    print(ranked)
    return ranked[:3]
"""),
    ("list-pop-front", """
def f(stack):
    while stack:
        yield stack.pop()
"""),
    ("list-pop-front", """
def f(d: dict):
    for k in list(d):
        d.pop(0)
"""),
    ("list-pop-front", """
def f(q):
    return q.pop(0)  # once, not in a loop
"""),
    ("list-insert-front", """
def f(xs, items):
    for i in items:
        xs.insert(len(xs), i)
"""),
    ("nested-loop-join", """
def f(matrix):
    total = 0
    for row in matrix:
        for cell in row:  # inner iterable depends on the outer item
            if cell == row[0]:
                total += 1
    return total
"""),
    ("nested-loop-join", """
def f(names, suffixes):
    for name in names:
        for suff in suffixes:
            n = len(suff)
            if name[-n:] == suff:
                yield name
"""),
    ("nested-loop-join", """
def f(xs, ys):
    for x in xs:
        for y in ys:
            if x < y:
                yield x, y
"""),
    ("regex-compile-in-loop", """
import re
_P = re.compile("a+")
def f(lines):
    return [_P.match(l) for l in lines]
"""),
    ("regex-compile-in-loop", """
import re
def f(patterns, text):
    return [re.compile(p).search(text) for p in patterns]  # a different pattern each time
"""),
    ("missing-cache-pure-function", """
from functools import lru_cache
@lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
"""),
    ("missing-cache-pure-function", """
def walk(node):
    total = node.value
    for child in node.children:
        total += walk(child)
    return total
"""),
    ("missing-cache-pure-function", """
def fact(n):
    return 1 if n < 2 else n * fact(n - 1)
"""),
    ("missing-cache-pure-function", """
def f(n, out):
    out.append(n)
    return f(n - 1, out) + f(n - 2, out) if n > 1 else n
"""),
    ("missing-cache-pure-function", """
_UNITS = ("B", "KiB", "MiB")
def format_bytes(n: float) -> str:  # no text argument: floats rarely repeat
    for unit in _UNITS:
        if n < 1024:
            return f"{n:.1f} {unit}"
        n /= 1024
    return "big"
"""),
    ("missing-cache-pure-function", """
_WORDS = ("a", "b")
def tokens(text: str) -> list[str]:  # returns a mutable list: a cache would share it
    out = []
    for w in _WORDS:
        if w in text:
            out.append(w)
    return out
"""),
    ("missing-cache-pure-function", """
RULES = ("a", "b")
SEEN = []
def classify(agent: str) -> str:
    for r in RULES:
        if r in agent:
            SEEN.append(agent)  # side effect on module state
            return r
    return "-"
"""),
    ("missing-cache-pure-function", """
RULES = ("a", "b")
def classify(agent: str) -> str:
    for r in RULES:
        if r in agent:
            print(r)
            return r
    return "-"
"""),
    ("missing-cache-pure-function", """
from functools import lru_cache
RULES = ("a", "b")
@lru_cache(maxsize=None)
def classify(agent: str) -> str:
    for r in RULES:
        if r in agent:
            return r
    return "-"
"""),
    ("missing-cache-pure-function", """
def classify(agent: str, rules: tuple) -> str:
    for r in rules:  # the table is an argument, not a constant
        if r in agent:
            return r
    return "-"
"""),
    ("loop-invariant-sort", """
def f(rows, key):
    out = []
    for row in rows:
        out.append(sorted(row, key=key))  # depends on the loop variable
    for x in sorted(key):  # the iterable is evaluated once
        out.append(x)
    return out
"""),
    ("loop-invariant-sort", """
def f(rows, xs):
    for row in rows:
        xs.append(row)
        print(sorted(xs))  # the data changes every iteration
"""),
    ("any-all-list-comprehension", """
def f(xs):
    return any(x > 0 for x in xs) and all([1, 2])
"""),
    ("sum-list-comprehension", """
def f(xs):
    return sum(x * 2 for x in xs) + sum([1, 2, 3])
"""),
    ("dict-keys-membership", """
def f(k, d):
    return k in d or k in d.values()
"""),
    ("list-concat-in-loop", """
def f(parts):
    s = ""
    for p in parts:
        s = s + p
    return s
"""),
    ("list-concat-in-loop", """
def f(xs):
    n = 0
    for x in xs:
        n = n + x
    return n
"""),
    ("count-in-loop", """
def f(lines):
    return [line.count(",") for line in lines]
"""),
    ("count-in-loop", """
def f(rows):
    for row in rows:
        for cell in row:
            print(row.count(cell))  # row is rebound by the outer loop: a fresh, small list each time
"""),
    ("list-index-in-loop", """
def f(lines):
    return [line.index(":") for line in lines]
"""),
    ("needless-list-copy", """
def f(items: list):
    for x in list(items):
        if x is None:
            items.remove(x)  # the copy is needed: the loop mutates the original
"""),
    ("needless-list-copy", """
def f(self):
    for key in self.keys[:]:
        self.drop(key)  # a method may change self.keys
"""),
    ("needless-list-copy", """
def close_all(registry):
    for conn in list(registry.values()):
        conn.close()  # close() removes conn from the registry: the snapshot is needed
"""),
    ("needless-list-copy", """
def f(gen):
    return sorted(list(x for x in gen))  # a generator, not a list: no extra copy to remove here
"""),
    ("deepcopy-readonly", """
import copy
def f(config):
    c = copy.deepcopy(config)
    c["debug"] = True
    return c
"""),
    ("deepcopy-readonly", """
import copy
def f(state):
    snapshot = copy.deepcopy(state)
    return snapshot
"""),
    ("deepcopy-readonly", """
import copy
def f(rows):
    out = copy.deepcopy(rows)
    for r in out:
        r.append(0)
    return len(out)
"""),
    ("dict-double-lookup", """
def f(keys, d):
    for k in keys:
        if k in d:
            print(k)
"""),
    ("dict-double-lookup", """
def f(k, d):
    if k in d:  # once, not in a loop
        return d[k]
"""),
    ("len-list-generator", """
def f(xs):
    return len(xs) + len([x for x in xs if x])
"""),
    ("list-first-key", """
def f(d):
    return list(d)[1], next(iter(d)), list(reversed(d))[0]
"""),
    ("reversed-copy-index", """
def f(xs):
    return xs[-1], list(reversed(xs))
"""),
    ("json-roundtrip-copy", """
import json
def f(text):
    return json.loads(text), json.dumps(json.loads(text))
"""),
    ("sort-in-loop", """
def f(groups):
    out = []
    for g in groups:
        g.sort()  # each group sorted once
        out.append(g)
    return out
"""),
    ("sort-in-loop", """
def f(rows):
    for row in rows:
        cells = list(row)
        cells.sort()  # a new list each iteration
        yield cells
"""),
    ("import-in-hot-function", """
def f(xs):
    import json
    for x in xs:
        if x is None:
            import warnings  # rare path: lazy import under a condition
            warnings.warn("none")
        yield json.dumps(x)
"""),
    ("invariant-format-in-loop", """
def f(rows, host):
    for row in rows:
        yield f"{host}: {row}"
"""),
    ("invariant-format-in-loop", """
def f(rows, limit):
    for row in rows:
        if row > limit:
            raise ValueError(f"over {limit}")
"""),
    ("invariant-format-in-loop", """
def f(rows, obj):
    for row in rows:
        obj.name = row
        print(f"{obj.name}")
"""),
    ("open-file-in-loop", """
def f(paths):
    for p in paths:
        with open(p) as fh:
            yield fh.read()
"""),
    ("keyerror-in-loop", """
def f(keys, d):
    for k in keys:
        try:
            v = d[k]
        except KeyError:
            continue
        yield v
"""),
    ("keyerror-in-loop", """
def f(k, d):
    try:
        v = d[k]
    except KeyError:
        v = 0
    return v
"""),
    ("startswith-or-chain", """
def f(a, b):
    return a.startswith("x") or b.startswith("y")
"""),
    ("set-for-single-membership", """
def f(items, other):
    s = set(other)
    return [i for i in items if i in s]
"""),
    ("readlines-whole-file", """
def f(fh):
    lines = fh.readlines()
    return lines[-10:]
"""),
    ("range-len-indexing", """
def f(xs):
    for i in range(len(xs)):
        xs[i] = xs[i] * 2
"""),
    ("range-len-indexing", """
def f(xs):
    for i in range(len(xs)):
        print(i, xs[i])
"""),
    ("manual-defaultdict", """
def f(items, d):
    for k in items:
        if k not in d:
            d[k] = compute(k)
"""),
    ("manual-counter", """
def f(words, counts):
    for w in words:
        counts[w] = counts.get(w, 0) + 1
        print(w)
"""),
    ("dict-iteration-lookup", """
def f(d, other):
    for k in d:
        print(other[k])
"""),
    ("sort-then-reverse", """
def f(xs):
    return sorted(xs, reverse=True), sorted(xs)[::2]
"""),
    ("manual-list-comprehension", """
def f(xs, out):
    for x in xs:
        out.append(x)
"""),
    ("manual-list-comprehension", """
def f(xs):
    out = []
    for x in xs:
        out.append(x)
        print(x)
    return out
"""),
    ("bytes-concat-in-loop", """
def f(chunks):
    buf = bytearray()
    for c in chunks:
        buf += c
    return bytes(buf)
"""),
    ("sum-of-lists", """
def f(xs):
    return sum(xs, 0) + sum(xs)
"""),
]


@pytest.mark.parametrize("kind,code", HARD_NEGATIVES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(HARD_NEGATIVES)])
def test_hard_negatives_stay_silent(kind: str, code: str) -> None:
    assert has_detector(kind)
    assert detect(kind, code) == []


HARD_POSITIVES = [
    ("list-membership-in-loop", """
def f(rows, names: list[str]):
    return [r for r in rows if r not in names]
"""),
    ("list-membership-in-loop", """
def f(rows, users):
    ids = list(users)
    out = []
    while rows:
        r = rows.pop()
        if r in ids:
            out.append(r)
    return out
"""),
    ("loop-invariant-set-construction", """
def f(matrix, banned):
    for row in matrix:
        for x in row:
            if x in set(banned):
                yield x
"""),
    ("string-concat-in-loop", """
def f(words):
    s = ""
    i = 0
    while i < len(words):
        s = s + words[i]
        i += 1
    return s
"""),
    ("regex-compile-in-loop", """
import re
def f(lines, sep):
    for line in lines:
        yield re.split(r"\\s*,\\s*", line)
"""),
    ("count-in-loop", """
def f(words):
    return {w: words.count(w) for w in words}
"""),
    ("missing-cache-pure-function", """
def paths(r, c):
    if r == 0 or c == 0:
        return 1
    return paths(r - 1, c) + paths(r, c - 1)
"""),
    ("sort-for-top-k", """
def f(xs, k):
    return sorted(xs, key=abs)[-k:]
"""),
    ("missing-cache-pure-function", """
_TABLE = ((0, 9, "a"), (10, 19, "b"))
def lookup(ip: str, strict: bool = False) -> str | None:
    value = int(ip)
    for lo, hi, name in _TABLE:
        if lo <= value <= hi:
            return name
    return None
"""),
    ("loop-invariant-sort", """
def f(values, qs):
    out = []
    for q in qs:
        out.append(sorted(values, key=abs)[q])
    return out
"""),
    ("string-concat-in-loop", """
    def write(self, rows):
        for row in rows:
            self.text += ",".join(row) + "\\n"
"""),
    ("needless-list-copy", """
def f(counts, n):
    out = []
    for key, value in list(counts.items()):
        if value >= n:
            out.append(key)
    return out
"""),
    ("sum-list-comprehension", """
def f(lines):
    return max([line.strip() for line in lines], key=len)
"""),
]


@pytest.mark.parametrize("kind,code", HARD_POSITIVES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(HARD_POSITIVES)])
def test_hard_positives_fire(kind: str, code: str) -> None:
    assert detect(kind, code)


# -- API ---------------------------------------------------------------------------------------
METHOD = '''    def render(self, rows):
        """Render.

Docstring lines flush left would break a naive dedent.
"""
        out = ""
        for r in rows:
            out += str(r)
        return out
'''


def test_indented_method_lines_are_relative_to_given_code() -> None:
    found = detect("string-concat-in-loop", METHOD)
    assert len(found) == 1
    ev = found[0]
    assert isinstance(ev, Evidence)
    assert ev.kind == "string-concat-in-loop"
    assert (ev.line, ev.end_line) == (8, 8)
    assert METHOD.splitlines()[ev.line - 1].strip() == "out += str(r)"
    assert ev.snippet == "out += str(r)"
    assert "join" in ev.message


def test_plain_indented_method_dedents() -> None:
    code = textwrap.indent("def f(self, xs):\n    return sorted(xs)[0]\n", "    ")
    [ev] = detect("sort-for-min-max", code)
    assert ev.line == 2


def test_treesitter_detector_lines_and_indentation() -> None:
    code = "    def f(self, xs):\n        x = 1\n        return sum(xs, [])\n"
    [ev] = detect("sum-of-lists", code)
    assert (ev.kind, ev.line, ev.end_line) == ("sum-of-lists", 3, 3)
    assert ev.snippet == "return sum(xs, [])"


def test_syntax_errors_unknown_kinds_and_other_languages_are_quiet() -> None:
    assert detect("sort-for-min-max", "def f(:\n    return sorted(x)[0]\n") == []
    assert detect_all("def f(:\n") == []
    assert detect("no-such-kind", "def f(): pass\n") == []
    assert not has_detector("no-such-kind")
    assert not has_detector("attribute-lookup-in-tight-loop")  # documented, no detector
    assert detect("sort-for-min-max", "int f() { return 0; }", language="c") == []
    assert detect("", "") == []


def test_detect_all_reports_every_kind_in_order() -> None:
    code = """
def f(items, limit):
    seen = []
    text = ""
    for item in items:
        if item not in seen:
            seen.append(item)
        text += str(item)
    return sorted(seen)[0], text
"""
    found = detect_all(code)
    kinds = {ev.kind for ev in found}
    assert {"list-membership-in-loop", "string-concat-in-loop", "sort-for-min-max"} <= kinds
    assert [ev.line for ev in found] == sorted(ev.line for ev in found)
    # nothing unrelated: no deepcopy, no regex, no I/O here
    assert not kinds & {"deepcopy-readonly", "regex-compile-in-loop", "open-file-in-loop", "readlines-whole-file"}


def test_nested_function_scopes_are_separate() -> None:
    code = """
def outer(xs):
    names = []
    def inner(ys):
        names = {1, 2}
        return [y for y in ys if y in names]
    return inner(xs)
"""
    assert detect("list-membership-in-loop", code) == []


def test_user_catalog_dirs_add_treesitter_detectors(tmp_path) -> None:
    from eco.detect import use_catalog_dirs

    (tmp_path / "eval-in-loop.toml").write_text('''
id = "eval-in-loop"
title = "eval in a loop"
category = "other"
language = "python"
summary = "eval() parses its argument on every call."
why = "Parsing is slow."
instead = "Parse once."
fixable = false
tags = []
[[examples]]
before = "for s in xs:\\n    eval(s)\\n"
after = "for s in xs:\\n    int(s)\\n"
[detector]
kind = "treesitter"
query = """((call function: (identifier) @fn) @match (#eq? @fn "eval"))"""
''')
    code = "def f(xs):\n    return [eval(x) for x in xs]\n"
    assert detect("eval-in-loop", code) == []
    use_catalog_dirs([tmp_path])
    try:
        [ev] = detect("eval-in-loop", code)
        assert ev.line == 2 and ev.kind == "eval-in-loop"
        assert any(e.kind == "eval-in-loop" for e in detect_all(code))
        assert detect("eval-in-loop", code, language="javascript") == []
    finally:
        use_catalog_dirs(None)
    assert detect("eval-in-loop", code) == []
