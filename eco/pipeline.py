"""``eco run``: every stage in order, each finding carried from draft to patch, resumable.

The stages named by the ``stages`` setting run in order; mining, the catalog, indexing and
matching are the other stages' functions. Then each finding, best first, goes through: a
DraftRequest built from the file at HEAD (git, never the working tree), the drafter, the
structural checks (and the LLM self-review with the ``llm`` drafter), validation in a throw-away
worktree, and emit. The store is committed after every step, so a run killed anywhere and started
again picks up where it stopped: a finding that has a finished draft is not drafted again, a
validated draft is emitted without re-validating, and a patch is never written twice (one per
draft, and one per function at the same base commit, so all patches of a run apply together).
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select

from eco.apply import is_empty_edit, splice, unified_diff
from eco.code import extract_functions
from eco.code.languages import detect_language
from eco.config import Settings
from eco.draft.base import AntiPatternInfo, DraftRequest, DraftResult
from eco.emit import PatchInfo, format_patch, prune_orphans, slugify, write_index, write_patch
from eco.errors import EcoError
from eco.store.models import OUTCOMES, AntiPattern, Candidate, Draft, Finding, HotFunction, Patch, Validation
from eco.validate import Validator, prune_stale_worktrees
from eco.workspace import Workspace

# progress(stage, done, total, note): total None means "unknown"; done == total means finished.
Progress = Callable[[str, int, "int | None", str], None]
STAGES = ("mine", "catalog", "profile", "index", "find", "draft", "review", "validate", "emit")


def _quiet(stage: str, done: int, total: int | None, note: str = "") -> None:
    return None


@dataclass
class RunSummary:
    """What a run did, for the outcome table and ``--json``."""

    repo: str
    base_sha: str
    drafter: str
    drafter_note: str = ""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stage_counts: dict[str, Any] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)  # every draft of this repo, by outcome
    run_outcomes: dict[str, int] = field(default_factory=dict)  # drafts finished during this run
    skipped: dict[str, int] = field(default_factory=dict)
    new_patches: list[str] = field(default_factory=list)
    patches: list[dict[str, Any]] = field(default_factory=list)  # every pending patch
    patches_dir: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# ---------------------------------------------------------------- drafters and review


def choose_drafter(settings: Settings, chat_model: Any = None) -> tuple[Any, str, str]:
    """(drafter, name, one-line note). ``auto`` means the LLM when an endpoint is configured."""
    kind = settings.drafter
    note = ""
    if kind == "auto":
        if settings.openai_base_url or settings.openai_api_key:
            kind = "llm"
            note = "drafting with the LLM at " + (settings.openai_base_url or "the OpenAI API")
        else:
            kind = "rules"
            note = "no LLM endpoint configured (OPENAI_BASE_URL / OPENAI_API_KEY): drafting with the offline rule codemods"
    if kind == "rules":
        try:
            from eco.draft.rules import RulesDrafter
        except ImportError as exc:  # pragma: no cover - the rules drafter ships with eco
            raise EcoError(f"the rules drafter is not available: {exc}") from None
        try:
            return RulesDrafter(settings), "rules", note
        except TypeError:  # the rule drafter needs no settings
            return RulesDrafter(), "rules", note
    if kind == "llm":
        try:
            from eco.draft.llm import LLMDrafter
        except ImportError as exc:  # pragma: no cover
            raise EcoError(f"the llm drafter is not available: {exc}") from None
        return LLMDrafter(settings, chat_model=chat_model), "llm", note
    raise EcoError(f"unknown drafter {settings.drafter!r}: use rules, llm or auto")


# ---------------------------------------------------------------- helpers


def _git_show(root: Path, sha: str, path: str) -> str | None:
    proc = subprocess.run(["git", "show", f"{sha}:{path}"], cwd=root, capture_output=True, timeout=60)
    if proc.returncode != 0:
        return None
    try:
        return proc.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


def source_from_diff(base_source: str, path: str, diff: str) -> str:
    """The file after ``diff`` (a one-file unified diff), applied with ``git apply`` outside any repo."""
    with tempfile.TemporaryDirectory(prefix="eco-apply-") as tmp:
        target = Path(tmp) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(base_source, encoding="utf-8")
        proc = subprocess.run(["git", "apply", "--unsafe-paths", "-"], cwd=tmp, input=diff, text=True, capture_output=True, timeout=60)
        if proc.returncode != 0:
            raise ValueError(f"stored diff does not apply: {proc.stderr.strip()[:200]}")
        return target.read_text(encoding="utf-8")


def carry_edit(old_source: str | None, head_source: str, path: str, diff: str) -> str:
    """The file at HEAD with the edit ``diff`` (made on ``old_source``) carried onto it.

    The diff is applied to HEAD's file directly (its context still matches when HEAD did not touch
    the function's surroundings); otherwise a three-way merge of the edited old file into HEAD's.
    """
    try:
        return source_from_diff(head_source, path, diff)
    except ValueError:
        if old_source is None:
            raise
    edited = source_from_diff(old_source, path, diff)
    with tempfile.TemporaryDirectory(prefix="eco-merge-") as tmp:
        files = []
        for name, text in (("head", head_source), ("base", old_source), ("edited", edited)):
            f = Path(tmp) / name
            f.write_text(text, encoding="utf-8")
            files.append(str(f))
        proc = subprocess.run(["git", "merge-file", "-p", *files], capture_output=True, timeout=60)
        if proc.returncode != 0:
            raise ValueError("it conflicts with the changes at HEAD")
        return proc.stdout.decode("utf-8")


def _info(ap: AntiPattern) -> AntiPatternInfo:
    return AntiPatternInfo(
        key=ap.key, kind=ap.kind, source=ap.source, title=ap.title or "", category=ap.category or "other",
        description=ap.description or "", before_code=ap.before_code or "", after_code=ap.after_code or "",
        diff=ap.diff or "", subject=ap.subject, message=ap.message, commit_sha=ap.commit_sha,
    )


def _count(d: dict[str, int], key: str) -> None:
    d[key] = d.get(key, 0) + 1


# ---------------------------------------------------------------- the run


class _Run:
    def __init__(self, ws: Workspace, progress: Progress, chat_model: Any = None) -> None:
        self.ws = ws
        self.settings = ws.settings
        self.progress = progress
        self.chat_model = chat_model
        self.base_sha = ws.target.head_sha()
        self.summary = RunSummary(repo=str(ws.root), base_sha=self.base_sha, drafter=self.settings.drafter,
                                  patches_dir=str(ws.target.patches_dir))
        self._validator: Validator | None = None
        self._drafter: Any = None
        self._pos, self._total = 0, None  # position in the findings, for the progress bar

    # -- upstream stages (other modules), each optional when its module is absent

    def timed(self, stage: str, fn: Callable[[], Any]) -> Any:
        self.progress(stage, 0, None, "")
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            self.summary.stage_seconds[stage] = round(self.summary.stage_seconds.get(stage, 0.0) + time.perf_counter() - t0, 3)
            self.progress(stage, 1, 1, "")

    def _stage_progress(self, stage: str) -> Callable[..., None]:
        """The upstream stages report ``(label, done, total)``."""

        def cb(*args: Any) -> None:
            label = str(args[0]) if args and isinstance(args[0], str) else ""
            nums = [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
            done = nums[0] if nums else 0
            total = nums[1] if len(nums) > 1 else None
            self.progress(stage, done, total, label)

        return cb

    def upstream(self) -> None:
        stages = self.settings.stages
        ws = self.ws
        if "mine" in stages:
            from eco.mine.miner import mine

            res = self.timed("mine", lambda: mine(ws))
            self.summary.stage_counts["mine"] = getattr(res, "__dict__", {}) and {
                k: v for k, v in res.__dict__.items() if isinstance(v, (int, float, str))
            }
        if "catalog" in stages:
            from eco.mine.catalog import sync_catalog

            self.summary.stage_counts["catalog"] = self.timed("catalog", lambda: sync_catalog(ws.store))
        if "index" in stages:
            from eco.index import build_index

            res = self.timed("index", lambda: build_index(ws, progress=self._stage_progress("index")))
            self.summary.stage_counts["index"] = {
                k: v for k, v in getattr(res, "__dict__", {}).items() if isinstance(v, (int, float, str))
            }
        if "find" in stages:
            from eco.match import find_findings

            ran_index = "index" in stages
            found = self.timed("find", lambda: find_findings(
                ws, top=self.settings.top, progress=self._stage_progress("find"), update=not ran_index))
            self.summary.stage_counts["find"] = len(found) if found is not None else 0

    # -- findings to drafts to patches

    def _findings(self) -> list[tuple[int, str, str, str]]:
        """(finding id, path, qualname, kind), best first, only findings on current code."""
        with self.ws.store.session() as s:
            rows = s.execute(
                select(Finding.id, Candidate.path, Candidate.qualname, AntiPattern.kind, Finding.content_hash, Candidate.content_hash)
                .join(Candidate, Finding.candidate_id == Candidate.id)
                .join(AntiPattern, Finding.antipattern_id == AntiPattern.id)
                .where(Finding.repo_id == self.ws.repo_id)
                .order_by(Finding.score.desc(), Finding.id)
            ).all()
        out = []
        for fid, path, qual, kind, fhash, chash in rows:
            if fhash and chash and fhash != chash:
                _count(self.summary.skipped, "stale_finding")
                continue
            out.append((fid, path, qual, kind))
        return out

    def _patched_functions(self) -> set[tuple[str, str]]:
        with self.ws.store.session() as s:
            rows = s.execute(
                select(Draft.path, Draft.qualname).join(Patch, Patch.draft_id == Draft.id)
                .where(Patch.repo_id == self.ws.repo_id, Patch.base_sha == self.base_sha, Patch.status != "withdrawn")
            ).all()
        return {(p, q) for p, q in rows}

    def _in_flight(self) -> set[tuple[str, str]]:
        """Functions with a draft validated but not yet emitted (resumed before anything else)."""
        with self.ws.store.session() as s:
            rows = s.execute(
                select(Draft.path, Draft.qualname).join(Finding, Draft.finding_id == Finding.id)
                .where(Finding.repo_id == self.ws.repo_id, Draft.outcome.is_(None), Draft.base_sha == self.base_sha)
            ).all()
        return {(p, q) for p, q in rows}

    def drafter(self) -> Any:
        if self._drafter is None:
            self._drafter, name, note = choose_drafter(self.settings, self.chat_model)
            self.summary.drafter, self.summary.drafter_note = name, note
        return self._drafter

    def validator(self) -> Validator:
        if self._validator is None:
            self._validator = Validator(self.ws.root, self.base_sha, self.settings)
        return self._validator

    def request_for(self, finding_id: int) -> DraftRequest | str:
        """The request built from HEAD, or the reason there is none."""
        with self.ws.store.session() as s:
            f = s.get(Finding, finding_id)
            cand, ap = f.candidate, f.antipattern
            language = cand.language or detect_language(cand.path) or "python"
            source = _git_show(self.ws.root, self.base_sha, cand.path)
            if source is None:
                return "not_at_head"
            fn = next((x for x in extract_functions(source, language, cand.path) if x.qualname == cand.qualname), None)
            if fn is None:
                return "not_at_head"
            precedents = s.scalars(
                select(AntiPattern).where(AntiPattern.category == ap.category, AntiPattern.id != ap.id, AntiPattern.source == "mined")
                .order_by(AntiPattern.score.desc(), AntiPattern.id).limit(2)
            ).all()
            return DraftRequest(
                finding_id=f.id, path=cand.path, qualname=cand.qualname, language=language, code=fn.code,
                start_line=fn.start_line, end_line=fn.end_line, file_source=source, base_sha=self.base_sha,
                antipattern=_info(ap), precedents=tuple(_info(p) for p in precedents),
                evidence=dict(f.evidence or {}),
            )

    def _pick(self, request: DraftRequest, results: list[DraftResult]) -> tuple[DraftResult | None, str, list[str]]:
        """(chosen result, outcome if none survives, reasons): the first result (most conservative
        first) that is a real edit and passes the self-review: the structural checks for every
        drafter, and the review prompt when an LLM is configured for it."""
        from eco.review import self_review

        reasons: list[str] = []
        real = [r for r in results if not is_empty_edit(request.code, r.new_code)]
        if not real:
            return (results[0] if results else None), "empty_edit", [r.notes for r in results if r.notes][:3]
        for res in real:
            verdict = self_review(request, res, self.settings, chat_model=self.chat_model)
            if verdict.verdict == "accept":
                return (verdict.revised or res), "", list(verdict.reasons)
            reasons.extend(verdict.reasons or ["rejected by self-review"])
        return real[0], "rejected_by_self_review", reasons

    def _finish(self, draft_id: int, outcome: str, detail: str = "") -> None:
        assert outcome in OUTCOMES
        with self.ws.store.transaction() as s:
            d = s.get(Draft, draft_id)
            d.outcome, d.detail = outcome, detail[:4000]
        _count(self.summary.run_outcomes, outcome)

    def process(self, finding_id: int) -> bool:
        """Carry one finding as far as it goes; True when a new draft was made (counts for --limit)."""
        with self.ws.store.session() as s:
            existing = s.scalars(
                select(Draft).where(Draft.finding_id == finding_id).order_by(Draft.id.desc())
            ).first()
        if existing is not None and existing.outcome is not None:
            _count(self.summary.skipped, "already_drafted")
            return False
        request = self.request_for(finding_id)
        if isinstance(request, str):
            _count(self.summary.skipped, request)
            return False
        if existing is not None and existing.original_code != request.code:
            self._finish(existing.id, "error", "the function changed at HEAD before this draft was validated")
            existing = None
        made = False
        if existing is None:
            existing = self._draft(request)
            made = True
            if existing.outcome is not None:
                return made
        self._validate_and_emit(existing.id, request)
        return made

    def _draft(self, request: DraftRequest) -> Draft:
        self.progress("findings", self._pos, self._total, f"draft {request.qualname}")
        t0 = time.perf_counter()
        error = ""
        chosen: DraftResult | None = None
        outcome, reasons = "", []
        try:
            results = list(self.drafter().draft(request))
        except EcoError:
            raise
        except Exception as exc:  # a drafter bug or a failing endpoint: recorded, the run goes on
            results, error = [], f"drafter failed: {type(exc).__name__}: {exc}"
        self.summary.stage_seconds["draft"] = round(self.summary.stage_seconds.get("draft", 0.0) + time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        if error:
            outcome, reasons = "error", [error]
        else:
            try:
                chosen, outcome, reasons = self._pick(request, results)
            except EcoError:
                raise
            except Exception as exc:  # the review endpoint failed after its retries
                outcome, reasons = "error", [f"self-review failed: {type(exc).__name__}: {exc}"]
        self.summary.stage_seconds["review"] = round(self.summary.stage_seconds.get("review", 0.0) + time.perf_counter() - t0, 3)
        new_source, diff = "", ""
        if chosen is not None and not outcome:
            try:
                new_source = splice(request.file_source, request.start_line, request.end_line, chosen.new_code or "", chosen.imports)
                diff = unified_diff(request.path, request.file_source, new_source)
            except ValueError as exc:
                outcome, reasons = "error", [str(exc)]
        with self.ws.store.transaction() as s:
            d = Draft(
                finding_id=request.finding_id, drafter=(chosen.drafter if chosen else f"{self.summary.drafter}"),
                base_sha=self.base_sha, path=request.path, qualname=request.qualname, original_code=request.code,
                new_code=(chosen.new_code or "") if chosen else "", diff=diff,
                review_verdict=("accept" if not outcome else ("reject" if outcome == "rejected_by_self_review" else None)),
                review_reasons=[r for r in reasons if r][:20],
                outcome=outcome or None, detail="; ".join(r for r in reasons if r)[:4000],
            )
            s.add(d)
            s.flush()
        if outcome:
            _count(self.summary.run_outcomes, outcome)
        return d

    def _validate_and_emit(self, draft_id: int, request: DraftRequest) -> None:
        with self.ws.store.session() as s:
            d = s.get(Draft, draft_id)
            v = s.scalar(select(Validation).where(Validation.draft_id == draft_id))
            diff = d.diff
        if v is None:
            self.progress("findings", self._pos, self._total, f"validate {request.qualname}")
            t0 = time.perf_counter()
            try:
                new_source = source_from_diff(request.file_source, request.path, diff)
                res = self.validator().validate(request.path, request.qualname, new_source)
            except (OSError, ValueError, subprocess.SubprocessError) as exc:
                self._finish(draft_id, "error", f"validation failed to run: {exc}")
                return
            finally:
                self.summary.stage_seconds["validate"] = round(
                    self.summary.stage_seconds.get("validate", 0.0) + time.perf_counter() - t0, 3)
            with self.ws.store.transaction() as s:
                s.add(Validation(
                    draft_id=draft_id, compiled=res.compiled, tests_passed=res.tests_passed, tests_summary=res.tests_summary,
                    speedup=res.speedup, ci_low=res.ci_low, ci_high=res.ci_high, before_times=res.before_times,
                    after_times=res.after_times, method=res.method,
                ))
                if res.outcome:
                    d = s.get(Draft, draft_id)
                    d.outcome, d.detail = res.outcome, res.detail[:4000]
            if res.outcome:
                _count(self.summary.run_outcomes, res.outcome)
                return
        self.emit(draft_id)

    def emit(self, draft_id: int, number: int | None = None) -> None:
        t0 = time.perf_counter()
        rewrite = number is not None
        if not rewrite:  # a revalidation has its own bar
            self.progress("findings", self._pos, self._total, "emit")
        with self.ws.store.session() as s:
            d = s.get(Draft, draft_id)
            v = s.scalar(select(Validation).where(Validation.draft_id == draft_id))
            f = d.finding
            ap = f.antipattern
            hot = s.scalar(select(HotFunction).where(HotFunction.repo_id == self.ws.repo_id, HotFunction.path == d.path,
                                                     HotFunction.qualname == d.qualname))
            info = PatchInfo(
                path=d.path, qualname=d.qualname, kind=ap.kind, antipattern_key=ap.key, antipattern_title=ap.title or "",
                drafter=d.drafter, base_sha=d.base_sha, diff=d.diff,
                precedent_sha=ap.commit_sha if ap.source == "mined" else None,
                precedent_subject=ap.subject if ap.source == "mined" else None,
                tests_summary=v.tests_summary, speedup=v.speedup, ci_low=v.ci_low, ci_high=v.ci_high,
                benchmark_method=v.method, runs=len(v.before_times or []),
                hotness_share=(hot.share if hot is not None else (f.hotness or None)),
            )
            existing = s.scalar(select(Patch).where(Patch.draft_id == draft_id))
            if number is None:
                number = (s.scalar(select(func.max(Patch.number)).where(Patch.repo_id == self.ws.repo_id)) or 0) + 1
        if existing is not None and not rewrite:
            return  # emitted already: a patch is never written twice
        try:
            mbox = format_patch(self.ws.root, info)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            self._finish(draft_id, "error", f"emit failed: {exc}")
            return
        slug = slugify(f"{d.qualname}-{ap.kind}")
        record = {
            "number": number, "slug": slug, "path": info.path, "qualname": info.qualname, "kind": info.kind,
            "antipattern": info.antipattern_key, "precedent_sha": info.precedent_sha, "drafter": info.drafter,
            "base_sha": info.base_sha, "tests_summary": info.tests_summary, "speedup": info.speedup, "ci_low": info.ci_low,
            "ci_high": info.ci_high, "before_times": v.before_times, "after_times": v.after_times,
            "benchmark_method": info.benchmark_method, "hotness_share": info.hotness_share, "finding_id": f.id,
            "draft_id": draft_id,
        }
        patches_dir = self.ws.target.patches_dir
        patch_path, digest = write_patch(patches_dir, number, slug, mbox, record)
        rel = str(patch_path.relative_to(self.ws.root))
        with self.ws.store.transaction() as s:
            row = s.scalar(select(Patch).where(Patch.draft_id == draft_id))
            if row is None:
                s.add(Patch(repo_id=self.ws.repo_id, draft_id=draft_id, number=number, slug=slug, file=rel,
                            file_sha256=digest, base_sha=info.base_sha, status="pending"))
            else:
                row.file, row.file_sha256, row.slug, row.base_sha = rel, digest, slug, info.base_sha
            dd = s.get(Draft, draft_id)
            dd.outcome, dd.detail = "submitted", f"patch {rel}"
        _count(self.summary.run_outcomes, "submitted")
        self.summary.new_patches.append(rel)
        self.write_readme()
        self.summary.stage_seconds["emit"] = round(self.summary.stage_seconds.get("emit", 0.0) + time.perf_counter() - t0, 3)

    def write_readme(self) -> None:
        rows = []
        with self.ws.store.session() as s:
            patches = s.scalars(select(Patch).where(Patch.repo_id == self.ws.repo_id).order_by(Patch.number)).all()
            known = set()
            for p in patches:
                known.add(Path(p.file).name)
                if p.status == "withdrawn":
                    continue
                d = p.draft
                v = s.scalar(select(Validation).where(Validation.draft_id == d.id))
                rows.append({
                    "number": p.number, "file": Path(p.file).name, "path": d.path, "qualname": d.qualname,
                    "kind": d.finding.antipattern.kind, "speedup": v.speedup if v else None, "ci_low": v.ci_low if v else None,
                    "ci_high": v.ci_high if v else None, "tests_summary": v.tests_summary if v else "", "drafter": d.drafter,
                    "status": p.status, "base_sha": p.base_sha, "patch_id": p.id,
                })
        prune_orphans(self.ws.target.patches_dir, known)
        write_index(self.ws.target.patches_dir, rows)
        self.summary.patches = rows

    def revalidate(self, patch_id: int) -> None:
        """Carry a pending patch onto the current HEAD, measure it again, and rewrite its file.

        What `eco review accept` sends a user to when the patch file was deleted or edited by hand,
        or HEAD moved on. The draft's edit is re-applied to the file at HEAD (the function itself
        must be unchanged there, or the draft is stale and nothing is touched); a patch that no
        longer passes is withdrawn with the reason, one that passes is written again under its number.
        """
        from eco.decisions import get_patch

        view = get_patch(self.ws, patch_id)  # one clear line for an unknown id
        if view.status in ("accepted", "rejected"):
            where = f" (branch {view.branch})" if view.branch else ""
            raise EcoError(f"patch {patch_id} was already {view.status}{where}; only pending patches are revalidated")
        with self.ws.store.session() as s:
            d = s.get(Patch, patch_id).draft
            draft_id, number, old_base = d.id, view.number, d.base_sha
            path, qual, diff, original = d.path, d.qualname, d.diff, d.original_code
            language = d.finding.candidate.language or detect_language(path) or "python"
        base = self.base_sha
        old_source = _git_show(self.ws.root, old_base, path)
        source = _git_show(self.ws.root, base, path)
        if source is None:
            raise EcoError(f"patch {patch_id}: {path} is no longer in HEAD ({base[:12]}); reject the patch")
        fn = next((x for x in extract_functions(source, language, path) if x.qualname == qual), None)
        if fn is None or fn.code != original:
            raise EcoError(
                f"patch {patch_id}: {path}::{qual} changed at HEAD since the patch was drafted; "
                f"reject it (eco review reject {patch_id} --reason ...) and run `eco run` to draft it again"
            )
        try:
            new_source = carry_edit(old_source, source, path, diff)
        except ValueError as exc:
            raise EcoError(f"patch {patch_id}: its edit cannot be carried to HEAD ({exc}); reject it and run `eco run`") from None
        new_diff = unified_diff(path, source, new_source) if base != old_base else diff
        self.progress("revalidate", 0, 1, f"validate {qual}")
        res = self.validator().validate(path, qual, new_source)
        self.progress("revalidate", 1, 1, "")
        with self.ws.store.transaction() as s:
            old = s.scalar(select(Validation).where(Validation.draft_id == draft_id))
            if old is not None:
                s.delete(old)
                s.flush()
            s.add(Validation(
                draft_id=draft_id, compiled=res.compiled, tests_passed=res.tests_passed, tests_summary=res.tests_summary,
                speedup=res.speedup, ci_low=res.ci_low, ci_high=res.ci_high, before_times=res.before_times,
                after_times=res.after_times, method=res.method,
            ))
            dd = s.get(Draft, draft_id)
            dd.base_sha, dd.diff = base, new_diff
            s.get(Patch, patch_id).base_sha = base
            if not res.outcome:  # a patch withdrawn by an earlier revalidation passes again
                s.get(Patch, patch_id).status = "pending"
            if res.outcome:
                dd.outcome = res.outcome
                dd.detail = f"revalidated on {base[:12]}: {res.detail}"[:4000]
                s.get(Patch, patch_id).status = "withdrawn"
        if res.outcome:
            _count(self.summary.run_outcomes, res.outcome)
            self.summary.stage_counts["revalidate"] = {"patch": patch_id, "withdrawn": True, "reason": res.detail[:300]}
            self.write_readme()
        else:
            self.emit(draft_id, number=number)
            self.summary.stage_counts["revalidate"] = {"patch": patch_id, "withdrawn": False, "base_sha": base}

    def finish(self) -> RunSummary:
        if self._validator is not None:
            self._validator.close()
        self.write_readme()
        with self.ws.store.session() as s:
            rows = s.execute(
                select(Draft.outcome, func.count()).join(Finding, Draft.finding_id == Finding.id)
                .where(Finding.repo_id == self.ws.repo_id).group_by(Draft.outcome)
            ).all()
        self.summary.outcomes = {o: 0 for o in OUTCOMES}
        for outcome, n in rows:
            self.summary.outcomes[outcome or "in_flight"] = n
        return self.summary


def run_pipeline(
    ws: Workspace,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
    revalidate: int | None = None,
    chat_model: Any = None,
) -> RunSummary:
    """Run the configured stages on ``ws`` and carry findings to patches; see the module docstring.

    ``limit`` caps the number of new drafts (default: the ``limit`` setting); ``revalidate`` is a
    patch id to measure again and rewrite instead of a normal run.
    """
    run = _Run(ws, progress or _quiet, chat_model=chat_model)
    prune_stale_worktrees(ws.root)
    try:
        if revalidate is not None:
            run.revalidate(revalidate)
            return run.finish()
        run.upstream()
        if not {"draft", "validate", "emit"} & set(ws.settings.stages):
            return run.finish()
        limit = limit if limit is not None else ws.settings.limit
        findings = run._findings()
        in_flight = run._in_flight()
        # Validated-but-not-emitted drafts first, so a resumed run completes them before anything new.
        findings.sort(key=lambda f: (f[1], f[2]) not in in_flight)
        patched = run._patched_functions()
        drafted = 0
        total = len(findings)
        run._total = total
        for i, (fid, path, qual, kind) in enumerate(findings):
            run._pos = i
            run.progress("findings", i, total, qual)
            if (path, qual) in patched:
                _count(run.summary.skipped, "function_has_patch")
                continue
            if limit is not None and drafted >= limit and (path, qual) not in in_flight:
                _count(run.summary.skipped, "over_limit")
                continue
            if run.process(fid):
                drafted += 1
            patched = run._patched_functions()
        run.progress("findings", total, total, "")
        run.summary.stage_counts["drafts_made"] = drafted
        return run.finish()
    finally:
        if run._validator is not None:
            run._validator.close()
