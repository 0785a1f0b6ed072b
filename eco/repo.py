"""The target repository: checks that it is usable and owns its ``.eco/`` folder.

eco never writes to the user's working tree, index or branches; everything it keeps lives
under ``REPO/.eco/``, which is listed in ``.git/info/exclude`` so ``git status`` stays clean.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import git

from eco.errors import RepoError

ECO_DIR = ".eco"

# Inherited from a git hook or an outer worktree, these would point git at another repository;
# every git process eco starts on the user's behalf drops them.
GIT_LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")


@dataclass(frozen=True)
class TargetRepo:
    """A validated working-tree git repository with at least one commit."""

    root: Path
    git_dir: Path

    @property
    def eco_dir(self) -> Path:
        return self.root / ECO_DIR

    @property
    def db_path(self) -> Path:
        return self.eco_dir / "eco.db"

    @property
    def patches_dir(self) -> Path:
        return self.eco_dir / "patches"

    @property
    def index_dir(self) -> Path:
        return self.eco_dir / "index"

    def git(self) -> git.Repo:
        return git.Repo(self.root)

    def head_sha(self) -> str:
        return self.git().head.commit.hexsha


def open_repo(path: str | os.PathLike[str] = ".", *, require_commits: bool = True) -> TargetRepo:
    """Validate ``path`` as a repository eco can work on, or raise one clear :class:`RepoError`."""
    p = Path(path).expanduser()
    if not p.exists():
        raise RepoError(f"{p}: no such file or directory")
    if not p.is_dir():
        raise RepoError(f"{p}: not a directory")
    try:
        repo = git.Repo(p, search_parent_directories=True)
    except git.InvalidGitRepositoryError:
        raise RepoError(f"{p}: not a git repository") from None
    except git.NoSuchPathError:
        raise RepoError(f"{p}: no such file or directory") from None
    if repo.bare:
        raise RepoError(f"{p}: is a bare repository; eco needs a working tree")
    if require_commits:
        try:
            repo.head.commit
        except ValueError:
            raise RepoError(f"{p}: repository has no commits yet") from None
    root = Path(repo.working_tree_dir).resolve()
    return TargetRepo(root=root, git_dir=Path(repo.git_dir).resolve())


def _common_git_dir(target: TargetRepo) -> Path:
    """info/exclude lives in the common dir, which differs from git_dir inside a worktree."""
    common = target.git_dir / "commondir"
    if common.is_file():
        return (target.git_dir / common.read_text().strip()).resolve()
    return target.git_dir


def init_repo(path: str | os.PathLike[str] = ".") -> TargetRepo:
    """Create ``REPO/.eco`` and hide it from ``git status``; safe to run again."""
    target = open_repo(path)
    if not os.access(target.root, os.W_OK):
        raise RepoError(f"{target.root}: folder is not writable; eco keeps its data in {ECO_DIR}/ there")
    try:
        target.eco_dir.mkdir(exist_ok=True)
        exclude = _common_git_dir(target) / "info" / "exclude"
        exclude.parent.mkdir(parents=True, exist_ok=True)
        existing = exclude.read_text(encoding="utf-8", errors="replace") if exclude.exists() else ""
        lines = {line.strip() for line in existing.splitlines()}
        if f"/{ECO_DIR}/" not in lines and f"{ECO_DIR}/" not in lines:
            with exclude.open("a", encoding="utf-8") as fh:
                if existing and not existing.endswith("\n"):
                    fh.write("\n")
                fh.write(f"/{ECO_DIR}/\n")
    except PermissionError as exc:
        raise RepoError(f"{exc.filename}: permission denied") from None
    return target


def ensure_initialised(path: str | os.PathLike[str] = ".") -> TargetRepo:
    """Every stage calls this: the first command run on a repository initialises it."""
    return init_repo(path)
