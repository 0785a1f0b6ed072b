"""What every command needs: the target repository, its settings and its store, opened together."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eco.config import Settings, load_settings
from eco.repo import TargetRepo, init_repo
from eco.store import Store, open_store


@dataclass
class Workspace:
    target: TargetRepo
    settings: Settings
    store: Store
    repo_id: int

    @property
    def root(self) -> Path:
        return self.target.root

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_workspace(
    path: str | os.PathLike[str] = ".",
    *,
    pipeline: str = "default",
    flags: dict[str, Any] | None = None,
) -> Workspace:
    """Initialise ``.eco`` if needed, merge the settings and open the store."""
    target = init_repo(path)
    settings = load_settings(target.root, pipeline=pipeline, flags=flags)
    store = open_store(target.db_path, database_url=settings.database_url)
    repo = store.repository(target.root)
    return Workspace(target=target, settings=settings, store=store, repo_id=repo.id)
