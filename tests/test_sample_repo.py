"""The sample repository: reproducible history, ground truth, and a working library."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "sample_repo"
BUILD = SAMPLE / "build_history.py"
TRUTH = tomllib.loads((SAMPLE / "GROUND_TRUTH.toml").read_text(encoding="utf-8"))


def _build(dest: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BUILD), str(dest)], capture_output=True, text=True,
                          timeout=120)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True,
                          timeout=60).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("sample") / "repo"
    proc = _build(dest)
    assert proc.returncode == 0, proc.stderr
    return dest


def _qualified_names(source: str) -> set[str]:
    names: set[str] = set()

    def visit(body, prefix):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + node.name
                names.add(name)
                visit(node.body, name + ".")

    visit(ast.parse(source).body, "")
    return names


def _expected_head_tree() -> dict[str, bytes]:
    files = {}
    for top in ("logalyzer", "tests", "workload.py"):
        root = SAMPLE / top
        paths = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in paths:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            files[path.relative_to(SAMPLE).as_posix()] = path.read_bytes()
    project = SAMPLE / "project_files"
    for path in project.rglob("*"):
        if path.is_file():
            files[path.relative_to(project).as_posix()] = path.read_bytes()
    return files


def test_history_is_reproducible(built, tmp_path):
    again = tmp_path / "again"
    again.mkdir()  # an existing empty directory is accepted
    assert _build(again).returncode == 0
    first = _git(built, "rev-list", "HEAD").split()
    second = _git(again, "rev-list", "HEAD").split()
    assert first == second
    assert len(first) >= 45


def test_history_has_authors_and_a_clean_tree(built):
    authors = set(_git(built, "log", "--format=%an <%ae>").splitlines())
    assert len(authors) >= 4
    assert _git(built, "status", "--porcelain") == ""
    assert _git(built, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_ground_truth_commit_subjects(built):
    subjects = _git(built, "log", "--format=%s").splitlines()
    perf = TRUTH["perf_commits"]
    assert len(perf) >= 12 and len(set(perf)) == len(perf)
    for subject in perf + TRUTH["not_perf_commits"]:
        assert subjects.count(subject) == 1, subject
    assert not set(perf) & set(TRUTH["not_perf_commits"])


def test_perf_commits_change_code_not_only_tests_or_docs(built):
    shas = dict(line.split(" ", 1)[::-1] for line in _git(built, "log", "--format=%H %s").splitlines())
    for subject in TRUTH["perf_commits"]:
        files = _git(built, "show", "--format=", "--name-only", shas[subject]).split()
        assert any(f.startswith("logalyzer/") for f in files), subject
    for fix in TRUTH["perf_fixes"]:
        diff = _git(built, "show", "--format=", shas[fix["subject"]], "--", fix["path"])
        assert diff, fix["subject"]
        assert fix["function"].split(".")[-1] in _git(built, "show", f"HEAD:{fix['path']}")


def test_slow_functions_exist_at_head(built):
    slow = TRUTH["slow_functions"]
    kinds = {s["antipattern"] for s in slow}
    assert len(kinds) >= 16
    assert sum(1 for s in slow if s["fixable_offline"]) >= 12
    for entry in slow:
        source = _git(built, "show", f"HEAD:{entry['path']}")
        assert entry["function"] in _qualified_names(source), entry
    fixed = {(f["path"], f["function"]) for f in TRUTH["perf_fixes"]}
    assert not fixed & {(s["path"], s["function"]) for s in slow}


def test_head_tree_equals_sample_files(built):
    tracked = _git(built, "ls-files").splitlines()
    expected = _expected_head_tree()
    assert sorted(tracked) == sorted(expected)
    for path, content in expected.items():
        blob = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=built, capture_output=True,
                              check=True).stdout
        assert blob == content, path


def test_sample_tests_pass_in_built_repo(built):
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=built,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout


def test_workload_runs_at_small_scale(built):
    proc = subprocess.run([sys.executable, "workload.py", "--scale", "0.02"], cwd=built,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "checksum=" in proc.stdout
    assert _git(built, "status", "--porcelain") == ""


def test_refuses_non_empty_destination(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    proc = _build(tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert (tmp_path / "keep.txt").read_text() == "x"
    assert not (tmp_path / ".git").exists()
