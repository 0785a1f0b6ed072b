"""The one interface every drafter implements, and the data that crosses it.

A drafter sees one function and the anti-pattern it matched, and returns the rewritten function
(whole lines, decorators included) plus any import statements the new code needs. It never
writes files: applying, checking and validating an edit happen downstream, the same way for all
drafters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class AntiPatternInfo:
    """What a drafter needs to know of an anti-pattern (curated entry or mined precedent)."""

    key: str  # "catalog:<id>" or "mined:<hash>"
    kind: str  # catalog id, e.g. "list-membership-in-loop"
    source: str  # "catalog" | "mined"
    title: str = ""
    category: str = "other"
    description: str = ""
    before_code: str = ""
    after_code: str = ""
    diff: str = ""
    subject: str | None = None  # mined precedents: the commit subject
    message: str | None = None  # mined precedents: the whole commit message
    commit_sha: str | None = None


@dataclass(frozen=True)
class DraftRequest:
    """One finding to fix: the function as it stands at ``base_sha`` and why it was flagged."""

    finding_id: int
    path: str  # relative to the repository root
    qualname: str
    language: str
    code: str  # the function, whole lines from start_line to end_line
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    file_source: str  # the whole file at base_sha, for context (imports, enclosing class)
    base_sha: str
    antipattern: AntiPatternInfo
    precedents: tuple[AntiPatternInfo, ...] = ()  # further examples (few-shot), same category
    evidence: dict[str, Any] = field(default_factory=dict)  # structural evidence from the match stage
    callers: tuple[str, ...] = ()  # qualified names of known callers, for context


@dataclass
class DraftResult:
    """A rewritten function, or the reason there is none (``new_code`` None means empty edit)."""

    drafter: str  # "rules:<codemod>" or "llm:<model>"
    new_code: str | None
    imports: list[str] = field(default_factory=list)  # e.g. ["from collections import deque"]
    notes: str = ""  # the drafter's explanation (LLM reasoning summary, codemod preconditions met)
    raw: str = ""  # raw model output, kept for the record


class Drafter(Protocol):
    """Produces zero or more candidate edits for one request; most conservative first."""

    name: str

    def draft(self, request: DraftRequest) -> list[DraftResult]: ...
