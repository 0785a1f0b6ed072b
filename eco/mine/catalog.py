"""The curated catalog: documented anti-patterns in ``antipatterns/catalog/<id>.toml``.

Each file documents one slow shape the way a linter documents a rule (what, why, instead, an
example) and names a structural detector. Loading validates every key so that a typo in a user's
file is reported with the file and the key, not discovered later as a silent miss. Syncing
copies the entries into the store as ``AntiPattern`` rows keyed ``catalog:<id>``, so curated and
mined anti-patterns are matched, listed and weighted the same way.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from eco.errors import ConfigError
from eco.resources import data_dir
from eco.store import Store
from eco.store.models import AntiPattern

CATEGORIES = (
    "container-choice",
    "algorithmic-complexity",
    "needless-copy",
    "caching",
    "string-building",
    "regex",
    "io",
    "loop-invariant-work",
    "other",
)
DETECTOR_KINDS = ("python", "treesitter")

_STR_KEYS = ("id", "title", "category", "language", "summary", "why", "instead")
_KNOWN_KEYS = set(_STR_KEYS) | {"fixable", "tags", "examples", "detector", "impact"}
# How much a fix usually buys: a lower complexity class, a constant factor, or a micro-optimisation
# that is only worth a reviewer's time in the very hottest code (see the `min_impact` setting).
IMPACTS = ("micro", "constant", "complexity")


@dataclass(frozen=True)
class Example:
    before: str
    after: str


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog file, validated."""

    id: str
    title: str
    category: str
    language: str
    summary: str
    why: str
    instead: str
    fixable: bool
    tags: list[str]
    examples: list[Example]
    detector: dict[str, Any] | None = None
    impact: str = "constant"
    path: Path | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"catalog:{self.id}"

    def description(self) -> str:
        """Markdown documentation: summary, why it is slow, what to do instead."""
        return (
            f"{self.summary.strip()}\n\n## Why is this slow?\n\n{self.why.strip()}\n\n"
            f"## What to do instead\n\n{self.instead.strip()}\n"
        )

    def diff(self) -> str:
        """Unified diff of the first example, before -> after."""
        if not self.examples:
            return ""
        ex = self.examples[0]
        return "".join(
            difflib.unified_diff(
                ex.before.splitlines(keepends=True),
                ex.after.splitlines(keepends=True),
                fromfile=f"a/{self.id}.py",
                tofile=f"b/{self.id}.py",
            )
        )


def _fail(path: Path, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{path}: key {key!r}: {problem}")


def parse_entry(path: Path) -> CatalogEntry:
    """Read and validate one catalog file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    for key in sorted(set(data) - _KNOWN_KEYS):
        raise _fail(path, key, f"unknown key (known: {', '.join(sorted(_KNOWN_KEYS))})")
    for key in _STR_KEYS:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _fail(path, key, "missing or not a non-empty string")
    if data["id"] != path.stem:
        raise _fail(path, "id", f"{data['id']!r} must equal the file name {path.stem!r}")
    if data["category"] not in CATEGORIES:
        raise _fail(path, "category", f"{data['category']!r} is not one of {', '.join(CATEGORIES)}")
    if not isinstance(data.get("fixable"), bool):
        raise _fail(path, "fixable", "missing or not true/false")
    impact = data.get("impact", "constant")
    if impact not in IMPACTS:
        raise _fail(path, "impact", f"{impact!r} is not one of {', '.join(IMPACTS)}")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _fail(path, "tags", "must be a list of strings")
    raw_examples = data.get("examples")
    if not isinstance(raw_examples, list) or not raw_examples:
        raise _fail(path, "examples", "at least one [[examples]] table with before and after is required")
    examples = []
    for i, ex in enumerate(raw_examples):
        if not isinstance(ex, dict):
            raise _fail(path, f"examples[{i}]", "must be a table")
        for part in ("before", "after"):
            if not isinstance(ex.get(part), str) or not ex[part].strip():
                raise _fail(path, f"examples[{i}].{part}", "missing or empty")
        extra = set(ex) - {"before", "after"}
        if extra:
            raise _fail(path, f"examples[{i}].{sorted(extra)[0]}", "unknown key (known: before, after)")
        examples.append(Example(before=ex["before"], after=ex["after"]))
    detector = data.get("detector")
    if detector is not None:
        if not isinstance(detector, dict):
            raise _fail(path, "detector", "must be a table")
        kind = detector.get("kind")
        if kind not in DETECTOR_KINDS:
            raise _fail(path, "detector.kind", f"must be one of {', '.join(DETECTOR_KINDS)}")
        if kind == "python" and not (isinstance(detector.get("name"), str) and detector["name"]):
            raise _fail(path, "detector.name", "a python detector needs the registered detector name")
        if kind == "treesitter" and not (isinstance(detector.get("query"), str) and detector["query"].strip()):
            raise _fail(path, "detector.query", "a treesitter detector needs a query with an @match capture")
        if kind == "treesitter" and "@match" not in detector["query"]:
            raise _fail(path, "detector.query", "the query has no @match capture")
        extra = set(detector) - {"kind", "name", "query"}
        if extra:
            raise _fail(path, f"detector.{sorted(extra)[0]}", "unknown key (known: kind, name, query)")
    return CatalogEntry(
        id=data["id"],
        title=data["title"].strip(),
        category=data["category"],
        language=data["language"],
        summary=data["summary"].strip(),
        why=data["why"].strip(),
        instead=data["instead"].strip(),
        fixable=data["fixable"],
        tags=list(tags),
        examples=examples,
        detector=dict(detector) if detector else None,
        impact=impact,
        path=path,
    )


def builtin_dir() -> Path:
    return data_dir("antipatterns") / "catalog"


def load_catalog(extra_dirs: list[Path] | None = None) -> list[CatalogEntry]:
    """Built-in entries, then the users' (a user entry with the same id replaces the built-in one)."""
    entries: dict[str, CatalogEntry] = {}
    for folder in [builtin_dir(), *(Path(d) for d in extra_dirs or [])]:
        if not folder.is_dir():
            raise ConfigError(f"{folder}: catalog folder does not exist")
        for path in sorted(folder.glob("*.toml")):
            entry = parse_entry(path)
            entries[entry.id] = entry
    return sorted(entries.values(), key=lambda e: e.id)


def sync_catalog(store: Store, extra_dirs: list[Path] | None = None) -> int:
    """Upsert every catalog entry as an ``AntiPattern`` row; returns how many entries were synced.

    Idempotent, and it never touches ``weight`` (reviewer decisions) or ``occurrences``.
    """
    entries = load_catalog(extra_dirs)
    with store.transaction() as s:
        existing = {
            row.key: row for row in s.scalars(select(AntiPattern).where(AntiPattern.source == "catalog"))
        }
        for entry in entries:
            row = existing.get(entry.key)
            if row is None:
                row = AntiPattern(key=entry.key, source="catalog", weight=1.0, occurrences=1)
                s.add(row)
            values = {
                "kind": entry.id,
                "title": entry.title,
                "category": entry.category,
                "description": entry.description(),
                "language": entry.language,
                "before_code": entry.examples[0].before,
                "after_code": entry.examples[0].after,
                "diff": entry.diff(),
                "detector": entry.detector,
                "impact": entry.impact,
                "rules": [],
            }
            for attr, value in values.items():
                if getattr(row, attr) != value:
                    setattr(row, attr, value)
    return len(entries)


def user_catalog_dirs(root: Path, dirs: list[str]) -> list[Path]:
    """The ``catalog_dirs`` setting as paths; relative entries are relative to the repository."""
    return [p if p.is_absolute() else root / p for p in (Path(d).expanduser() for d in dirs)]


def find_antipattern(store: Store, ident: str) -> AntiPattern | None:
    """An anti-pattern row by key (``catalog:<id>``, ``mined:<hash>``), bare catalog id, or row id."""
    with store.session() as s:
        for key in (ident, f"catalog:{ident}", f"mined:{ident}"):
            row = s.scalar(select(AntiPattern).where(AntiPattern.key == key))
            if row is not None:
                return row
        if ident.isdigit():
            return s.get(AntiPattern, int(ident))
    return None


def antipattern_dict(row: AntiPattern, *, full: bool = False) -> dict[str, Any]:
    """A JSON-ready view of a row; ``full`` adds documentation, code and provenance."""
    data: dict[str, Any] = {
        "key": row.key,
        "kind": row.kind,
        "category": row.category,
        "source": row.source,
        "occurrences": row.occurrences,
        "weight": row.weight,
        "title": row.title,
    }
    if full:
        data.update(
            {
                "language": row.language,
                "description": row.description,
                "before_code": row.before_code,
                "after_code": row.after_code,
                "diff": row.diff,
                "detector": row.detector,
                "path": row.path,
                "qualname": row.qualname,
                "commit_sha": row.commit_sha,
                "subject": row.subject,
                "message": row.message,
                "author_date": row.author_date.isoformat() if row.author_date else None,
                "rules": row.rules,
                "score": row.score,
            }
        )
    return data
