"""``eco init`` and the bad inputs it must answer with one line and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git


def run_eco(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eco", *args], cwd=cwd, capture_output=True, text=True)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0]


def test_init_creates_store_and_hides_it(make_repo) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    proc = run_eco("init", str(repo))
    assert proc.returncode == 0, proc.stderr
    assert (repo / ".eco" / "eco.db").is_file()
    assert git(repo, "status", "--porcelain") == ""
    assert "/.eco/" in (repo / ".git" / "info" / "exclude").read_text()
    # running again does not add a second exclude line
    assert run_eco("init", str(repo)).returncode == 0
    assert (repo / ".git" / "info" / "exclude").read_text().count("/.eco/") == 1


def test_init_defaults_to_current_directory(make_repo) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    proc = run_eco("init", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert (repo / ".eco").is_dir()


def test_init_missing_path(tmp_path: Path) -> None:
    assert_one_line_error(run_eco("init", str(tmp_path / "nope")), "no such file or directory")


def test_init_not_a_repo(tmp_path: Path) -> None:
    assert_one_line_error(run_eco("init", str(tmp_path)), "not a git repository")


def test_init_bare_repo(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    assert_one_line_error(run_eco("init", str(bare)), "bare repository")


def test_init_no_commits(make_repo) -> None:
    repo = make_repo(commit=False)
    assert_one_line_error(run_eco("init", str(repo)), "no commits")


def test_init_read_only_folder(make_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder eco may not write to. Root ignores permission bits, so as root the kernel's answer
    (os.access) is replaced by the one a normal user would get for a chmod 555 folder."""
    from eco.errors import RepoError
    from eco.repo import init_repo

    repo = make_repo({"a.py": "x = 1\n"})
    repo.chmod(0o555)
    try:
        if os.geteuid() == 0:
            real_access = os.access
            monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode & os.W_OK else real_access(p, mode, **kw))
        with pytest.raises(RepoError, match="not writable"):
            init_repo(repo)
        assert not (repo / ".eco").exists()
    finally:
        repo.chmod(0o755)


def test_version_and_help() -> None:
    proc = run_eco("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("eco ")
    proc = run_eco("--help")
    assert proc.returncode == 0 and "init" in proc.stdout
