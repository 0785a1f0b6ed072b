"""Run one mining rule over a history without storing anything: the loop for tuning a new rule."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from eco.errors import EcoError
from eco.mine.gitlog import BlobReader, stream_commits
from eco.mine.miner import open_git
from eco.mine.rules import CommitView, RuleHit, Verdict, load_rules, run_rule
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


def explain_commits(ws: Workspace, revs: list[str], *, llm_judge: bool = False) -> list[dict[str, Any]]:
    """Why each commit is, or is not, a performance fix: every rule's score and reason, and the verdict.

    The other half of tuning a rule: ``test_rule`` shows where one rule fires; this shows, for a commit a
    user expected to be found (or not), what each rule said and how far the total is from the threshold.
    Every rule runs, code-reading ones included, whatever the cheap rules already decided. With ``llm_judge``
    the configured LLM is asked too, as ``eco mine --llm-judge`` would ask it (only when the rules leave the
    commit between ``mine_llm_judge_min`` and ``mine_llm_judge_max``, by default the threshold).
    """
    second = None
    if llm_judge:
        from eco.mine.second_opinion import SecondOpinion

        second = SecondOpinion(ws.settings)
    ruleset = load_rules(ws.settings.rules_dirs, ws.root)
    threshold = ws.settings.mine_threshold
    repo = open_git(ws.root)
    blobs = BlobReader(repo)
    out: list[dict[str, Any]] = []
    for rev in revs:
        try:
            sha = repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}")
        except Exception:
            sha = ""
        if not sha:
            raise EcoError(f"not a commit in {ws.root}: {rev!r}")
        # The first commit of `git log SHA` is SHA itself (a root commit too); closing stops git there.
        with closing(stream_commits(repo, rev_range=sha, max_diff_bytes=ws.settings.max_diff_bytes)) as commits:
            raw = next(commits, None)
        if raw is None:
            raise EcoError(f"git log shows nothing for {rev!r}")
        view = CommitView(raw, blobs)
        row: dict[str, Any] = {"sha": raw.sha, "subject": view.subject, "threshold": threshold, "rules": [], "errors": []}
        if raw.is_merge or raw.skipped:
            row.update(perf=False, score=0.0, skipped=raw.skipped or "merge commit: judged through the commits it merges")
            out.append(row)
            continue
        hits: list[tuple[str, RuleHit]] = []
        errors: list[tuple[str, str]] = []
        for lr in ruleset.rules:
            run_rule(lr, view, hits, errors)
        total = sum(hit.score for _, hit in hits)
        verdict = Verdict(score=total, perf=total >= threshold, hits=hits, errors=errors, deep=True)
        if second is not None and second.wants(verdict):
            verdict = second.decide(view, verdict)  # its "yes" decides even where float sums fall a hair short
        row["rules"] = [{"rule": name, "score": round(hit.score, 4), "reason": hit.reason} for name, hit in verdict.hits]
        row["errors"] = [f"{name}: {error}" for name, error in verdict.errors]
        row.update(perf=verdict.perf, score=round(verdict.score, 4), skipped=None)
        out.append(row)
    return out
