"""Structural detectors: does this function's code have the shape of a catalog anti-pattern?

Every catalog entry names its detector in its ``[detector]`` table: a Python function
registered here (``kind = "python"``, ``name = ...``) or a tree-sitter query whose ``@match``
capture marks the finding (``kind = "treesitter"``). The match stage uses the answers as
structural evidence, so detectors prefer silence to a guess.

Public API: :class:`Evidence`, :func:`detect`, :func:`detect_all`, :func:`has_detector`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from eco.detect.base import REGISTRY, Context, Evidence, parse_snippet
from eco.detect import containers as _containers  # noqa: F401  (registers detectors)
from eco.detect import copies as _copies  # noqa: F401
from eco.detect import loops as _loops  # noqa: F401
from eco.detect import treesitter as _treesitter

__all__ = ["Evidence", "detect", "detect_all", "has_detector", "detector_specs", "use_catalog_dirs", "REGISTRY"]


_extra_dirs: tuple[Path, ...] = ()


def use_catalog_dirs(extra_dirs: list[Path] | None) -> None:
    """Also use the detectors declared by the catalog entries in ``extra_dirs`` (the
    ``catalog_dirs`` setting); a user entry with a built-in id replaces the built-in one."""
    global _extra_dirs
    new = tuple(Path(d) for d in extra_dirs or ())
    if new != _extra_dirs:
        _extra_dirs = new
        _builtin_specs.cache_clear()


@lru_cache(maxsize=1)
def _builtin_specs() -> dict[str, dict[str, Any]]:
    from eco.mine.catalog import load_catalog

    specs = {}
    for entry in load_catalog(list(_extra_dirs) or None):
        if entry.detector:
            specs[entry.id] = {**entry.detector, "message": entry.summary, "language": entry.language}
    return specs


def detector_specs() -> dict[str, dict[str, Any]]:
    """catalog id -> its ``[detector]`` table, for every built-in entry that has one."""
    return dict(_builtin_specs())


def _spec_for(kind: str) -> dict[str, Any] | None:
    spec = _builtin_specs().get(kind)
    if spec is None:
        fallback = kind.replace("-", "_")
        if fallback in REGISTRY:
            return {"kind": "python", "name": fallback}
    return spec


def has_detector(kind: str) -> bool:
    """Whether catalog id ``kind`` has a structural detector that :func:`detect` can run."""
    spec = _spec_for(kind)
    if spec is None:
        return False
    if spec.get("kind") == "python":
        return spec.get("name") in REGISTRY
    return spec.get("kind") == "treesitter" and bool(spec.get("query"))


def _run(kind: str, spec: dict[str, Any], code: str, language: str, ctx: Context | None) -> list[Evidence]:
    if spec.get("language", "python") != language:
        return []
    if spec.get("kind") == "treesitter":
        return _treesitter.run_query(kind, spec.get("query", ""), code, language, spec.get("message"))
    if language != "python" or ctx is None:
        return []
    fn = REGISTRY.get(spec.get("name", ""))
    if fn is None:
        return []
    out: dict[tuple[int, int], Evidence] = {}
    try:
        for node, message in fn(ctx):
            ev = ctx.evidence(kind, node, message)
            out.setdefault((ev.line, ev.end_line), ev)
    except RecursionError:
        return []
    if not out:  # the usual answer
        return []
    return sorted(out.values(), key=lambda e: (e.line, e.end_line))


def _context(code: str, language: str) -> Context | None:
    if language != "python":
        return None
    parsed = parse_snippet(code)
    if parsed is None:
        return None
    tree, offset = parsed
    return Context(code, tree, offset)


def detect(kind: str, code: str, language: str = "python") -> list[Evidence]:
    """Evidence that ``code`` (a function's source, possibly indented) has anti-pattern ``kind``.

    Returns [] for unknown kinds, kinds without a detector, other languages without a query,
    and code that does not parse.
    """
    spec = _spec_for(kind)
    if spec is None:
        return []
    return _run(kind, spec, code, language, _context(code, language))


def detect_all(code: str, language: str = "python") -> list[Evidence]:
    """Evidence for every catalog kind with a detector, ordered by line then kind."""
    ctx = _context(code, language)
    found: list[Evidence] = []
    for kind, spec in _builtin_specs().items():
        found.extend(_run(kind, spec, code, language, ctx))
    return sorted(found, key=lambda e: (e.line, e.kind))
