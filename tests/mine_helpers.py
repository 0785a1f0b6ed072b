"""Small synthetic histories for the miner's tests."""

from __future__ import annotations

from pathlib import Path

from conftest import git

BEFORE_FIND = '''def find(xs, ys):
    out = []
    for x in xs:
        if x in ys:
            out.append(x)
    return out
'''
AFTER_FIND = '''def find(xs, ys):
    ys = set(ys)
    out = []
    for x in xs:
        if x in ys:
            out.append(x)
    return out
'''


def commit(root: Path, message: str, files: dict[str, str | bytes | None] | None = None, *, date: str | None = None) -> str:
    """Write (or delete, for None) files and commit them; returns the new SHA."""
    for rel, content in (files or {}).items():
        p = root / rel
        if content is None:
            git(root, "rm", "-q", rel)
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
        git(root, "add", rel)
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
    git(root, "commit", "-q", "--allow-empty", "-m", message, env=env)
    return git(root, "rev-parse", "HEAD").strip()


def new_repo(tmp_path: Path, name: str = "repo") -> Path:
    root = tmp_path / name
    root.mkdir()
    git(root, "init", "-q")
    return root
