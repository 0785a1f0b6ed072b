"""The code-reading half of mining, run in a worker process while the main one keeps streaming the log.

Reading before/after file contents, parsing the touched functions and comparing their shapes is
most of the Python work of a mining run, for a few percent of the commits. The main process cuts
the ``git log`` stream, runs the message/path rules and writes the store; windows of commits that
need code go to one worker process (forked, so it shares the loaded rules, including a user's) and
come back as verdicts, function names and before/after pair rows. With two cores, ``git log``, the
main process and the worker overlap; without ``fork`` (or with ``mine_workers = 0``, or if the
worker dies) the same function runs inline, so the results never depend on where it ran.
"""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Callable

import git

from eco.mine.gitlog import BlobReader, RawCommit
from eco.mine.rules import CommitView, RuleSet, Verdict, judge_code

if TYPE_CHECKING:
    from eco.mine.second_opinion import SecondOpinion

# (verdict, changed function names, before/after pair rows by norm hash)
Judged = tuple[Verdict, list[str], dict[str, dict[str, Any]]]
PairCollector = Callable[[RawCommit, list, Verdict, int, dict[str, dict[str, Any]]], None]


class CodeContext:
    """What judging a window needs; built in the main process, inherited by a forked worker."""

    def __init__(self, repo: git.Repo, rules: RuleSet, threshold: float, all_functions: bool, repo_id: int, collect: PairCollector,
                 second: SecondOpinion | None = None) -> None:
        self.repo, self.rules, self.threshold = repo, rules, threshold
        self.all_functions, self.repo_id, self.collect = all_functions, repo_id, collect
        self.second = second  # the LLM judge (mine_llm_judge), or None
        self._blobs: BlobReader | None = None

    @property
    def blobs(self) -> BlobReader:
        if self._blobs is None:
            self._blobs = BlobReader(self.repo)
        return self._blobs

    def close(self) -> None:
        if self._blobs is not None:
            self._blobs.close()
            self._blobs = None


def judge_window(ctx: CodeContext, items: list[tuple[RawCommit, Verdict]]) -> list[Judged]:
    """Code rules for commits that need them, their file contents read in one cat-file round trip."""
    views = [CommitView(raw, ctx.blobs) for raw, _ in items]
    ctx.blobs.prefetch([b for v in views for b in v.code_blobs()])
    verdicts = [judge_code(view, ctx.rules, cheap, ctx.threshold) for view, (_raw, cheap) in zip(views, items)]
    if ctx.second is not None:
        # The judge's questions for the whole window go out together, a few at a time (mine_llm_judge_concurrency).
        asked = [i for i, verdict in enumerate(verdicts) if ctx.second.wants(verdict)]
        answers = ctx.second.decide_many([(views[i], verdicts[i]) for i in asked])
        for i, verdict in zip(asked, answers):
            verdicts[i] = verdict
    out: list[Judged] = []
    for view, (raw, _cheap), verdict in zip(views, items, verdicts):
        functions: list[str] = []
        pairs: dict[str, dict[str, Any]] = {}
        if verdict.perf or verdict.deep or ctx.all_functions:
            functions = [fn.qualname for fn in view.functions]
        if verdict.perf:
            ctx.collect(raw, view.functions, verdict, ctx.repo_id, pairs)
        out.append((verdict, functions, pairs))
    return out


_CTX: CodeContext | None = None  # the worker's context (set before fork, inherited)


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    if _CTX is not None:
        _CTX._blobs = None  # never share the parent's cat-file pipes: start our own on first use


def _worker_judge(items: list[tuple[RawCommit, Verdict]]) -> list[Judged]:
    assert _CTX is not None
    return judge_window(_CTX, items)


class CodeJudge:
    """Submits windows to a worker process (or judges them inline) and hands results back in order."""

    def __init__(self, ctx: CodeContext, workers: int) -> None:
        self.ctx = ctx
        # One is enough for the rules: on two cores git log and the main process take the rest. More pay off when
        # the LLM judge is on, whose windows mostly wait on the endpoint: each worker has a window's requests in flight.
        self.workers = max(0, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._use_pool = workers > 0 and "fork" in multiprocessing.get_all_start_methods()
        self.fell_back: str | None = None  # why the worker was given up, if it was

    def _get_pool(self) -> ProcessPoolExecutor | None:
        global _CTX
        if self._pool is None and self._use_pool:
            try:
                _CTX = self.ctx
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_init)
            except (OSError, ValueError) as exc:
                self._give_up(exc)
        return self._pool

    def _give_up(self, exc: BaseException) -> None:
        self.fell_back = f"{type(exc).__name__}: {exc}"
        self._use_pool = False
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def submit(self, items: list[tuple[RawCommit, Verdict]]) -> "Future[list[Judged]] | list[Judged]":
        """Start judging a window; returns a future (worker) or the results (inline)."""
        if not items:
            return []
        pool = self._get_pool()
        if pool is not None:
            try:
                return pool.submit(_worker_judge, items)
            except Exception as exc:  # a broken pool: judge inline from now on
                self._give_up(exc)
        return judge_window(self.ctx, items)

    def result(self, pending: "Future[list[Judged]] | list[Judged]", items: list[tuple[RawCommit, Verdict]]) -> list[Judged]:
        if isinstance(pending, list):
            return pending
        try:
            return pending.result()
        except Exception as exc:
            from concurrent.futures.process import BrokenProcessPool

            if not isinstance(exc, BrokenProcessPool):
                raise
            self._give_up(exc)
            return judge_window(self.ctx, items)

    def close(self) -> None:
        global _CTX
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        _CTX = None
        self.ctx.close()
