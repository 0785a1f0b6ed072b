"""The ``llm`` drafter: ask a chat model for the rewritten function, N times, most conservative first.

The prompt recipe (zero-shot, few-shot, chain-of-thought) is a template in ``prompts/``. What is
sent is redacted and bounded; what comes back is parsed strictly (the requested function, in
the requested file) and has its secrets restored and its indentation put back, so the result
can replace lines ``start_line..end_line`` as it is. Unusable replies become results with
``new_code=None`` and the reason in ``notes`` (the pipeline records ``empty_edit``); an endpoint
that keeps failing raises :class:`~eco.llm.client.LLMError` (the pipeline records ``error``).
"""

from __future__ import annotations

from typing import Any

from eco.config import Settings
from eco.draft.base import DraftRequest, DraftResult
from eco.draft.codetext import changed_lines, leading_indent, reindent, same_code
from eco.llm.client import ChatClient, LLMError
from eco.llm.parse import parse_reply
from eco.llm.prompts import Prompt, PromptTooLarge, base_variables, build_prompt, recipe_template


class LLMDrafter:
    """Drafts edits with any OpenAI-compatible chat model through LangChain."""

    name = "llm"

    def __init__(self, settings: Settings, chat_model: Any = None) -> None:
        self.settings = settings
        self.template = recipe_template(settings.llm_recipe)
        self.client = ChatClient.from_settings(settings, chat_model)
        self.label = f"llm:{settings.llm_model}"
        self.last_prompt: Prompt | None = None  # for reports and tests

    def build_prompt(self, request: DraftRequest) -> Prompt:
        return build_prompt(self.template, base_variables(request), self.settings.llm_max_prompt_chars)

    def draft(self, request: DraftRequest) -> list[DraftResult]:
        try:
            prompt = self.build_prompt(request)
        except PromptTooLarge as exc:
            return [DraftResult(self.label, None, notes=f"skipped: {exc}")]
        self.last_prompt = prompt
        results: list[DraftResult] = []
        failures: list[LLMError] = []
        for _ in range(max(1, self.settings.llm_samples)):
            try:
                text = self.client.complete(prompt.messages)
            except LLMError as exc:
                failures.append(exc)
                continue
            results.append(self._result(request, prompt, text))
        if not results and failures:
            raise failures[-1]
        return order_conservative(request, results)

    def _result(self, request: DraftRequest, prompt: Prompt, text: str) -> DraftResult:
        parsed = parse_reply(text, request.qualname, request.path)
        trimmed = f" (prompt trimmed: {', '.join(prompt.trimmed)})" if prompt.trimmed else ""
        if parsed.code is None:
            return DraftResult(self.label, None, notes=parsed.problem + trimmed, raw=text)
        code = prompt.redactor.restore(parsed.code) or ""
        new_code = reindent(code, leading_indent(request.code))
        imports = [prompt.redactor.restore(i) or i for i in parsed.imports]
        if same_code(new_code, request.code):
            return DraftResult(
                self.label, None, notes=f"unchanged: the model returned the function as it was{trimmed}", raw=text
            )
        notes = (prompt.redactor.restore(parsed.notes) or "") + trimmed
        return DraftResult(self.label, new_code, imports=imports, notes=notes.strip(), raw=text)


def order_conservative(request: DraftRequest, results: list[DraftResult]) -> list[DraftResult]:
    """Distinct drafts, smallest change first; empty results last (kept for the record)."""
    seen: set[str] = set()
    drafts: list[tuple[int, int, DraftResult]] = []
    empties: list[DraftResult] = []
    for index, result in enumerate(results):
        if result.new_code is None:
            empties.append(result)
            continue
        key = "".join(result.new_code.split()) + "|" + "|".join(sorted(result.imports))
        if key in seen:
            continue
        seen.add(key)
        drafts.append((changed_lines(request.code, result.new_code) + len(result.imports), index, result))
    drafts.sort(key=lambda item: (item[0], item[1]))
    return [r for _, _, r in drafts] + empties
