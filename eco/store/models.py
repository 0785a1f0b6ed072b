"""SQLAlchemy tables for everything the pipeline records.

One table per thing a stage produces. Rows carry natural unique keys (a commit's SHA, a
function's path and qualified name, an anti-pattern's normalised hash) so that a stage run twice
updates rather than duplicates. JSON columns hold small lists and evidence dicts.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Key/value facts about the store itself, such as the schema version."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Repository(Base):
    """A repository eco has seen: mined, indexed or profiled."""

    __tablename__ = "repositories"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(String(255))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Commit(Base):
    """A scanned commit and the miner's verdict; presence means "already scanned"."""

    __tablename__ = "commits"
    __table_args__ = (UniqueConstraint("repo_id", "sha"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    sha: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(255), default="")
    author_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_perf: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    rules: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"rule", "score", "reason"}]
    functions: Mapped[list[str]] = mapped_column(JSON, default=list)
    skipped: Mapped[str | None] = mapped_column(Text)  # why a commit was skipped (huge diff, ...)
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AntiPattern(Base):
    """A known slow shape: curated (catalog) or mined (a function-level before/after pair).

    ``key`` is stable: ``catalog:<id>`` for curated entries, ``mined:<norm_hash[:16]>`` for mined
    pairs. ``norm_hash`` dedupes identical normalised pairs, counted in ``occurrences``.
    ``weight`` moves with reviewer decisions (accepted up, rejected down).
    """

    __tablename__ = "antipatterns"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # "catalog" | "mined"
    kind: Mapped[str] = mapped_column(String(128), index=True)  # catalog id, or best-matching catalog id for mined pairs
    title: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64), default="other")
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(32), default="python")
    before_code: Mapped[str] = mapped_column(Text, default="")
    after_code: Mapped[str] = mapped_column(Text, default="")
    diff: Mapped[str] = mapped_column(Text, default="")
    path: Mapped[str | None] = mapped_column(Text)
    qualname: Mapped[str | None] = mapped_column(Text)
    repo_id: Mapped[int | None] = mapped_column(ForeignKey("repositories.id"))
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    author_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rules: Mapped[list[Any]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    norm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    detector: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # as declared in the catalog file
    impact: Mapped[str] = mapped_column(String(16), default="constant")  # micro | constant | complexity
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Candidate(Base):
    """One function or method of the target repository, as extracted by tree-sitter."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("repo_id", "path", "qualname"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    qualname: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(32))
    start_line: Mapped[int] = mapped_column(Integer)
    end_line: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Profile(Base):
    """One ingested profile file; hot functions point back to the profiles they came from."""

    __tablename__ = "profiles"
    __table_args__ = (UniqueConstraint("repo_id", "digest"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    source: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    total: Mapped[float] = mapped_column(Float, default=0.0)
    frames: Mapped[int] = mapped_column(Integer, default=0)
    unmapped_frames: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HotFunction(Base):
    """A repository function with its cost across all ingested profiles (merged view)."""

    __tablename__ = "hot_functions"
    __table_args__ = (UniqueConstraint("repo_id", "path", "qualname"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    qualname: Mapped[str] = mapped_column(Text)
    start_line: Mapped[int] = mapped_column(Integer, default=0)
    self_cost: Mapped[float] = mapped_column(Float, default=0.0)
    rolled_up: Mapped[float] = mapped_column(Float, default=0.0)
    inclusive: Mapped[float] = mapped_column(Float, default=0.0)
    share: Mapped[float] = mapped_column(Float, default=0.0)
    calls: Mapped[int | None] = mapped_column(Integer)
    profiles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Finding(Base):
    """A candidate that matches an anti-pattern, with the evidence and a score to rank by."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("candidate_id", "antipattern_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    antipattern_id: Mapped[int] = mapped_column(ForeignKey("antipatterns.id"), index=True)
    similarity: Mapped[float] = mapped_column(Float, default=0.0)
    structural: Mapped[bool] = mapped_column(Boolean, default=False)
    hotness: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64), default="")  # candidate code the finding was made on
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    candidate: Mapped[Candidate] = relationship()
    antipattern: Mapped[AntiPattern] = relationship()


# Outcomes, in the spirit of ECO's outcome table.
OUTCOMES = (
    "submitted",
    "rejected_by_self_review",
    "rejected_by_tests",
    "rejected_no_speedup",
    "empty_edit",
    "error",
)


class Draft(Base):
    """One drafted edit of a finding's function and what became of it."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    drafter: Mapped[str] = mapped_column(String(64))  # "rules:<codemod>" or "llm:<model>"
    base_sha: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    qualname: Mapped[str] = mapped_column(Text)
    original_code: Mapped[str] = mapped_column(Text, default="")
    new_code: Mapped[str] = mapped_column(Text, default="")
    diff: Mapped[str] = mapped_column(Text, default="")
    review_verdict: Mapped[str | None] = mapped_column(String(16))  # accept | revise | reject
    review_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(String(32), index=True)  # one of OUTCOMES, None while in flight
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    finding: Mapped[Finding] = relationship()


class Validation(Base):
    """Test and benchmark evidence for a draft, measured in a throw-away worktree."""

    __tablename__ = "validations"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), unique=True)
    compiled: Mapped[bool] = mapped_column(Boolean, default=False)
    tests_passed: Mapped[bool | None] = mapped_column(Boolean)
    tests_summary: Mapped[str] = mapped_column(Text, default="")
    speedup: Mapped[float | None] = mapped_column(Float)  # median before/after - 1
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    before_times: Mapped[list[float]] = mapped_column(JSON, default=list)
    after_times: Mapped[list[float]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Patch(Base):
    """An emitted ``git format-patch`` file awaiting a person's decision."""

    __tablename__ = "patches"
    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), unique=True)
    number: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(128))
    file: Mapped[str] = mapped_column(Text)  # path of the .patch file
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    base_sha: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | accepted | rejected
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    draft: Mapped[Draft] = relationship()


class ReviewDecision(Base):
    """A person's accept or reject of a patch, with the reason and where it landed."""

    __tablename__ = "review_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    patch_id: Mapped[int] = mapped_column(ForeignKey("patches.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(16))  # accepted | rejected
    reason: Mapped[str] = mapped_column(Text, default="")
    branch: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
