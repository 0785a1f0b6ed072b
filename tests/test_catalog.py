"""The curated catalog: every file valid, every example real and behaviour-preserving, sync idempotent, CLI."""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from eco.errors import ConfigError
from eco.mine.catalog import CATEGORIES, builtin_dir, load_catalog, parse_entry, sync_catalog
from eco.store import open_store
from eco.store.models import AntiPattern

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = load_catalog()
BY_ID = {e.id: e for e in ENTRIES}

# The kind ids every stage uses (HELPERS.md); the catalog must document each of them.
SHARED_KINDS = [
    "list-membership-in-loop", "string-concat-in-loop", "list-pop-front", "sort-for-min-max",
    "sort-for-top-k", "nested-loop-join", "regex-compile-in-loop", "missing-cache-pure-function",
    "any-all-list-comprehension", "sum-list-comprehension", "dict-keys-membership",
    "loop-invariant-set-construction", "list-concat-in-loop", "count-in-loop", "list-insert-front",
    "list-index-in-loop", "needless-list-copy", "deepcopy-readonly",
]

FILE = "$FILE"  # replaced by a text file with a few lines
OUT = "$OUT"  # replaced by a fresh output path; the file's content is the result

# Inputs that exercise each example; before and after must give the same result on all of them.
INPUTS: dict[str, list[list[tuple[Any, ...]]]] = {
    "any-all-list-comprehension": [[([200, 503],), ([200],), ([],)]],
    "attribute-lookup-in-tight-loop": [[([(3, 4), (1, 0)],), ([],)]],
    "bytes-concat-in-loop": [[([b"ab", b"", b"xyz"],), ([],)]],
    "count-in-loop": [[(["a", "b", "a", "c", "c"],), ([],)]],
    "deepcopy-readonly": [[({"a": [1, 2], "b": "xyz"},)]],
    "dict-double-lookup": [[(["a", "b"], {"a": "x"}),]],
    "dict-iteration-lookup": [[({"a": 1, "b": 2},)]],
    "dict-keys-membership": [[(["a", "z"], {"a": 1}),], [({"a": 1}, "a"), ({}, "a")]],
    "import-in-hot-function": [[([b"x", b"yz"],)]],
    "invariant-format-in-loop": [[(["a", "b"], "h", 80),]],
    "json-roundtrip-copy": [[([{"a": 1}, {"status": "old"}],)]],
    "keyerror-in-loop": [[(["a", "b"], {"a": 1.5}),]],
    "len-list-generator": [[([{"status": 500}, {"status": 200}, {"status": 503}],)]],
    "list-concat-in-loop": [[([[1], [2, 3], ()],)]],
    "list-first-key": [[({"a": 1, "b": 2},)]],
    "list-index-in-loop": [[(["x", "y", "x"], ["y", "x"]),]],
    "list-insert-front": [[([1, 2, 3],), ([],)]],
    "list-membership-in-loop": [
        [([1, 2, 1, 3, 2],), ([],)],
        [([{"user": "a"}, {"user": "b"}], [{"name": "a"}]),],
    ],
    "list-pop-front": [[({1: [2, 3], 2: [4], 3: [4, 1]}, 1),]],
    "manual-counter": [[(["a", "b", "a"],)]],
    "manual-defaultdict": [[([{"status": 200}, {"status": 404}, {"status": 200}],)]],
    "manual-list-comprehension": [[([{"status": 200, "path": "/a"}, {"status": 404, "path": "/b"}],)]],
    "missing-cache-pure-function": [[(0,), (1,), (15,)], [("Mozilla Firefox/119",), ("curl",), ("Chrome/1 Safari/2",)]],
    "loop-invariant-sort": [[([5, 1, 4, 2, 3],), ([7],)]],
    "needless-list-copy": [[(["B", "a", "b"],)], [([1.0, 2.5],), ([],)]],
    "nested-loop-join": [
        [([{"id": 1, "customer_id": 7}, {"id": 2, "customer_id": 8}], [{"id": 7, "name": "x"}, {"id": 7, "name": "y"}]),],
        [([(1, "a"), (2, "b")], [(1, "c"), (1, "d"), (2, "e")]),],
    ],
    "open-file-in-loop": [[(OUT, ["a", "b"]),]],
    "range-len-indexing": [[([1.0, 2.0, 4.5],)]],
    "readlines-whole-file": [[(FILE, "x"),]],
    "regex-compile-in-loop": [[(["ERR12 x", "ok", "ERR3"],)], [(["1 [INFO] a", "nothing", "[WARN]"],)]],
    "reversed-copy-index": [[([{"status": 1}, {"status": 2}],)]],
    "set-for-single-membership": [[("a", ["a", "b"]), ("c", ["a", "b"])]],
    "sort-for-min-max": [[([{"price": 3}, {"price": 1}, {"price": 2}],)], [([3, 9, 1],)]],
    "sort-for-top-k": [[({"a": 3, "b": 5, "c": 1}, 2), ({"a": 3}, 10)]],
    "sort-in-loop": [[([[3, 1], [2], []],)]],
    "sort-then-reverse": [[([3, 1, 2],)]],
    "startswith-or-chain": [[("/static/x",), ("/api",), ("/favicon.ico",)]],
    "string-concat-in-loop": [[([("a", 1), ("b", 2)],)]],
    "sum-list-comprehension": [[([{"size": 1}, {"size": 2}],)]],
    "sum-of-lists": [[([{"tags": ["a"]}, {"tags": ["b", "c"]}],)]],
    "loop-invariant-set-construction": [
        [([{"ip": "1"}, {"ip": "2"}], ["2"]),],
        [([{"parent": 1}, {"parent": 2}], [{"id": 1}]),],
    ],
}


def test_catalog_is_large_and_covers_the_shared_kinds() -> None:
    assert len(ENTRIES) >= 32
    missing = [k for k in SHARED_KINDS if k not in BY_ID]
    assert missing == []


def test_every_file_loads_ids_unique_and_equal_to_stems() -> None:
    files = sorted(builtin_dir().glob("*.toml"))
    assert len(files) == len(ENTRIES)
    ids = [parse_entry(f).id for f in files]
    assert ids == [f.stem for f in files]
    assert len(set(ids)) == len(ids)
    for e in ENTRIES:
        assert e.category in CATEGORIES
        assert e.language == "python"
        assert e.examples and e.summary and e.why and e.instead
        assert isinstance(e.fixable, bool)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_examples_compile(entry) -> None:
    for i, ex in enumerate(entry.examples):
        compile(ex.before, f"{entry.id}[{i}].before", "exec")
        compile(ex.after, f"{entry.id}[{i}].after", "exec")
        assert ex.before != ex.after


def _run_example(source: str, args: tuple[Any, ...], tmp_path: Path, tag: str) -> Any:
    names = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    namespace: dict[str, Any] = {"__name__": f"example_{tag}"}
    exec(compile(source, f"<{tag}>", "exec"), namespace)
    fn = namespace[names[-1]]
    real = []
    out = None
    for a in args:
        if a == FILE:
            p = tmp_path / "input.txt"
            p.write_text("x\nyy\nxx\nz\n")
            real.append(str(p))
        elif a == OUT:
            out = tmp_path / f"out-{tag}.txt"
            real.append(str(out))
        else:
            real.append(copy.deepcopy(a))  # each run gets its own copy: a function may mutate its input
    result = fn(*real)
    if out is not None:
        return out.read_text()
    return result


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_after_behaves_like_before(entry, tmp_path: Path) -> None:
    """The documented fix is a real fix: same results on inputs that exercise the example."""
    cases = INPUTS[entry.id]
    assert len(cases) == len(entry.examples), "one input list per example"
    for i, (ex, inputs) in enumerate(zip(entry.examples, cases)):
        assert inputs
        for args in inputs:
            before = _run_example(ex.before, args, tmp_path, f"{entry.id}-{i}-before")
            after = _run_example(ex.after, args, tmp_path, f"{entry.id}-{i}-after")
            assert before == after or repr(before) == repr(after), (entry.id, i, args, before, after)


def _write(folder: Path, stem: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{stem}.toml"
    p.write_text(text)
    return p


GOOD = '''
id = "{id}"
title = "T"
category = "{category}"
language = "python"
summary = "S"
why = "W"
instead = "I"
fixable = true
tags = ["x"]
[[examples]]
before = "x = 1"
after = "x = 2"
'''


def test_validation_names_file_and_key(tmp_path: Path) -> None:
    bad = _write(tmp_path / "a", "my-rule", GOOD.format(id="my-rule", category="speed"))
    with pytest.raises(ConfigError) as err:
        parse_entry(bad)
    assert str(bad) in str(err.value) and "'category'" in str(err.value)

    wrong_id = _write(tmp_path / "b", "other", GOOD.format(id="my-rule", category="io"))
    with pytest.raises(ConfigError, match="'id'"):
        parse_entry(wrong_id)

    no_fix = _write(tmp_path / "c", "r", GOOD.format(id="r", category="io").replace("fixable = true", ""))
    with pytest.raises(ConfigError, match="'fixable'"):
        parse_entry(no_fix)

    typo = _write(tmp_path / "d", "r", GOOD.format(id="r", category="io").replace('tags = ["x"]', 'tags = ["x"]\nsumary = "x"'))
    with pytest.raises(ConfigError, match="'sumary'"):
        parse_entry(typo)

    no_match = _write(
        tmp_path / "e", "r", GOOD.format(id="r", category="io") + '[detector]\nkind = "treesitter"\nquery = "(call) @c"\n'
    )
    with pytest.raises(ConfigError, match="detector.query"):
        parse_entry(no_match)

    not_toml = _write(tmp_path / "f", "r", "id = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_entry(not_toml)


def test_user_dirs_add_and_override(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    _write(user, "my-rule", GOOD.format(id="my-rule", category="io"))
    _write(user, "list-pop-front", GOOD.format(id="list-pop-front", category="other"))
    entries = {e.id: e for e in load_catalog([user])}
    assert entries["my-rule"].category == "io"
    assert entries["list-pop-front"].category == "other"
    assert len(entries) == len(ENTRIES) + 1
    with pytest.raises(ConfigError, match="does not exist"):
        load_catalog([tmp_path / "nope"])


def test_sync_is_idempotent_and_keeps_weight(tmp_path: Path) -> None:
    store = open_store(tmp_path / "eco.db")
    try:
        assert sync_catalog(store) == len(ENTRIES)
        with store.transaction() as s:
            count = s.scalar(select(func.count()).select_from(AntiPattern))
            row = s.scalar(select(AntiPattern).where(AntiPattern.key == "catalog:sort-for-top-k"))
            assert row is not None and row.source == "catalog" and row.kind == "sort-for-top-k"
            assert "heapq" in row.after_code and row.diff.startswith("--- a/")
            assert "## Why is this slow?" in row.description
            assert row.detector == {"kind": "python", "name": "sort_for_top_k"}
            row.weight = 0.25
        assert sync_catalog(store) == len(ENTRIES)
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(AntiPattern)) == count == len(ENTRIES)
            row = s.scalar(select(AntiPattern).where(AntiPattern.key == "catalog:sort-for-top-k"))
            assert row.weight == 0.25
    finally:
        store.close()


# -- CLI ---------------------------------------------------------------------------------------
def _eco(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "eco", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def repo_with_mined(make_repo) -> Path:
    repo = make_repo({"a.py": "x = 1\n"})
    from eco.workspace import open_workspace

    with open_workspace(repo) as ws, ws.store.transaction() as s:
        s.add(AntiPattern(
            key="mined:0123456789abcdef", source="mined", kind="list-membership-in-loop",
            title="Use a set for seen ids", category="container-choice", before_code="def f():\n    pass\n",
            after_code="def f():\n    return 1\n", diff="-    pass\n+    return 1\n", commit_sha="c0ffee" * 6,
            subject="perf: use a set for seen ids", path="pkg/mod.py", qualname="f", occurrences=3,
        ))
    return repo


def test_cli_list_show_json_and_unknown(repo_with_mined: Path) -> None:
    repo = str(repo_with_mined)
    res = _eco("antipatterns", "list", "--repo", repo, "--json", cwd=repo_with_mined)
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    keys = {r["key"] for r in rows}
    assert {f"catalog:{e.id}" for e in ENTRIES} <= keys and "mined:0123456789abcdef" in keys

    res = _eco("antipatterns", "list", "--repo", repo, "--source", "mined", "--json", cwd=repo_with_mined)
    assert [r["key"] for r in json.loads(res.stdout)] == ["mined:0123456789abcdef"]
    assert json.loads(res.stdout)[0]["occurrences"] == 3

    res = _eco("antipatterns", "list", "--repo", repo, "--category", "io", "--source", "catalog", "--json", cwd=repo_with_mined)
    assert {r["kind"] for r in json.loads(res.stdout)} == {e.id for e in ENTRIES if e.category == "io"}

    res = _eco("antipatterns", "list", "--repo", repo, cwd=repo_with_mined)
    assert res.returncode == 0 and "catalog:list-pop-front" in res.stdout

    res = _eco("antipatterns", "show", "list-pop-front", "--repo", repo, cwd=repo_with_mined)
    assert res.returncode == 0, res.stderr
    assert "popleft" in res.stdout and "Why is this slow?" in res.stdout

    res = _eco("antipatterns", "show", "catalog:sort-for-top-k", "--repo", repo, "--json", cwd=repo_with_mined)
    data = json.loads(res.stdout)
    assert data["kind"] == "sort-for-top-k" and "heapq.nlargest" in data["after_code"]

    res = _eco("antipatterns", "show", "mined:0123456789abcdef", "--repo", repo, cwd=repo_with_mined)
    assert res.returncode == 0 and "perf: use a set for seen ids" in res.stdout and "precedent commit" in res.stdout

    res = _eco("antipatterns", "show", "no-such-thing", "--repo", repo, cwd=repo_with_mined)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "no-such-thing" in res.stderr and "Traceback" not in res.stderr


def test_cli_rejects_bad_source(repo_with_mined: Path) -> None:
    res = _eco("antipatterns", "list", "--repo", str(repo_with_mined), "--source", "bogus", cwd=repo_with_mined)
    assert res.returncode == 2 and "--source" in res.stderr


def test_cli_reads_user_catalog_dirs_and_reports_bad_files(make_repo) -> None:
    repo = make_repo({"pyproject.toml": '[tool.eco]\ncatalog_dirs = ["perf-catalog"]\n'})
    _write(repo / "perf-catalog", "team-rule", GOOD.format(id="team-rule", category="caching"))
    res = _eco("antipatterns", "show", "team-rule", "--repo", str(repo), "--json", cwd=repo)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["category"] == "caching"

    _write(repo / "perf-catalog", "broken", GOOD.format(id="broken", category="nope"))
    res = _eco("antipatterns", "list", "--repo", str(repo), cwd=repo)
    assert res.returncode == 2
    assert "broken.toml" in res.stderr and "'category'" in res.stderr and "Traceback" not in res.stderr


def test_impact_is_validated_and_micro_entries_are_not_reported_by_default(tmp_path) -> None:
    from eco.config import Settings
    from eco.errors import ConfigError
    from eco.match import _worth_reporting
    from eco.mine.catalog import load_catalog, parse_entry
    from eco.store.models import AntiPattern

    impacts = {e.id: e.impact for e in load_catalog()}
    assert impacts["manual-list-comprehension"] == "micro"
    assert impacts["list-membership-in-loop"] == "constant"
    bad = tmp_path / "x.toml"
    source = next(e for e in load_catalog() if e.id == "dict-keys-membership").path.read_text()
    bad.write_text(source.replace('id = "dict-keys-membership"', 'id = "x"').replace("fixable =", 'impact = "huge"\nfixable =', 1))
    with pytest.raises(ConfigError, match="impact"):
        parse_entry(bad)
    micro, normal = AntiPattern(impact="micro"), AntiPattern(impact="constant")
    assert not _worth_reporting(micro, Settings()) and _worth_reporting(normal, Settings())
    assert _worth_reporting(micro, Settings(min_impact="micro"))
    assert not _worth_reporting(normal, Settings(min_impact="complexity"))
    with pytest.raises(ConfigError, match="min_impact"):
        _worth_reporting(normal, Settings(min_impact="big"))
