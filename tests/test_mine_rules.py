"""Mining rules: the interface, each built-in rule, user folders, entry points, raising rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from mine_helpers import AFTER_FIND, BEFORE_FIND, commit, new_repo

from eco.mine.gitlog import RawCommit
from eco.mine.miner import mine
from eco.mine.rules import CommitView, RuleSet, judge, judge_cheap, load_rules
from eco.mine.shapes import transforms
from eco.mine.tester import test_rule as run_rule_test
from eco.workspace import open_workspace


def view(message: str, paths: tuple[str, ...] = ("pkg/core.py",)) -> CommitView:
    diff = b"".join(
        f"diff --git a/{p} b/{p}\nindex {'1' * 40}..{'2' * 40} 100644\n--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-a\n+b\n".encode()
        for p in paths
    )
    return CommitView(RawCommit("f" * 40, ["e" * 40], "A <a@x>", "2024-01-01T00:00:00+00:00", message, diff))


@pytest.fixture(scope="module")
def builtin() -> RuleSet:
    return load_rules()


def score_of(rules: RuleSet, name: str, v: CommitView) -> float | None:
    hit = rules.get(name).rule.score(v)  # type: ignore[union-attr]
    return None if hit is None else hit.score


def mined_change(tmp_path: Path, path: str, before: str, subject: str, after: str) -> dict:
    """The miner's row for one commit that changes ``path`` from ``before`` to ``after``."""
    root = new_repo(tmp_path)
    commit(root, "init", {path: before})
    sha = commit(root, subject, {path: after})
    rows: list[dict] = []
    with open_workspace(root) as ws:
        mine(ws, on_commit=rows.append)
    return next(r for r in rows if r["sha"] == sha)


def test_builtin_rules_load_with_names_and_docstrings(builtin: RuleSet) -> None:
    names = {r.name for r in builtin.rules}
    assert {"message-keywords", "perf-annotations", "static-shapes", "non-code-only"} <= names
    assert builtin.errors == []
    assert all(r.doc and r.source == "builtin" for r in builtin.rules)


@pytest.mark.parametrize(
    "message, expected",
    [
        ("Speed up the tokenizer", 1.0),
        ("Make parsing faster", 1.0),
        ("Fix quadratic behaviour in merge", 1.0),
        ("Cache compiled templates", 1.0),
        ("Respect cache-control header for simple responses", 0.5),
        ("Refactor\n\nThis makes lookups faster.", 0.5),
        ("Add new option --color", None),
        ("Merge fast-forward changes into release", None),
        ("Use the pip cache directory in CI", None),
        ("Optimize imports", None),
        ("Add performance tests for the parser", None),
        ("Speed up CI by caching wheels", None),
        ("Mark test_big as slow", None),
        ('Revert "Speed up the tokenizer"', None),
        ("Fast path for the bounded case", 1.0),
        ("Improve islice memory usage", 1.0),
        ("Hoist constant tuple out of loop", 1.0),
        ("Add __slots__ to Node", 1.0),
        ("relax speedups str check", None),  # the C module is called "speedups"
        ("Bump actions/cache from 3.0.1 to 3.0.2", 0.5),  # weak alone; the non-code rule vetoes it
        # work-avoidance phrasings that say "faster" without the word
        ("Cache Specifier Version", 1.0),  # "cache" as the verb that opens the subject
        ("[core] Memoize the options snapshot", 1.0),
        ("Cache directory may be set via environment", None),  # a cache directory, not caching
        ("Import `urllib.request` lazily in all non-network commands", 1.0),
        ("Lazy import babel", 1.0),
        ("Skip redundant creation of Versions in specifier comparison", 1.0),
        ("Avoid double package name canonicalization", 1.0),
        ("Skip `__replace__` in Specifier comparison if not needed", 1.0),
        ("Avoid unnecessary indirection", 0.5),  # a cleanup as often as a speedup: weak only
        ("Avoid O(E) lookup in display", 1.0),
        ("Kruskal MST early break for efficiency", 1.0),
        ("Reduce import time of the CLI", 1.0),
        ("Add a comment about lazy import", None),
        ("Only decode code if necessary", 0.5),  # "only when needed" is as often behaviour as speed
        ("Avoid building the flow dict in maximum_flow_value", 0.5),
        # a subject that hints plus a body that says speed are two signals
        ("Avoid building the flow dict\n\nThis makes every call about 2x faster.", 1.0),
        ("Use cache for DictExpr\n\nFaster type checking.", 0.5),  # "cache" in a subject is too often a component
        ("Fix catastrophic backtracking in Lua lexer lookaheads", 1.0),
        ("Backend fastpath", 1.0),
        ("Python lexer: add support for lazy imports in 3.15", 0.5),  # a feature whose name has a speed word
        ("Support query optimization with Dask expression arrays", 0.5),
        ("Disable bottleneck by default", None),  # bottleneck, the package
        ("*: Use set literals and comprehensions where applicable", None),
        ("Cache `ModelPrivateAttr.default_factory_takes_validated_data` property", 1.0),
        ("cache clear: make cache name optional", 0.5),  # "cache clear:" names a command
        ("Avoid exponential core schema traversal", 1.0),
        # laziness and avoided work stated without the usual words
        ("Build the prompt style on first use", 1.0),
        ("Import `sqlite3` on first use rather than at `core.history` import", 1.0),
        ("Fix crash on first use of the cache", 0.5),  # "on first use" without deferred work: only "cache" hints
        ("Keep pygments off IPython's startup path", 1.0),
        ("Use CFFI's out-of-line mode for import time reductions on Windows", 1.0),
        ("Avoid importing `logging` just for two level constants", 1.0),
        ("Avoid evaluating properties just for the api type", 1.0),
        ("avoid instantiating a potentially very large arange in `take`", 1.0),
        ("Consolidate block fetch requests.", 1.0),
        ("localfs: reduce stats calls during info", 1.0),
        ("fix backtracking hang in hstore literal parser", 1.0),
        ("Detect argcomplete with `find_spec` instead of importing it", 0.5),
        ("Skip the eager app import in the parent when spawning workers", 1.0),
        ("check endpoint handler is async only once", 1.0),
        ("Mark http_exception as async to prevent thread creation.", 0.5),
        ("Use `bytearray` for the incoming message buffer", 0.5),
        ("Added `__slots__` to several classes", 1.0),
        ("Adds `slots=True` support for `@dataclass`", None),  # a type checker's feature
        ("Avoid deepcopy when submitting graph", 1.0),
        ("Do not fully materialize global annotations by type", 1.0),
        ("Reduce dask.order overhead by removing stripped_dep computation", 1.0),
        ("Remove expensive tokenization for key uniqueness check", 1.0),
        ("Fixed 100% CPU spin on cancel scope misuse", 1.0),
        ("Ensure client submit does not serialize unnecessarily", 1.0),
        ("Update perf scripts to run additional releases", None),
        ("Fixed slow memory leak caused by identity", None),
        ("Make the number pattern regular expression more efficient", 1.0),
        ("Fix msgspec optimizations on 3.14", None),  # fixing an optimisation's bug
        ("fix: lazy import dirty module for gevent compatibility", 0.5),
        ("Remove connection parameter caching in `Pool`", None),
        # speed words that name a place, a test or a docstring
        ("Raise TTLibError on recursive components in recalcBounds fast path", None),
        ("fix(optimizer)!: stop optimizing OR-conditioned joins and anti joins", None),
        ("Split slow valgrind tests in four batches", None),
        ("Improve memory channel docstrings", None),
        # mechanisms that only exist for speed, and purposes stated in the body
        ("chunkers: zero-copy fill via FileReader.readinto()", 1.0),
        ("chunkers: release the GIL in the AES chunkers' scan kernels", 1.0),
        ("fetch_many: cache recently parsed chunks, #1678", 1.0),
        ("ci: cache pip downloads", None),
        ("Serve zero chunks directly\n\nInstead of fetching that chunk from the repository over and over, detect it.", 0.5),
        ("Lazy compaction\n\nThe memmove now runs once per buffer cycle instead of once per refill.", 1.0),
        ("Fix netmask\n\nThe netmask was reset once per interface instead of once per address.", None),  # what the bug was
        ("[Windows] fix net_if_stats() speed overflow for interfaces >4.29 Gbps", None),  # a link's speed
        ("Fix stats\n\nIt returned an overflow as the speed for network interfaces faster than ~4.29 Gbps.", None),
        ("Remove usage of LocalStacks\n\nIn local benchmarking this leads to a noticeable performance improvement.", 1.0),
        ("Two minor improvements\n\nHopefully these help performance.", 1.0),
        ("Fix crash on empty input\n\nThis also improves performance a little.", 0.5),  # a bug fix that mentions speed
        ("ENH: adding magnetic_laplacian_matrix\n\n* ENH: improving performance completing tests", 0.5),  # the new thing's own speed
        ("Fix: cache save failures should not be fatal", 0.5),
        ("[mypyc] Enable partial support for free-threading\n\nA toy benchmark shows free threading can improve performance.", 0.5),
        ("runtests.py: list tests to run\n\nRunning a subset of tests will help speed up typeshed CI.", 0.5),  # speed of CI: one weak word
        ("Late-import json (#753)", 1.0),
        ("no GIL in convolve", 1.0),
        ("Avoid lookups for set.add method.", 1.0),
        ("On Python 2, don't create a copy of the dictionary items.", 1.0),
        ("Fix crash when running with optimization (#2160)", None),  # python -O
        ("Enh: Defer expensive loading of dask.array (#2276)", 1.0),
        ("fix: import wall time due to cascade codec imports", 1.0),
        ("Switch to thread_local regular expressions to avoid regex mutex contention (#996)", 1.0),
        ("Re-use compiled regex for block level checks", 1.0),
        ("Load entry_points once using importlib.metadata.", 1.0),
        ("Build the docs once the release is tagged", None),  # "once" as "as soon as"
        ("Import operator once", None),  # tidying imports
        ("Fix viewcode extension importing modules more than once", None),  # a bug: the module ran twice
        ("Avoid isinstance/row here.", 1.0),
        ("Avoid looping on large numpy arrays (#1987)", 1.0),
        ("MAINT: Prefer bytearray over bytes in image_inline (#3692)", 0.5),
        (":wrench: silent performance.py exit non-zero", None),  # a file's name
        ("Fix backpressure\n\nIt crashed when receiving data faster than the application can process it.", None),
        ("Simplify regex alternations\n\nThere is no measurable performance improvement; the change is cosmetic.", None),
        ("Add LRU caching to tzoffset, tzstr and gettz", 1.0),
        ("Stopped spinning in CurrentThreadExecutor.run_until_future()", 1.0),
        ("Decide current_task method to use at import time", 1.0),
        ("Make cross-thread locks use native blocking and timeouts instead of spinning.", 1.0),
        ("Avoid calling iscoroutine if possible", 1.0),
        ("consult allow_partial_pks for NULL check in lazyload", None),  # an ORM's loading strategy, not a speedup
        ("Make tests slightly more efficient.", None),
        ("fix #2757 - Improved error messaging on startup time application induced import error (#2770)", None),
        ("Benchmarks: perf is now pyperf", None),
        ("Lower-overhead timing - support CLOCK_MONOTONIC_COARSE", 1.0),
        ("Consumer: drop poll loop optimizations for pending offset resets", None),  # removes an optimisation
        ("optimize() and rebuild_fts() now commit their changes", None),  # a method's name
        ("Speedup doctest", None),  # the tests' speed
        ("Add performance profiling (#923)", None),  # tooling
        ("kafka.net.selector: monitor slow tasks with slow_task_threshold_secs", None),  # a feature that watches for slowness
        ("fix(cli): import yaml lazily so the CLI works without the yaml extra", 0.5),  # another goal
    ],
)
def test_message_keywords(builtin: RuleSet, message: str, expected: float | None) -> None:
    assert score_of(builtin, "message-keywords", view(message)) == expected


@pytest.mark.parametrize(
    "message, fires",
    [
        ("perf: avoid re-reading the config", True),
        ("perf(parser)!: new tokenizer", True),
        ("\u26a1\ufe0f Avoid flattening dependencies for OpenAPI (#16076)", True),
        (":zap: Avoid flattening dependencies", True),
        ("Rework loop\n\nPerformance: 30% less time on big inputs", True),
        ("Rework loop\n\nLoading is now 2.3x faster.", True),
        ("Rework loop\n\nStartup went from 120 ms to 40 ms.", True),
        ("Rework loop\n\nA speedup of 35% on the benchmark.", True),
        ("fix: handle empty input", False),
        ("Fix buffer aliasing\n\nUncompressed writes went from ~23 ms to ~39 ms.", False),  # slower: a cost, not a result
        ("Rework loop\n\nThe build went from 1,200 ms to 400 ms.", True),
        ("Rework loop\n\nPeak memory from 10 MB to 20 MB.", False),
        ("Fix warm shutdown\n\n* Reduce blocking task timeout from 30s to 5s for faster CI", False),
        ('Revert "perf: new tokenizer"', False),
        ("Rework kernel\n\nApple M3 Pro, 128 MiB of random data: 517 -> 561 MB/s (1.08x).", True),  # a rate that grew
        ("Rework kernel\n\nThroughput dropped from 700 MB/s to 500 MB/s.", False),
        ("Pick kernels per platform\n\nThis makes the default chunkers 1.6x (goldilocks) to 2.1x (buzhash64) faster.", True),
        ("Cap the workers\n\n4 workers beat 12: +13% (source) .. +37% (VM image) big-chunk throughput.", True),
        ("Use binary sizes\n\nThe buffer became a power of two, 10 MB -> 8 MiB.", False),  # a size setting, not memory saved
        ("Stream rows\n\nPeak memory went from 20 MB to 10 MB.", True),
        ("Tune the client\n\nRaise the rate limit from 10 to 20 requests/s.", False),
        ("Factor out the shared code, no performance change\n\nA/B: 683.6 -> 660.5 MB/s ... all within +-1%", False),
        ("Factor out the shared code\n\nA/B of the scan: 687.4 -> 694.7 MB/s.", False),  # 1%: noise
        ("Simplify fixtures\n\nThis speeds up `mypy/test/testcheck.py` by about 5%.", False),  # the test suite's speed
        ("Merge classes\n\nThis sped up a microbenchmark that allocates objects by ~60%.", True),
        ("Improve the decorator\n\nFrom my measurements, this is about twice as fast in Python 3.", True),
        ("Use regex.fullmatch\n\nBefore: 5475.0 requests/sec\nAfter:  5832.7 requests/sec", True),  # a rate that grew
        ("Use regex.fullmatch\n\nBefore: 5832.7 requests/sec\nAfter:  5475.0 requests/sec", False),  # and one that fell
        ("Fix QoS\n\nBefore: version < (3, 3)\nAfter:  version < (3, 3) or version > (4,)", False),  # no measure
    ],
)
def test_perf_annotations(builtin: RuleSet, message: str, fires: bool) -> None:
    assert (score_of(builtin, "perf-annotations", view(message)) is not None) is fires


@pytest.mark.parametrize(
    "subject",
    ["refactor: add slots=True to dataclasses", "perf(tests): disable GC while collecting", "docs: faster build",
     "TST/MAINT: add non-slow coverage for random generators", "DOC: note the faster path", "lint: use dict literal and hoist mock import"],
)
def test_non_product_conventional_types_count_against(builtin: RuleSet, subject: str) -> None:
    assert score_of(builtin, "perf-annotations", view(subject)) == -1.0
    assert judge(view(subject), builtin, 1.0).perf is False


@pytest.mark.parametrize(
    "message, perf",
    [
        ("feat:get_ranges\n\nCoalesces nearby ranges for efficiency.", False),
        ("\u2728 feat(pkg): lazy indexing over arrays", False),
        ("feat: speed up the parser", True),  # the subject names speed as its purpose (pdm, kombu file speedups so)
        ("feat: make `BasicAuth` a `cached_property` to accelerate execution", True),
        ("perf: speed up the parser", True),
        ("Added support for SQS fanout via SNS\n\nReduce poll calls by batching.", False),  # a feature's own speed
        ("feat: add the indexing package\n\nSelecting went from 2628ms to 14ms.", False),  # the new thing measured
        ("Added feature: page labels\n\nLabels are computed lazily and cached.", False),
        ("Add `order` kwarg to encoders\n\nSorting the keys is optimized: a 25% speedup over sorting them first.", False),  # a new option
    ],
)
def test_a_feature_commit_speaks_of_its_feature(builtin: RuleSet, message: str, perf: bool) -> None:
    assert judge(view(message), builtin, 1.0).perf is perf


def test_non_code_only_vetoes_tests_docs_ci_packaging(builtin: RuleSet) -> None:
    assert score_of(builtin, "non-code-only", view("Speed up tests", ("tests/test_a.py", "conftest.py"))) == -3.0
    assert score_of(builtin, "non-code-only", view("faster", (".github/workflows/ci.yml", "docs/index.rst", "pyproject.toml"))) == -3.0
    assert score_of(builtin, "non-code-only", view("faster", ("pkg/core.py", "tests/test_core.py"))) is None
    # projects that capitalise their folders (fontTools' Tests/, CPython's Doc/)
    assert score_of(builtin, "non-code-only", view("Add tests for the merge optimization", ("Tests/feaLib/builder_test.py", "Doc/index.rst"))) == -3.0
    v = view("Speed up the test suite", ("tests/test_a.py",))
    assert judge(v, load_rules(), 1.0).perf is False
    # a test module by its own name, at the top of the tree (chardet's test.py, Django apps' tests.py)
    assert score_of(builtin, "non-code-only", view("Add a break to speed things up in loop", ("test.py", "app/tests.py"))) == -3.0
    assert score_of(builtin, "non-code-only", view("faster", ("pkg/testing_utils.py",))) is None


@pytest.mark.parametrize(
    "before, after, kind",
    [
        (BEFORE_FIND, AFTER_FIND, "list-membership-in-loop"),
        ("def f(q):\n    while q:\n        q.pop(0)\n", "def f(q):\n    q = deque(q)\n    while q:\n        q.popleft()\n", "list-pop-front"),
        ("def f(xs):\n    s = ''\n    for x in xs:\n        s += x\n    return s\n", "def f(xs):\n    return ''.join(xs)\n", "string-concat-in-loop"),
        ("def f(n):\n    return n * 2\n", "@lru_cache(maxsize=None)\ndef f(n):\n    return n * 2\n", "missing-cache-pure-function"),
        ("def f(xs):\n    for x in xs:\n        re.match('a+b', x)\n", "def f(xs):\n    for x in xs:\n        PAT.match(x)\n", "regex-compile-in-loop"),
        ("def f(xs):\n    return sorted(xs)[0]\n", "def f(xs):\n    return min(xs)\n", "sort-for-min-max"),
        ("def f(xs, k):\n    return sorted(xs)[:k]\n", "def f(xs, k):\n    return heapq.nsmallest(k, xs)\n", "sort-for-top-k"),
        ("def f(a, b):\n    r = []\n    for x in a:\n        for y in b:\n            if x.k == y.k:\n                r.append(y)\n    return r\n",
         "def f(a, b):\n    idx = {y.k: y for y in b}\n    r = []\n    for x in a:\n        if x.k in idx:\n            r.append(idx[x.k])\n    return r\n", "nested-loop-join"),
        ("def f(xs):\n    return {x: xs.count(x) for x in xs}\n", "def f(xs):\n    return dict(Counter(xs))\n", "count-in-loop"),
        ("def f(xs):\n    return any([x > 1 for x in xs])\n", "def f(xs):\n    return any(x > 1 for x in xs)\n", "any-all-list-comprehension"),
        ("def f(xs):\n    return sum([x for x in xs])\n", "def f(xs):\n    return sum(x for x in xs)\n", "sum-list-comprehension"),
        ("def f(k, d):\n    return k in d.keys()\n", "def f(k, d):\n    return k in d\n", "dict-keys-membership"),
        ("def f(xs, q):\n    return [x for x in xs if x in set(q)]\n", "def f(xs, q):\n    s = set(q)\n    return [x for x in xs if x in s]\n", "loop-invariant-set-construction"),
        ("def f(xs):\n    out = []\n    for x in xs:\n        out = out + [x]\n    return out\n", "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n", "list-concat-in-loop"),
        ("def f(xs):\n    for x in xs:\n        xs.insert(0, x)\n", "def f(xs):\n    d = deque(xs)\n    for x in xs:\n        d.appendleft(x)\n", "list-insert-front"),
        ("def f(c):\n    return len(copy.deepcopy(c))\n", "def f(c):\n    return len(c)\n", "deepcopy-readonly"),
        ("def f(xs, qs):\n    return {q: sorted(xs)[q] for q in qs}\n", "def f(xs, qs):\n    o = sorted(xs)\n    return {q: o[q] for q in qs}\n",
         "loop-invariant-sort"),
        ("def f(chunks):\n    buf = b''\n    for c in chunks:\n        buf += c\n    return buf\n",
         "def f(chunks):\n    buf = bytearray()\n    for c in chunks:\n        buf += c\n    return bytes(buf)\n", "bytes-concat-in-loop"),
        # an accumulator kept on the object across calls (a protocol handler's body buffer)
        ("def __init__(self):\n    self.body = b''\n    self.more = True\n", "def __init__(self):\n    self.body = bytearray()\n    self.more = True\n",
         "bytes-concat-in-loop"),
        # a method lookup hoisted out of the loop
        ("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out\n",
         "def f(xs):\n    out = []\n    append = out.append\n    for x in xs:\n        append(x * 2)\n    return out\n",
         "attribute-lookup-in-tight-loop"),
        # an annotated accumulator (`data: bytes = b""`) is the same accumulator
        ("def f(s):\n    data: bytes = b''\n    while True:\n        data += s.read(4)\n    return data\n",
         "def f(s):\n    data = bytearray()\n    while True:\n        data += s.read(4)\n    return bytes(data)\n", "bytes-concat-in-loop"),
    ],
)
def test_static_shapes_detect_each_transformation(before: str, after: str, kind: str) -> None:
    assert kind in transforms(before, after)


@pytest.mark.parametrize(
    "before, after",
    [
        # a hand-written memo turned into cached_property: it was cached before
        ("@property\ndef spec(self):\n    if self._spec is None:\n        self._spec = build(self.raw)\n    return self._spec\n",
         "@cached_property\ndef spec(self):\n    return build(self.raw)\n"),
        (BEFORE_FIND, BEFORE_FIND.replace("out", "result")),  # a rename
        ("def f(x):\n    return x + 1\n", "def f(x):\n    # add one\n    return x + 1\n"),
        ("def f(:\n", "def f(x):\n    return set(x)\n"),  # unparsable before: no verdict
        ("def f(xs):\n    return min(xs)\n", "def f(xs):\n    return sorted(xs)[0]\n"),  # the reverse change
        # a new membership test against a new set literal is new behaviour, not list -> set
        ("def f(ts):\n    for t in ts:\n        if t in KEYS:\n            g(t)\n",
         "def f(ts):\n    for t in ts:\n        if t in KEYS:\n            g(t)\n        if t in {'a', 'b'}:\n            h(t)\n"),
        # a bytearray that is not the old bytes accumulator
        ("def f(n):\n    return b''\n", "def f(n):\n    return bytearray(n)\n"),
        # sorting once, outside any loop, on both sides
        ("def f(xs):\n    xs = list(xs)\n    return sorted(xs)\n", "def f(xs):\n    return sorted(xs)\n"),
    ],
)
def test_static_shapes_ignore_non_transformations(before: str, after: str) -> None:
    assert transforms(before, after) == []


def test_static_rule_reads_parsed_functions_from_a_real_commit(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/core.py": BEFORE_FIND})
    sha = commit(root, "Use a set in find", {"pkg/core.py": AFTER_FIND})
    with open_workspace(root) as ws:
        result = run_rule_test(ws, "static-shapes")
    assert [h["sha"] for h in result["hits"]] == [sha]
    assert result["hits"][0]["kinds"] == {"pkg/core.py::find": "list-membership-in-loop"}


KEYS_BEFORE = """def total(records):
    out = {}
    for r in records:
        if r.ip in out.keys():
            out[r.ip] += r.size
        else:
            out[r.ip] = r.size
    return out
"""
KEYS_AFTER = KEYS_BEFORE.replace("in out.keys():", "in out:")
KEYS_GROWN = KEYS_AFTER.replace("    return out\n", "    if not out:\n        raise ValueError('empty')\n    log(out)\n    audit(out)\n    check(out)\n    return out\n")


@pytest.mark.parametrize(
    "subject, path, after, perf",
    [
        ("drop a call from the byte count", "pkg/core.py", KEYS_AFTER, True),  # plain message: the code speaks
        ("refactor: drop a call from the byte count", "pkg/core.py", KEYS_AFTER, False),  # says it is a refactor
        ("ruff: apply SIM118", "pkg/core.py", KEYS_AFTER, False),  # a linter's mechanical rewrite
        ("drop a call from the byte count", "tests/test_core.py", KEYS_AFTER, False),  # test code is not the product
        ("validate totals", "pkg/core.py", KEYS_GROWN, False),  # the function gained behaviour too
    ],
)
def test_small_self_evident_transformation_is_a_fix_without_message_words(tmp_path: Path, subject: str, path: str, after: str, perf: bool) -> None:
    row = mined_change(tmp_path, path, KEYS_BEFORE, subject, after)
    assert row["perf"] is perf, row
    if path.startswith("pkg/") and "refactor" not in subject and "ruff" not in subject:
        assert "static-shapes" in row["rules"]


def test_static_shapes_reach_is_zero_when_no_changed_line_can_be_a_fix(builtin: RuleSet) -> None:
    rule = builtin.get("static-shapes").rule  # type: ignore[union-attr]
    assert rule.reach(view("tweak")) == 0.0  # "-a/+b": nothing a known fix is made of
    diff = (b"diff --git a/pkg/core.py b/pkg/core.py\nindex " + b"1" * 40 + b".." + b"2" * 40 + b" 100644\n--- a/pkg/core.py\n+++ b/pkg/core.py\n"
            b"@@ -1,2 +1,2 @@\n def f(xs):\n-    return any([x for x in xs])\n+    return any(x for x in xs)\n")
    v = CommitView(RawCommit("f" * 40, ["e" * 40], "A <a@x>", "2024-01-01T00:00:00+00:00", "tweak", diff))
    assert rule.reach(v) == 1.0
    verdict = judge_cheap(v, builtin, 1.0)
    assert verdict.reach == 1.0


RAISING_RULE = '''
from eco.mine.rules import Rule, RuleHit

class Boom(Rule):
    """Raises on every commit."""
    name = "boom"
    def score(self, commit):
        raise RuntimeError("kaboom")

class Marker(Rule):
    """Fires on the word zebra."""
    name = "zebra"
    def score(self, commit):
        return RuleHit(5.0, "zebra seen") if "zebra" in commit.message else None
'''


def test_user_rules_dir_and_a_raising_rule_is_counted_while_others_run(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    (root / "myrules").mkdir()
    (root / "myrules" / "zoo.py").write_text(RAISING_RULE)
    (root / "myrules" / "broken.py").write_text("this is not python(\n")
    (root / "pyproject.toml").write_text('[tool.eco]\nrules_dirs = ["myrules"]\n')
    commit(root, "init", {"a.py": "x = 1\n"})
    commit(root, "zebra crossing", {"a.py": "x = 2\n"})
    from eco.mine.miner import mine

    with open_workspace(root) as ws:
        rules = load_rules(ws.settings.rules_dirs, ws.root)
        assert {r.name: r.source for r in rules.rules}["zebra"] == "user:myrules"
        assert any("broken.py" in e for e in rules.errors)
        rows: list[dict] = []
        summary = mine(ws, on_commit=rows.append)
    assert summary.rule_errors["boom"] == 2 and summary.scanned == 2
    assert "kaboom" in summary.rule_error_examples["boom"]
    assert [r["perf"] for r in rows] == [True, False]
    assert rows[0]["rules"] == ["zebra"]


def test_entry_point_rule_is_loaded_and_listed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "zrules").mkdir(parents=True)
    (site / "zrules" / "__init__.py").write_text(
        "from eco.mine.rules import Rule, RuleHit\n"
        "class Giraffe(Rule):\n    '''Fires on giraffe.'''\n    name = 'giraffe'\n"
        "    def score(self, c):\n        return RuleHit(2.0, 'tall') if 'giraffe' in c.message else None\n"
    )
    dist = site / "zrules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: zrules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[eco.mining_rules]\ngiraffe = zrules:Giraffe\n")
    root = new_repo(tmp_path)
    commit(root, "a giraffe walks in", {"a.py": "x = 1\n"})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)])}
    out = subprocess.run([sys.executable, "-m", "eco", "rules", "list", "--repo", str(root), "--json"],
                         capture_output=True, text=True, env=env, check=True).stdout
    rules = {r["name"]: r["source"] for r in json.loads(out)["rules"]}
    assert rules["giraffe"] == "entry point:giraffe"
    out = subprocess.run([sys.executable, "-m", "eco", "mine", str(root), "--json"],
                         capture_output=True, text=True, env=env, check=True).stdout
    row = json.loads(out.splitlines()[0])
    assert row["perf"] is True and row["rules"] == ["giraffe"]


def test_rules_test_unknown_rule_is_one_line_error(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"a.py": "x = 1\n"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "eco", "rules", "test", "nope", "--repo", str(root)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert "no mining rule named 'nope'" in proc.stderr and "Traceback" not in proc.stderr


def test_a_shape_inside_a_large_change_in_another_language_does_not_speak_alone(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/core.py": KEYS_BEFORE, "src/ext.c": "int f(void) { return 0; }\n"})
    c_lines = "".join(f"int g{i}(void) {{ return {i}; }}\n" for i in range(30))
    sha = commit(root, "port the byte count to C", {"pkg/core.py": KEYS_AFTER, "src/ext.c": c_lines})
    rows: list[dict] = []
    with open_workspace(root) as ws:
        mine(ws, on_commit=rows.append)
    assert next(r for r in rows if r["sha"] == sha)["perf"] is False


def _with_changelog(message: str, entry: list[str], removed: list[str] = (), code: str = "pkg/url.py", notes: str = "CHANGES/1418.misc.rst") -> CommitView:
    body = "".join(f"-{ln}\n" for ln in removed) + "".join(f"+{ln}\n" for ln in entry)
    diff = (
        f"diff --git a/{code} b/{code}\nindex {'1' * 40}..{'2' * 40} 100644\n--- a/{code}\n+++ b/{code}\n@@ -1 +1 @@\n-a\n+b\n"
        f"diff --git a/{notes} b/{notes}\nnew file mode 100644\n--- /dev/null\n+++ b/{notes}\n@@ -0,0 +1,{len(entry)} @@\n{body}"
    ).encode()
    return CommitView(RawCommit("f" * 40, ["e" * 40], "A <a@x>", "2024-01-01T00:00:00+00:00", message, diff))


@pytest.mark.parametrize(
    "message, entry, removed, code, expected",
    [
        # the release note says what the message does not
        ("Improve `URL.joinpath`", ["Improved performance of :meth:`URL.joinpath`."], [], "pkg/url.py", 1.0),
        ("Small cleanups to encode_url", ["Sped up encoding of URLs -- by :user:`x`."], [], "pkg/url.py", 1.0),
        # a note with no speed words, a release that compiles notes, a typo fix in notes, a notes-only change
        ("Add the joinpath method", ["Added :meth:`URL.joinpath`."], [], "pkg/url.py", None),
        ("Release 1.9.5", ["Improved performance of joinpath."], [], "pkg/url.py", None),
        ("Reword a note", ["Improved performance of joinpath."], ["Improved perfromance of joinpath."], "pkg/url.py", None),
        ("Add a note", ["Improved performance of joinpath."], [], "docs/index.rst", None),
        # many added lines are a compiled changelog, not this change's entry
        ("Move notes", [f"Improved performance of thing {i}." for i in range(20)], [], "pkg/url.py", None),
    ],
)
def test_changelog_entry_added_with_product_code(builtin: RuleSet, message: str, entry: list[str], removed: list[str], code: str, expected: float | None) -> None:
    assert score_of(builtin, "message-keywords", _with_changelog(message, entry, removed, code)) == expected


@pytest.mark.parametrize(
    "message, entry, notes, expected",
    [
        # filed as a bug fix, "fast path" says where the bug was
        ("Gate fused sync paths on store capability", ["The fast path now checks the store."], "changes/4206.bugfix.md", 0.5),
        ("fix: apply outer codecs on partial reads", ["The fast paths now apply outer codecs."], "changes/4202.misc.md", 0.5),
        # a bug fix whose note says what got faster is still one
        ("Fix #2931.", ["Fix catastrophic backtracking in looks_like_xml."], "changes/2931.bugfix.md", 1.0),
        ("Apply outer codecs", ["The fast paths now apply outer codecs."], "changes/4202.feature.md", 1.0),
        ("Remove exception raised on a long match", ["- Fixed `Word` raising. It uses a fallback instead of the regex fast path."], "CHANGES", None),
        ("Support template strings as log messages", ["- Support template strings, with the performance of lazy formatting."], "CHANGELOG.rst", None),
        ("Do not recheck parent directories", ["Improve install performance by creating parent directories once."], "news/12782.bugfix.rst", 1.0),
        ("Do not discover properties when iterating fixtures", ["Avoid calling ``@property`` during fixture discovery"], "changelog/12446.bugfix.rst", 0.5),
        # reverting an optimisation is not one
        ("fix: revert an illusory performance gain that broke debuggers", ["Reverted a performance change."], "CHANGES/1420.misc.rst", None),
        # hardening names the attack; a merged branch's notes are many changes' notes
        ("ENH harden `eval_expr` to prevent interpreter crash", ["- Reject expressions that could cause excessive memory use."], "CHANGES.rst", 0.5),
        ("PYTHON-5668 - Merge backpressure branch into mainline", ["- Optimizes retries under overload."], "doc/changelog.rst", None),
    ],
)
def test_changelog_entry_of_a_bug_fix_or_revert(builtin: RuleSet, message: str, entry: list[str], notes: str, expected: float | None) -> None:
    assert score_of(builtin, "message-keywords", _with_changelog(message, entry, notes=notes)) == expected


def test_changelog_entry_in_a_changelog_file_counts_too(builtin: RuleSet) -> None:
    v = _with_changelog("Tweak gc", ["- Faster scrolling: less time spent in garbage collection"], notes="CHANGELOG.md")
    assert score_of(builtin, "message-keywords", v) == 1.0


PARTS_BEFORE = """class URL:
    def with_query(self, q):
        return URL._from_parts(self.scheme, self.host, q)

    @classmethod
    def _from_parts(cls, scheme, host, q):
        self = object.__new__(cls)
        self.scheme, self.host, self.q = scheme, host, q
        return self
"""
PARTS_AFTER = """@lru_cache
def from_parts(scheme, host, q):
    self = object.__new__(URL)
    self.scheme, self.host, self.q = scheme, host, q
    return self


class URL:
    def with_query(self, q):
        return from_parts(self.scheme, self.host, q)
"""


@pytest.mark.parametrize("subject, perf", [("Make from_parts an LRU", True), ("Move from_parts to module level", False)])
def test_a_cache_added_to_a_new_helper_supports_a_hinting_message(tmp_path: Path, subject: str, perf: bool) -> None:
    row = mined_change(tmp_path, "pkg/url.py", PARTS_BEFORE, subject, PARTS_AFTER)
    assert row["perf"] is perf, row
    assert "static-shapes" in row["rules"]  # the cache is seen either way; alone it is not enough


MEMO_BEFORE = """class Config:
    def __init__(self, raw):
        self.raw = raw
        self._spec = None

    @property
    def spec(self):
        if self._spec is None:
            self._spec = build(self.raw)
        return self._spec
"""
MEMO_AFTER = """from functools import cached_property


class Config:
    def __init__(self, raw):
        self.raw = raw

    @cached_property
    def spec(self):
        return build(self.raw)
"""


def test_a_hand_written_memo_turned_into_cached_property_is_no_new_cache(tmp_path: Path) -> None:
    row = mined_change(tmp_path, "pkg/config.py", MEMO_BEFORE, "Convert manually cached properties to cached_property", MEMO_AFTER)
    assert row["perf"] is False, row
    assert "static-shapes" not in row["rules"], row  # neither as a shape nor as a gained cache


LAZY_BEFORE = """import locale
import mimetypes

import helpers


def encoding():
    return locale.getpreferredencoding()


def guess(name):
    return mimetypes.guess_type(name)[0]
"""
LAZY_AFTER = """import helpers


def encoding():
    import locale

    return locale.getpreferredencoding()


def guess(name):
    import mimetypes

    return mimetypes.guess_type(name)[0]
"""
OPTIONAL_AFTER = """try:
    import locale
except ImportError:
    locale = None
import mimetypes

import helpers


def encoding():
    return locale.getpreferredencoding()


def guess(name):
    return mimetypes.guess_type(name)[0]
"""


@pytest.mark.parametrize(
    "subject, after, perf",
    [
        ("Defer `locale` and `mimetypes` to their use sites", LAZY_AFTER, True),
        ("Keep locale off the import path\n\nImported lazily, when first needed.", LAZY_AFTER, True),
        ("Move imports into functions", LAZY_AFTER, False),  # the message gives no reason
        ("Defer imports to break a circular import", LAZY_AFTER, False),  # another reason
        ("Import mimetypes lazily so the CLI works without the mime extra", LAZY_AFTER, False),  # an optional dependency
        ("Defer the locale import", OPTIONAL_AFTER, False),  # a module-level try block is not a function
    ],
)
def test_deferred_imports_need_the_moved_import_and_a_lazy_message(tmp_path: Path, subject: str, after: str, perf: bool) -> None:
    row = mined_change(tmp_path, "pkg/util.py", LAZY_BEFORE, subject, after)
    assert row["perf"] is perf, row
    assert ("deferred-imports" in row["rules"]) is perf


def test_a_deferred_import_stores_no_function_pairs(tmp_path: Path) -> None:
    """The commit is a fix, but its functions only gained an import: no anti-pattern to match in other code."""
    from sqlalchemy import select

    from eco.store.models import AntiPattern

    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/util.py": LAZY_BEFORE})
    commit(root, "Defer `locale` and `mimetypes` to their use sites", {"pkg/util.py": LAZY_AFTER})
    with open_workspace(root) as ws:
        summary = mine(ws)
        with ws.store.session() as s:
            stored = list(s.scalars(select(AntiPattern)))
    assert summary.perf == 1
    assert stored == []


def test_rules_explain_gives_every_rule_and_the_verdict(tmp_path: Path) -> None:
    from eco.errors import EcoError
    from eco.mine.tester import explain_commits

    root = new_repo(tmp_path)
    first = commit(root, "init", {"pkg/core.py": BEFORE_FIND})
    fix = commit(root, "Use a set in find\n\nMembership tests were quadratic.", {"pkg/core.py": AFTER_FIND})
    with open_workspace(root) as ws:
        rows = explain_commits(ws, ["HEAD", first])
        with pytest.raises(EcoError, match="not a commit"):
            explain_commits(ws, ["no-such-branch"])
    assert [r["sha"] for r in rows] == [fix, first]
    assert rows[0]["perf"] is True and rows[1]["perf"] is False
    fired = {h["rule"]: h for h in rows[0]["rules"]}
    assert {"static-shapes", "message-keywords"} <= set(fired)
    assert "list-membership-in-loop" in fired["static-shapes"]["reason"]
    assert rows[0]["score"] == pytest.approx(sum(h["score"] for h in rows[0]["rules"]), abs=1e-3)
    assert rows[0]["score"] >= rows[0]["threshold"] > rows[1]["score"]


def test_rules_explain_cli_prints_json_and_fails_in_one_line(tmp_path: Path) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/core.py": BEFORE_FIND})
    sha = commit(root, "Use a set in find", {"pkg/core.py": AFTER_FIND})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "eco", "rules", "explain", sha, "--repo", str(root), "--json"],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    [row] = json.loads(ok.stdout)
    assert row["sha"] == sha and row["perf"] is True
    bad = subprocess.run([sys.executable, "-m", "eco", "rules", "explain", "nope", "--repo", str(root)],
                         capture_output=True, text=True, env=env)
    assert bad.returncode != 0
    assert "not a commit" in bad.stderr and "Traceback" not in bad.stderr


def test_a_hoisted_method_lookup_is_read_from_a_real_commit(tmp_path: Path) -> None:
    before = "def merge(dicts):\n    out = {}\n    seen = set()\n    for d in dicts:\n        for k in d:\n            seen.add(k)\n    return seen\n"
    after = "def merge(dicts):\n    out = {}\n    seen = set()\n    add = seen.add\n    for d in dicts:\n        for k in d:\n            add(k)\n    return seen\n"
    row = mined_change(tmp_path, "pkg/merge.py", before, "Avoid lookups for set.add method.", after)
    assert row["perf"] is True and "static-shapes" in row["rules"], row
