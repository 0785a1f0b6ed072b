"""Candidates from HEAD, the bag-of-words embedder, and the incremental FAISS index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, git
from eco.errors import ConfigError
from eco.index import build_index
from eco.index.candidates import Excluder, scan_functions
from eco.index.embedders import BowEmbedder, get_embedder
from eco.index.normalize import normalize_code, split_identifier
from eco.store.models import Candidate
from eco.workspace import open_workspace

PY = '''import re


def find_dups(items, seen_list):
    """Return items already seen."""
    out = []
    for x in items:  # every item
        if x in seen_list:
            out.append(x)
    return out


class Parser:
    def parse(self, lines):
        text = ""
        for line in lines:
            text += line
        return text
'''


def _ws(root: Path, **flags):
    return open_workspace(root, flags={"embedder": "bow", **flags})


def _commit(root: Path, msg: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", msg)


def _candidates(ws) -> dict[str, Candidate]:
    with ws.store.transaction() as s:
        return {f"{c.path}:{c.qualname}": c for c in s.query(Candidate).filter_by(repo_id=ws.repo_id)}


# -- candidates ------------------------------------------------------------------------------------

def test_candidates_honour_excludes_size_encoding_and_syntax(make_repo) -> None:
    root = make_repo({
        "pkg/a.py": PY,
        "vendor/lib.py": "def vendored():\n    return 1\n",
        "pkg/gen_pb2.py": "def generated():\n    return 1\n",
        "pkg/big.py": "def big():\n    return 1\n" + "# pad\n" * 400,
        "pkg/latin.py": b"def latin():\n    return 'caf\xe9'\n".decode("latin-1"),
        "pkg/broken.py": "def good():\n    return 1\n\ndef bad(:\n    pass\n",
        "README.md": "not code\n",
        ".gitignore": "ignored.py\n",
    })
    (root / "pkg" / "latin.py").write_bytes(b"def latin():\n    return 'caf\xe9'\n")
    _commit(root, "latin-1 file")
    (root / "ignored.py").write_text("def ignored():\n    return 1\n")  # untracked (and gitignored)
    (root / "pkg" / "a.py").write_text(PY + "\ndef uncommitted():\n    return 2\n")  # working-tree edit
    with _ws(root, max_file_bytes=1000) as ws:
        summary = build_index(ws)
        names = set(_candidates(ws))
    assert {"pkg/a.py:find_dups", "pkg/a.py:Parser.parse", "pkg/latin.py:latin", "pkg/broken.py:good"} <= names
    assert not any(n.startswith(("vendor/", "pkg/gen_pb2", "pkg/big", "ignored")) for n in names)
    assert "pkg/a.py:uncommitted" not in names  # read from HEAD, never the working tree
    sc = summary.scan
    assert (sc.skipped_excluded, sc.skipped_large, sc.non_utf8, sc.syntax_errors) == (2, 1, 1, 1)
    assert summary.embedded == summary.total == sc.functions == len(names)


def test_excluder_globs() -> None:
    ex = Excluder(["**/vendor/**", "**/*_pb2.py", "build", "docs/*.py"])
    assert ex("vendor/x.py") and ex("a/b/vendor/c/d.py") and ex("x/y_pb2.py")
    assert ex("build/x.py") and ex("sub/build/x.py") and ex("docs/conf.py")
    assert not ex("vendors/x.py") and not ex("docs/sub/conf.py") and not ex("src/builder.py")


SOURCES = {
    "c": ("m.c", "int add(int a, int b) { return a + b; }\nstatic void noop(void) {}\n", {"add", "noop"}),
    "cpp": ("m.cpp", "namespace ns { class K { public: int get() { return 1; } }; }\nint main() { return 0; }\n",
            {"ns.K.get", "main"}),
    "java": ("M.java", "class M { int f(int x) { return x; } M() {} }\n", {"M.f", "M.M"}),
    "go": ("m.go", "package m\nfunc F(x int) int { return x }\ntype T struct{}\nfunc (t *T) G() {}\n", {"F", "T.G"}),
    "javascript": ("m.js", "function f(a) { return a; }\nclass C { m() { return 1; } }\nconst g = (x) => x * 2;\n",
                   {"f", "C.m", "g"}),
}


@pytest.mark.parametrize("lang", sorted(SOURCES))
def test_other_languages_produce_candidates(make_repo, lang: str) -> None:
    path, src, expected = SOURCES[lang]
    root = make_repo({path: src})
    found, _records, summary = scan_functions(root, [], 1_000_000)
    assert {f.qualname for f in found[path]} == expected
    assert {f.language for f in found[path]} == {lang}
    assert summary.files_parsed == 1 and summary.syntax_errors == 0


def test_empty_repository_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    git(tmp_path / "e", "init", "-q")
    proc = subprocess.run([sys.executable, "-m", "eco", "index", str(tmp_path / "e")], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0
    assert "no commits" in proc.stderr and "Traceback" not in proc.stderr


# -- normalisation and the bow embedder ------------------------------------------------------------

def test_normalisation_drops_comments_and_docstrings_and_can_mask_literals() -> None:
    code = 'def f(x):\n    """Doc."""\n    # note\n    return x + "a" + str(1)  # trailing\n'
    assert normalize_code(code) == 'def f(x):\n    return x + "a" + str(1)'
    assert normalize_code(code, mask_literals=True) == 'def f(x):\n    return x + "S" + str(0)'
    js = "function f(a) {\n  // c\n  /* b */ return a;\n}"
    assert "//" not in normalize_code(js, "javascript") and "/*" not in normalize_code(js, "javascript")


def test_split_identifier() -> None:
    assert split_identifier("parseLogLine") == ["parse", "log", "line"]
    assert split_identifier("parse_log_line") == ["parse", "log", "line"]
    assert split_identifier("HTTPServer2") == ["http", "server", "2"]


def test_bow_embedder_properties() -> None:
    emb = BowEmbedder()
    a = "def f(items, seen):\n    for x in items:\n        if x in seen:\n            yield x"
    b = "def g(values, known):\n    for v in values:\n        if v in known:\n            yield v"
    c = "class Config:\n    name = 'x'\n    port = 80"
    v = emb.encode([a, a, b, c, ""])
    assert v.shape == (5, emb.dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:4], axis=1), 1.0) and not v[4].any()
    assert np.allclose(v[0], v[1])  # deterministic
    assert v[0] @ v[2] > v[0] @ v[3]  # same control flow beats unrelated code
    camel, snake = emb.encode(["parseLogLine(x)", "parse_log_line(x)"])
    assert camel @ snake > 0.5  # sub-tokens shared across naming styles
    assert np.allclose(get_embedder("bow").encode([a]), v[:1])  # same hashing in a fresh instance


def test_unknown_model_is_a_clear_error_naming_the_setting(make_repo) -> None:
    with pytest.raises(ConfigError, match="setting 'embedder' = 'no-such-org/no-such-model'"):
        get_embedder("no-such-org/no-such-model").encode(["x"])
    root = make_repo({"a.py": "def f():\n    return 1\n"})
    proc = subprocess.run([sys.executable, "-m", "eco", "index", str(root), "--embedder", "no-such-org/nope"],
                          capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0
    assert "embedder" in proc.stderr and "no-such-org/nope" in proc.stderr and "Traceback" not in proc.stderr


# -- the index -------------------------------------------------------------------------------------

def test_incremental_index_embeds_only_what_changed(make_repo) -> None:
    root = make_repo({"pkg/a.py": PY, "pkg/b.py": "def other():\n    return 42\n"})
    with _ws(root) as ws:
        first = build_index(ws)
        assert first.embedded == first.total == 3
        again = build_index(ws)
        assert (again.embedded, again.removed, again.total) == (0, 0, 3)
        assert again.scan.files_parsed == 0 and again.scan.files_unchanged == 2

    (root / "pkg" / "a.py").write_text(PY.replace('text = ""', 'text = "> "'))
    _commit(root)
    with _ws(root) as ws:
        before = _candidates(ws)
        edited = build_index(ws)
        assert (edited.embedded, edited.removed, edited.total) == (1, 1, 3)
        after = _candidates(ws)
        assert after["pkg/a.py:Parser.parse"].id == before["pkg/a.py:Parser.parse"].id
        assert after["pkg/a.py:Parser.parse"].content_hash != before["pkg/a.py:Parser.parse"].content_hash

    (root / "pkg" / "b.py").unlink()
    _commit(root)
    with _ws(root) as ws:
        gone = build_index(ws)
        assert (gone.embedded, gone.removed, gone.total) == (0, 1, 2)
        assert "pkg/b.py:other" not in _candidates(ws)
        manifest = json.loads((Path(gone.folder) / "manifest.json").read_text())
        assert sorted(map(int, manifest["hashes"])) == sorted(c.id for c in _candidates(ws).values())


def test_store_wiped_but_index_kept_reembeds_by_hash(make_repo) -> None:
    root = make_repo({"a.py": "def f():\n    return 1\n", "b.py": "def g():\n    return 2\n"})
    with _ws(root) as ws:
        build_index(ws)
    (root / ".eco" / "eco.db").unlink()
    for p in (root / ".eco").glob("eco.db-*"):
        p.unlink()
    with _ws(root) as ws:
        s = build_index(ws)
        assert s.total == 2 and s.scan.added == 2  # the file cache did not hide the functions


@pytest.mark.parametrize("damage", ["garbage-faiss", "garbage-manifest", "foreign-file", "other-model"])
def test_corrupt_or_foreign_index_is_rebuilt_with_a_warning(make_repo, damage: str) -> None:
    root = make_repo({"pkg/a.py": PY})
    with _ws(root) as ws:
        folder = Path(build_index(ws).folder)
    if damage == "garbage-faiss":
        (folder / "vectors.faiss").write_bytes(b"\x00not faiss at all" * 10)
    elif damage == "garbage-manifest":
        (folder / "manifest.json").write_text("{not json")
    elif damage == "foreign-file":
        import shutil

        shutil.rmtree(folder)
        folder.write_text("someone else's file")
    else:
        man = json.loads((folder / "manifest.json").read_text())
        man["model_id"] = "0000000000"
        (folder / "manifest.json").write_text(json.dumps(man))
    with _ws(root) as ws:
        s = build_index(ws)
    assert s.warnings and "rebuilding" in s.warnings[0]
    assert (s.embedded, s.total) == (2, 2)
    with _ws(root) as ws:
        assert build_index(ws).warnings == []


def test_index_cli_json(make_repo) -> None:
    root = make_repo({"pkg/a.py": PY})
    proc = subprocess.run([sys.executable, "-m", "eco", "index", str(root), "--embedder", "bow", "--json"],
                          capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["embedder"] == "bow" and data["total"] == 2 and data["scan"]["functions"] == 2
