"""The human gate: list pending patches, accept one onto a branch, reject one with a reason.

Accepting never touches the user's current branch, index or working tree (unless ``here`` is
asked for): the patch is applied with ``git am`` in a throw-away worktree on a new branch made
from the patch's base commit. Every decision is recorded, and it moves the weight of the
anti-pattern behind the patch, so later matching trusts what reviewers accept.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from eco.errors import EcoError
from eco.repo import GIT_LOCATION_VARS
from eco.store.models import AntiPattern, Draft, Finding, Patch, ReviewDecision, Validation
from eco.workspace import Workspace

# How much one decision moves an anti-pattern's weight, and the bounds it stays within.
ACCEPT_FACTOR = 1.15
REJECT_FACTOR = 0.7
WEIGHT_MIN, WEIGHT_MAX = 0.1, 3.0


class ReviewError(EcoError):
    """A review command cannot be carried out; nothing was changed."""


@dataclass
class PatchView:
    """Everything a reviewer sees about one patch, flattened for tables, JSON and the report."""

    id: int
    number: int
    slug: str
    file: str
    status: str
    base_sha: str
    path: str
    qualname: str
    antipattern: str
    kind: str
    category: str
    drafter: str
    speedup: float | None
    ci_low: float | None
    ci_high: float | None
    hotness: float
    tests: str
    created_at: datetime
    decision_reason: str | None = None
    branch: str | None = None
    precedent: dict[str, Any] | None = None

    @property
    def age(self) -> str:
        created = self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=timezone.utc)
        seconds = max(0, int((datetime.now(timezone.utc) - created).total_seconds()))
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size:
                return f"{seconds // size}{unit}"
        return f"{seconds}s"

    def speedup_text(self) -> str:
        if self.speedup is None:
            return "-"
        text = f"{self.speedup:+.0%}"
        if self.ci_low is not None and self.ci_high is not None:
            text += f" [{self.ci_low:+.0%}, {self.ci_high:+.0%}]"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "number": self.number, "slug": self.slug, "file": self.file, "status": self.status,
            "base_sha": self.base_sha, "path": self.path, "qualname": self.qualname,
            "antipattern": self.antipattern, "kind": self.kind, "category": self.category, "drafter": self.drafter,
            "speedup": self.speedup, "ci_low": self.ci_low, "ci_high": self.ci_high, "hotness": self.hotness,
            "tests": self.tests, "created_at": self.created_at.isoformat(), "age": self.age,
            "decision_reason": self.decision_reason, "branch": self.branch, "precedent": self.precedent,
        }


def _view(session: Any, patch: Patch) -> PatchView:
    draft: Draft = patch.draft
    finding: Finding = draft.finding
    ap: AntiPattern = finding.antipattern
    validation = session.scalar(select(Validation).where(Validation.draft_id == draft.id))
    decision = session.scalar(select(ReviewDecision).where(ReviewDecision.patch_id == patch.id))
    precedent = None
    if ap.source == "mined":
        precedent = {"source": "mined", "commit": ap.commit_sha, "subject": ap.subject, "message": ap.message, "diff": ap.diff}
    else:
        precedent = {"source": "catalog", "id": ap.kind, "title": ap.title, "description": ap.description,
                     "before": ap.before_code, "after": ap.after_code}
    return PatchView(
        id=patch.id, number=patch.number, slug=patch.slug, file=patch.file, status=patch.status,
        base_sha=patch.base_sha, path=draft.path, qualname=draft.qualname, antipattern=ap.key, kind=ap.kind,
        category=ap.category, drafter=draft.drafter,
        speedup=validation.speedup if validation else None,
        ci_low=validation.ci_low if validation else None,
        ci_high=validation.ci_high if validation else None,
        hotness=finding.hotness or 0.0,
        tests=(validation.tests_summary if validation else "") or "",
        created_at=patch.created_at,
        decision_reason=decision.reason if decision else None,
        branch=decision.branch if decision else None,
        precedent=precedent,
    )


def list_patches(ws: Workspace, status: str | None = "pending") -> list[PatchView]:
    """Patches of this repository, oldest first; ``status=None`` lists all."""
    with ws.store.session() as s:
        query = select(Patch).where(Patch.repo_id == ws.repo_id).order_by(Patch.number)
        if status:
            query = query.where(Patch.status == status)
        return [_view(s, p) for p in s.scalars(query)]


def get_patch(ws: Workspace, patch_id: int) -> PatchView:
    with ws.store.session() as s:
        patch = s.get(Patch, patch_id)
        if patch is None or patch.repo_id != ws.repo_id:
            known = [str(n) for n in s.scalars(select(Patch.id).where(Patch.repo_id == ws.repo_id))]
            hint = f"; known ids: {', '.join(known)}" if known else "; there are no patches yet (run `eco run`)"
            raise ReviewError(f"no patch with id {patch_id}{hint}")
        return _view(s, patch)


def _revalidate(ws: Workspace, patch_id: int) -> str:
    """The command to give, with the repository when it is not the current directory."""
    try:
        here = ws.root.resolve() == Path.cwd().resolve()
    except OSError:
        here = False
    return f"eco run --revalidate {patch_id}" + ("" if here else f" {ws.root}")


def read_patch_text(ws: Workspace, view: PatchView) -> str:
    """The patch file, refusing one that was deleted or edited by hand since eco wrote it."""
    path = Path(view.file)
    if not path.is_absolute():
        path = ws.root / path
    if not path.is_file():
        raise ReviewError(f"patch {view.id}: file {path} is missing; run `{_revalidate(ws, view.id)}` to make it again")
    data = path.read_bytes()
    with ws.store.session() as s:
        expected = s.get(Patch, view.id).file_sha256
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise ReviewError(
            f"patch {view.id}: {path} was changed since eco wrote it; restore it or run `{_revalidate(ws, view.id)}`"
        )
    return data.decode("utf-8", "replace")


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in GIT_LOCATION_VARS}
    identity: list[str] = []
    if args and args[0] == "am" and not env.get("GIT_COMMITTER_EMAIL"):
        configured = subprocess.run(["git", "config", "user.email"], cwd=root, capture_output=True, text=True, env=env)
        if not configured.stdout.strip():
            # git am records a committer; without one configured, name eco rather than fail.
            identity = ["-c", "user.name=eco", "-c", "user.email=eco@localhost"]
    proc = subprocess.run(["git", *identity, *args], cwd=root, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        last = ((proc.stderr or proc.stdout).strip().splitlines() or ["no output"])[-1]
        raise ReviewError(f"git {args[0]} failed: {last}")
    return proc


def _undecided(ws: Workspace, patch_id: int) -> PatchView:
    view = get_patch(ws, patch_id)
    if view.status != "pending":
        extra = f" to branch {view.branch}" if view.branch else ""
        raise ReviewError(f"patch {patch_id} was already {view.status}{extra}")
    return view


def _valid_branch(root: Path, name: str) -> None:
    if _git(root, "check-ref-format", "--branch", name, check=False).returncode != 0:
        raise ReviewError(f"{name!r} is not a valid branch name")
    if _git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}", check=False).returncode == 0:
        raise ReviewError(f"branch {name!r} already exists; pass --branch with another name")


def _record(ws: Workspace, patch_id: int, decision: str, reason: str, branch: str | None) -> None:
    """Store the decision and move the anti-pattern's weight, in one transaction."""
    with ws.store.transaction() as s:
        patch = s.get(Patch, patch_id)
        patch.status = decision
        s.add(ReviewDecision(patch_id=patch_id, decision=decision, reason=reason, branch=branch))
        ap = patch.draft.finding.antipattern
        factor = ACCEPT_FACTOR if decision == "accepted" else REJECT_FACTOR
        ap.weight = min(WEIGHT_MAX, max(WEIGHT_MIN, (ap.weight or 1.0) * factor))


def accept(ws: Workspace, patch_id: int, *, branch: str | None = None, here: bool = False) -> dict[str, Any]:
    """Apply a patch on a new branch from its base (or on the current branch with ``here``)."""
    view = _undecided(ws, patch_id)
    text = read_patch_text(ws, view)
    root = ws.root
    if _git(root, "cat-file", "-e", f"{view.base_sha}^{{commit}}", check=False).returncode != 0:
        raise ReviewError(
            f"patch {patch_id}: its base commit {view.base_sha[:12]} is no longer in the repository; "
            f"run `{_revalidate(ws, patch_id)}`"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".patch", delete=False, encoding="utf-8") as fh:
        fh.write(text)
        patch_file = fh.name
    try:
        if here:
            return _accept_here(ws, view, patch_file)
        name = branch or f"eco/{view.slug}"
        _valid_branch(root, name)
        with tempfile.TemporaryDirectory(prefix="eco-accept-") as tmp:
            wt = Path(tmp) / "wt"
            _git(root, "worktree", "add", "--quiet", "-b", name, str(wt), view.base_sha)
            try:
                applied = _git(wt, "am", "--quiet", "--3way", patch_file, check=False)
                if applied.returncode != 0:
                    _git(wt, "am", "--abort", check=False)
            finally:
                _git(root, "worktree", "remove", "--force", str(wt), check=False)
                _git(root, "worktree", "prune", check=False)
            if applied.returncode != 0:
                _git(root, "branch", "-D", name, check=False)
                raise ReviewError(
                    f"patch {patch_id} no longer applies to its base {view.base_sha[:12]}; "
                    f"run `{_revalidate(ws, patch_id)}`"
                )
        head = _git(root, "rev-parse", f"refs/heads/{name}").stdout.strip()
        _record(ws, patch_id, "accepted", "", name)
        moved = ws.target.head_sha() != view.base_sha
        return {"id": patch_id, "status": "accepted", "branch": name, "commit": head, "base_moved": moved}
    finally:
        os.unlink(patch_file)


def _accept_here(ws: Workspace, view: PatchView, patch_file: str) -> dict[str, Any]:
    root = ws.root
    if _git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip():
        raise ReviewError("the working tree has uncommitted changes; commit or stash them, or accept without --here")
    applied = _git(root, "am", "--quiet", "--3way", patch_file, check=False)
    if applied.returncode != 0:
        _git(root, "am", "--abort", check=False)
        raise ReviewError(
            f"patch {view.id} does not apply to the current HEAD; accept it onto a branch from its base instead, "
            f"or run `{_revalidate(ws, view.id)}`"
        )
    current = _git(root, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    _record(ws, view.id, "accepted", "", current)
    return {"id": view.id, "status": "accepted", "branch": current, "commit": ws.target.head_sha(), "base_moved": False}


def reject(ws: Workspace, patch_id: int, reason: str) -> dict[str, Any]:
    """Record a rejection with its reason; the anti-pattern weighs less in later matching."""
    if not reason or not reason.strip():
        raise ReviewError("a rejection needs a reason (--reason TEXT): it is what teaches eco")
    _undecided(ws, patch_id)
    _record(ws, patch_id, "rejected", reason.strip(), None)
    return {"id": patch_id, "status": "rejected", "reason": reason.strip()}

