"""The outcome funnel, in the shape of ECO's outcome table.

Every draft ends in one outcome; submitted patches then end accepted or rejected by a person.
Counting per category and per anti-pattern shows which rules pay off and which waste review time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from eco.store.models import AntiPattern, Draft, Finding, Patch
from eco.workspace import Workspace

# Short headers for tables, where the full outcome names would squeeze out the row labels.
HEADERS = {
    "drafted": "drafted", "rejected_by_self_review": "self-review rejected", "rejected_by_tests": "tests failed",
    "rejected_no_speedup": "no speedup", "empty_edit": "empty edit", "error": "error", "submitted": "submitted",
    "accepted": "accepted", "rejected_by_reviewer": "reviewer rejected", "pending_review": "pending review",
}

# Four-letter headers for narrow terminals, explained by the legend under the table.
SHORT = {
    "drafted": "drft", "rejected_by_self_review": "srev", "rejected_by_tests": "test", "rejected_no_speedup": "slow",
    "empty_edit": "empt", "error": "err", "submitted": "subm", "accepted": "acc", "rejected_by_reviewer": "rrej",
    "pending_review": "pend",
}
SHORT_LEGEND = ("drft drafted, srev rejected by self-review, test rejected by tests, slow no speedup, empt empty edit, "
                "err error, subm submitted, acc accepted, rrej rejected by the reviewer, pend pending review")

COLUMNS = (
    "drafted",
    "rejected_by_self_review",
    "rejected_by_tests",
    "rejected_no_speedup",
    "empty_edit",
    "error",
    "submitted",
    "accepted",
    "rejected_by_reviewer",
    "pending_review",
)


def _empty() -> dict[str, int]:
    return {c: 0 for c in COLUMNS}


def funnel(ws: Workspace) -> dict[str, Any]:
    """Counts per category, per anti-pattern and in total, each with percentages of drafted."""
    rows = defaultdict(_empty)
    per_ap = defaultdict(_empty)
    total = _empty()
    labels: dict[str, str] = {}
    with ws.store.session() as s:
        query = (
            select(Draft, AntiPattern, Patch)
            .join(Finding, Draft.finding_id == Finding.id)
            .join(AntiPattern, Finding.antipattern_id == AntiPattern.id)
            .outerjoin(Patch, Patch.draft_id == Draft.id)
            .where(Finding.repo_id == ws.repo_id)
        )
        for draft, ap, patch in s.execute(query):
            labels[ap.key] = label(ap)
            for bucket in (rows[ap.category], per_ap[ap.key], total):
                bucket["drafted"] += 1
                if draft.outcome in bucket and draft.outcome != "drafted":
                    bucket[draft.outcome] += 1
                if patch is not None:
                    status = {"accepted": "accepted", "rejected": "rejected_by_reviewer"}.get(patch.status, "pending_review")
                    bucket[status] += 1

    def with_pct(counts: dict[str, int]) -> dict[str, Any]:
        drafted = counts["drafted"]
        return {**counts, "pct": {k: (round(100.0 * v / drafted, 1) if drafted else 0.0) for k, v in counts.items()}}

    return {
        "total": with_pct(total),
        "by_category": {k: with_pct(v) for k, v in sorted(rows.items())},
        "by_antipattern": {k: with_pct(v) for k, v in sorted(per_ap.items())},
        "labels": labels,
    }


def label(ap: AntiPattern) -> str:
    """What a person recognises: the catalog id, or a mined precedent's kind and short commit."""
    if ap.source == "mined" and ap.commit_sha:
        return f"{ap.kind} @ {ap.commit_sha[:7]}"
    return ap.kind or ap.key
