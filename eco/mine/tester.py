"""Run one mining rule over a history without storing anything: the loop for tuning a new rule."""

from __future__ import annotations

from typing import Any

from eco.errors import EcoError
from eco.mine.gitlog import BlobReader, stream_commits
from eco.mine.miner import open_git
from eco.mine.rules import CommitView, RuleHit, load_rules
from eco.workspace import Workspace


def test_rule(
    ws: Workspace,
    name: str,
    *,
    rev_range: str | None = None,
    since: str | None = None,
    max_commits: int | None = None,
) -> dict[str, Any]:
    """``{"rule", "source", "scanned", "hits": [{"sha", "subject", "score", "reason"}], "errors"}``."""
    ruleset = load_rules(ws.settings.rules_dirs, ws.root)
    lr = ruleset.get(name)
    if lr is None:
        known = ", ".join(sorted(r.name for r in ruleset.rules))
        raise EcoError(f"no mining rule named {name!r}; known rules: {known}")
    repo = open_git(ws.root)
    blobs = BlobReader(repo)
    hits: list[dict[str, Any]] = []
    errors: list[str] = []
    scanned = 0
    for raw in stream_commits(repo, rev_range=rev_range, since=since, max_diff_bytes=ws.settings.max_diff_bytes):
        if max_commits is not None and scanned >= max_commits:
            break
        scanned += 1
        if raw.is_merge or raw.skipped:
            continue
        view = CommitView(raw, blobs)
        try:
            hit = lr.rule.score(view)
        except Exception as exc:
            errors.append(f"{raw.sha[:12]}: {type(exc).__name__}: {exc}")
            continue
        if hit is not None:
            score = float(getattr(hit, "score", 0.0))
            reason = str(getattr(hit, "reason", ""))
            hits.append({"sha": raw.sha, "subject": view.subject, "score": round(score, 4), "reason": reason,
                         "kinds": dict(hit.kinds) if isinstance(hit, RuleHit) else {}})
    return {"rule": lr.name, "source": lr.source, "scanned": scanned, "hits": hits, "errors": errors}
