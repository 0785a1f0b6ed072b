"""A second opinion from the configured LLM on commits the mining rules leave just short of the threshold.

Message and shape rules miss fixes whose message names only the mechanism ("Use built-in functions for
ascii85") and find 45-70% of labelled fixes on histories they were not tuned on (benchmarks/RESULTS.md).
A model that reads the diff can tell more of those apart, at the price of a request per commit, so it is
off by default (``mine_llm_judge``) and asked only about commits whose rules scored at least
``mine_llm_judge_min`` but less than the threshold. Its "yes" adds exactly what the commit lacked; its
"no" is recorded with score 0, so ``eco rules explain`` and the stored verdict say what it answered.
A failing endpoint is reported as an error of the "llm-judge" rule; after three failures in a row the
run stops asking, and the rules' own verdicts stand.
"""

from __future__ import annotations

import json
import os
import re

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
    return text if len(text) <= limit else text[:limit] + "\n... (trimmed)"


class SecondOpinion:
    """Asks the LLM about borderline verdicts; one instance per mining run (and per worker process)."""

    def __init__(self, settings: Settings) -> None:
        if not llm_configured(settings):
            raise EcoError("the LLM judge needs an endpoint: set OPENAI_BASE_URL (and OPENAI_API_KEY if it needs one)")
        self.settings = settings
        self.threshold = settings.mine_threshold
        self.min_score = settings.mine_llm_judge_min
        self._client: ChatClient | None = None
        self._pid = os.getpid()
        self.failures = 0

    def wants(self, verdict: Verdict) -> bool:
        """Whether the rules left this commit just short: at least ``min_score``, below the threshold.

        Asked of the message rules' verdict too (before the code rules ran), to send such a commit to the code worker.
        """
        return not verdict.perf and self.failures < MAX_FAILURES and self.min_score <= verdict.score < self.threshold

    def client(self) -> ChatClient:
        # A forked worker must not reuse the parent's HTTP connections: one client per process.
        if self._client is None or self._pid != os.getpid():
            self._client, self._pid = ChatClient.from_settings(self.settings), os.getpid()
        return self._client

    def messages(self, view: CommitView) -> list[tuple[str, str]]:
        redactor = Redactor()
        budget = max(2000, self.settings.llm_max_prompt_chars - 3000)
        message = view.message[:MAX_MESSAGE_CHARS]
        files = "\n".join(f"- {p}" for p in view.paths[:60]) + ("\n- ..." if len(view.paths) > 60 else "")
        text = render(PROMPT, {
            "sha": view.sha[:12],
            "subject": redactor.redact(view.subject),
            "message": redactor.redact(message),
            "files": files,
            "diff": redactor.redact(product_diff_first(view.diff_bytes.decode("utf-8", "replace"), max(1000, budget - len(message)))),
        })
        return [("human", text)]

    def decide(self, view: CommitView, verdict: Verdict) -> Verdict:
        """The verdict with the LLM's answer added: "yes" tips it over the threshold, "no" changes nothing."""
        hits, errors = list(verdict.hits), list(verdict.errors)
        try:
            perf, reason = parse_answer(self.client().complete(self.messages(view), want_json=True))
        except (LLMError, EcoError) as exc:
            self.failures += 1
            errors.append((NAME, str(exc)))
            return Verdict(score=verdict.score, perf=False, hits=hits, errors=errors, deep=verdict.deep)
        self.failures = 0
        gap = max(0.0, self.threshold - verdict.score)
        hits.append((NAME, RuleHit(gap if perf else 0.0, f"{'a performance fix' if perf else 'not a performance fix'}: {reason}")))
        score = sum(h.score for _, h in hits)
        return Verdict(score=score, perf=perf or score >= self.threshold, hits=hits, errors=errors, deep=verdict.deep)
