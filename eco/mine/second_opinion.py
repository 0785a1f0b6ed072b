"""A second opinion from the configured LLM on commits the mining rules leave just short of the threshold.

Message and shape rules miss fixes whose message names only the mechanism ("Use built-in functions for
ascii85") and find 45-70% of labelled fixes on histories they were not tuned on (benchmarks/RESULTS.md).
A model that reads the diff can tell more of those apart, at the price of a request per commit, so it is
off by default (``mine_llm_judge``) and asked only about commits whose rules scored at least
``mine_llm_judge_min`` but less than ``mine_llm_judge_max`` (by default the threshold). Its "yes" adds
exactly what the commit lacked; its "no" on a commit the rules left short is recorded with score 0, so
``eco rules explain``, the stored verdict and the ``llm_judge`` field of ``eco mine --json`` say what it answered.

Going past the rules' recall takes ``mine_llm_judge_min = 0``: every product-code commit they do not
already call a fix is asked, thousands of requests on a real history, each mostly waiting on the endpoint.
So a window's questions go out ``mine_llm_judge_concurrency`` at a time, and the answers come back in
the order the commits were given.

The judge can also check the rules' own fixes: with ``mine_llm_judge_max`` above the threshold, a commit
the rules call a fix with a score below it is asked too, and a "no" overrules them (its score drops to 0).
A strong model finds nearly all the fixes the rules miss but cannot remove what the rules wrongly add, so at
``mine_llm_judge_min = 0`` the rules' false positives are what is left of the precision gap
(benchmarks/RESULTS.md, "The LLM judge, measured with recorded answers").

A failing endpoint is reported as an error of the "llm-judge" rule; after three failures in a row (in the
order they came back) no new request is started, and the rules' own verdicts stand. Requests already in
flight then may still fail, so at most ``MAX_FAILURES + concurrency - 1`` go to a dead endpoint.
"""

from __future__ import annotations

import json
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from eco.config import Settings
from eco.errors import EcoError
from eco.llm.client import ChatClient, LLMError, llm_configured
from eco.llm.prompts import render
from eco.llm.redact import Redactor
from eco.mine.rules import CommitView, RuleHit, Verdict, is_product_path

NAME = "llm-judge"
PROMPT = "mine_judge"
MAX_MESSAGE_CHARS = 4000
MAX_FAILURES = 3  # in a row: the endpoint is down, stop asking
MIN_DIFF_CHARS = 1000  # of the diff, whatever the message and file list take
TRIMMED = "\n... (trimmed)"
REDACT_SLACK = 1000  # characters of diff redacted past the cut: longer than any secret the redactor knows
_JSON = re.compile(r"\{.*\}", re.S)
_FILE_HEADER = re.compile(r"^diff --git a/.*? b/(.*)$", re.M)


def parse_answer(text: str) -> tuple[bool, str]:
    """``(perf, reason)`` from the model's reply: a JSON object, possibly inside a code fence or prose."""
    m = _JSON.search(text or "")
    if m is None:
        raise LLMError(f"the LLM judge answered without a JSON object: {text[:120]!r}")
    try:
        data = json.loads(m.group(0))
    except json.JSONDecodeError as exc:
        raise LLMError(f"the LLM judge answered malformed JSON: {exc}") from None
    perf = data.get("perf") if isinstance(data, dict) else None
    if isinstance(perf, str):
        perf = {"true": True, "yes": True, "false": False, "no": False}.get(perf.strip().lower())
    if not isinstance(perf, bool):
        raise LLMError(f"the LLM judge's answer has no true/false 'perf': {m.group(0)[:120]!r}")
    return perf, " ".join(str(data.get("reason", "")).split())[:300]


def product_diff_first(diff: str, limit: int) -> str:
    """The commit's diff with product-code files first (tests and docs last), cut to ``limit`` characters."""
    heads = list(_FILE_HEADER.finditer(diff))
    if not heads:
        return diff[:limit]
    blocks = [diff[h.start(): heads[i + 1].start() if i + 1 < len(heads) else len(diff)] for i, h in enumerate(heads)]
    paths = [h.group(1) for h in heads]
    ordered = [b for b, p in zip(blocks, paths) if is_product_path(p)] + [b for b, p in zip(blocks, paths) if not is_product_path(p)]
    text = "".join(ordered)
    return text if len(text) <= limit else text[:limit] + TRIMMED


class SecondOpinion:
    """Asks the LLM about borderline verdicts; one instance per mining run (and per worker process).

    A window's requests run on a thread pool made for that call (:meth:`decide_many`): a few threads per
    window cost nothing next to the requests, and nothing outlives the call to be shut down, in the worker
    process or in this one.
    """

    def __init__(self, settings: Settings) -> None:
        if not llm_configured(settings):
            raise EcoError("the LLM judge needs an endpoint: set OPENAI_BASE_URL (and OPENAI_API_KEY if it needs one)")
        self.settings = settings
        self.threshold = settings.mine_threshold
        self.min_score = settings.mine_llm_judge_min
        self.max_score = settings.mine_llm_judge_max if settings.mine_llm_judge_max is not None else self.threshold
        self.concurrency = settings.mine_llm_judge_concurrency
        self._client: ChatClient | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()  # guards failures: the requests of a window complete on several threads
        self.failures = 0  # in a row, in the order answers came back

    def wants(self, verdict: Verdict) -> bool:
        """Whether the rules' score is in the judge's band: at least ``min_score``, below ``max_score``.

        By default the band ends at the threshold, so only commits the rules left short are asked. Asked of the
        message rules' verdict too (before the code rules ran), to send such a commit to the code worker.
        """
        if self.failures >= MAX_FAILURES or not self.min_score <= verdict.score < self.max_score:
            return False
        return not verdict.perf or verdict.score >= self.threshold  # a fix by the rules is checked only above the threshold

    def client(self) -> ChatClient:
        # A forked worker must not reuse the parent's HTTP connections: one client per process.
        if self._client is None or self._pid != os.getpid():
            self._client, self._pid = ChatClient.from_settings(self.settings), os.getpid()
        return self._client

    def messages(self, view: CommitView) -> list[tuple[str, str]]:
        """The prompt: everything but the diff, then as much of the diff as ``llm_max_prompt_chars`` leaves room for.

        The diff gets at least ``MIN_DIFF_CHARS`` even when a long message or file list takes the rest.
        """
        redactor = Redactor()
        fields = {
            "sha": view.sha[:12],
            "subject": redactor.redact(view.subject),
            "message": redactor.redact(view.message[:MAX_MESSAGE_CHARS]),
            "files": "\n".join(f"- {p}" for p in view.paths[:60]) + ("\n- ..." if len(view.paths) > 60 else ""),
        }
        room = max(MIN_DIFF_CHARS, self.settings.llm_max_prompt_chars - len(render(PROMPT, {**fields, "diff": ""})) - len(TRIMMED))
        # Redacted before the cut, with some text past it: a secret across the cut is hidden whole, and a
        # placeholder longer than its secret cannot push the prompt past the limit.
        diff = redactor.redact(product_diff_first(view.diff_bytes.decode("utf-8", "replace"), room + REDACT_SLACK))
        if len(diff) > room:
            diff = diff[:room] + TRIMMED
        return [("human", render(PROMPT, {**fields, "diff": diff}))]

    def decide(self, view: CommitView, verdict: Verdict) -> Verdict:
        """The verdict with the LLM's answer added: "yes" tips it over the threshold; "no" overrules a fix by the
        rules (only asked about when ``mine_llm_judge_max`` is above the threshold) and changes nothing otherwise."""
        return self._answer(self.client(), self.messages(view), verdict)

    def decide_many(self, items: list[tuple[CommitView, Verdict]]) -> list[Verdict]:
        """:meth:`decide` for each ``(view, verdict)``, up to ``concurrency`` at a time, in the order given.

        Once three answers in a row have failed, the requests not yet started are not made: their verdicts
        come back as given, as if the judge had not wanted them.
        """
        if not items:
            return []
        client = self.client()  # made here, once, rather than raced for by the threads
        # Prompts are built on this thread: only the requests, which mostly wait, run on others.
        asks = [(self.messages(view), verdict) for view, verdict in items]

        def ask(job: tuple[list[tuple[str, str]], Verdict]) -> Verdict:
            with self._lock:
                if self.failures >= MAX_FAILURES:
                    return job[1]
            return self._answer(client, *job)

        workers = min(self.concurrency, len(asks))
        if workers <= 1:
            return [ask(job) for job in asks]
        pool = ThreadPoolExecutor(workers, thread_name_prefix="eco-llm-judge")
        try:
            return list(pool.map(ask, asks))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # on an interrupt: finish what is in flight, start nothing

    def _answer(self, client: ChatClient, messages: list[tuple[str, str]], verdict: Verdict) -> Verdict:
        hits, errors = list(verdict.hits), list(verdict.errors)
        try:
            perf, reason = parse_answer(client.complete(messages, want_json=True))
        except (LLMError, EcoError) as exc:
            with self._lock:
                self.failures += 1
            errors.append((NAME, str(exc)))
            return Verdict(score=verdict.score, perf=False, hits=hits, errors=errors, deep=verdict.deep)
        with self._lock:
            self.failures = 0
        if perf:
            hits.append((NAME, RuleHit(max(0.0, self.threshold - verdict.score), f"a performance fix: {reason}")))
        elif verdict.score >= self.threshold:
            hits.append((NAME, RuleHit(-verdict.score, f"not a performance fix, overruling the rules: {reason}")))
        else:
            hits.append((NAME, RuleHit(0.0, f"not a performance fix: {reason}")))
        score = sum(h.score for _, h in hits)
        # A 'yes' decides even where the float sum falls a hair short of the threshold.
        return Verdict(score=score, perf=perf or score >= self.threshold, hits=hits, errors=errors, deep=verdict.deep, llm_answer=perf)
