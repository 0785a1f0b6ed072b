"""Locate the data folders (antipatterns/, prompts/, pipelines/).

They live at the top of a checkout so people can read and edit them as data; a wheel carries
them inside the package as ``eco/_data``. Both layouts resolve here, so no caller cares which
one it runs from.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (``antipatterns``, ``prompts``, ``pipelines`` or ``sample_repo``)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"eco data folder {name!r} is missing from this installation")


def prompt_path(name: str) -> Path:
    """Path of the prompt template ``name`` (with or without its extension)."""
    folder = data_dir("prompts")
    for candidate in (folder / name, folder / f"{name}.md", folder / f"{name}.txt"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"prompt {name!r} not found in {folder}")


def pipeline_path(name: str) -> Path:
    """Path of a pipeline file, by name (``default``) or by explicit path."""
    given = Path(name)
    if given.suffix == ".toml" and given.is_file():
        return given
    candidate = data_dir("pipelines") / f"{name}.toml"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in data_dir("pipelines").glob("*.toml"))
    from eco.errors import ConfigError

    raise ConfigError(f"unknown pipeline {name!r}; known pipelines: {', '.join(known)}")
