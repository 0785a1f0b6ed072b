"""One chat call with our own retry policy, over any OpenAI-compatible endpoint.

The SDK's built-in retries are switched off so every attempt is ours: retried only on timeouts,
connection failures, 429 and 5xx, with exponential backoff plus jitter, honouring Retry-After,
and recorded in :attr:`ChatClient.events` so a run can report what happened. The prompt is
bounded by characters elsewhere (``eco.llm.prompts``); nothing here counts tokens, because
LangChain's token counting downloads a tokenizer.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from eco.config import Settings
from eco.errors import EcoError

LOCAL_PLACEHOLDER_KEY = "not-needed"


class LLMError(EcoError):
    """The endpoint could not give an answer (after retries, or a request it refuses)."""


@dataclass
class RetryEvent:
    """One failed attempt and how long we waited before the next."""

    attempt: int  # 1-based attempt that failed
    reason: str  # "timeout", "connection", "429", "503", ...
    delay: float  # seconds slept before the next attempt (0 when giving up)
    retry_after: float | None = None


def llm_configured(settings: Settings) -> bool:
    """An endpoint is configured when a base URL or an API key is set."""
    return bool(settings.openai_base_url or settings.openai_api_key)


def build_chat_model(settings: Settings, **overrides: Any) -> Any:
    """A LangChain ``ChatOpenAI`` for the configured endpoint, with the SDK's retries off.

    A local server (vLLM, llama.cpp, Ollama) usually needs no key; the OpenAI client insists on
    one, so a placeholder is sent then.
    """
    if not llm_configured(settings):
        raise LLMError("no LLM endpoint configured: set OPENAI_BASE_URL (and OPENAI_API_KEY if it needs one)")
    from langchain_openai import ChatOpenAI

    params: dict[str, Any] = {
        "model": settings.llm_model,
        "temperature": settings.llm_temperature,
        "timeout": settings.llm_timeout,
        "max_retries": 0,
        "api_key": settings.openai_api_key or LOCAL_PLACEHOLDER_KEY,
        "use_responses_api": False,  # local servers speak chat completions only
    }
    if settings.openai_base_url:
        params["base_url"] = settings.openai_base_url
    params.update(overrides)
    return ChatOpenAI(**params)


_SHARED: dict[tuple[Any, ...], Any] = {}
_NO_JSON_MODE: set[int] = set()  # ids of models whose endpoint refused response_format


def shared_chat_model(settings: Settings) -> Any:
    """One chat model (and its HTTP connection pool) per endpoint configuration, reused across calls."""
    key = (
        settings.openai_base_url, settings.openai_api_key, settings.llm_model,
        settings.llm_temperature, settings.llm_timeout,
    )
    model = _SHARED.get(key)
    if model is None:
        model = _SHARED[key] = build_chat_model(settings)
    return model


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _classify(exc: BaseException) -> str | None:
    """Why an exception is worth a retry, or None when it is not."""
    name = type(exc).__name__
    try:
        import httpx
        import openai
    except ImportError:  # pragma: no cover - both are dependencies
        openai = httpx = None  # type: ignore[assignment]
    if openai is not None:
        if isinstance(exc, openai.APITimeoutError):
            return "timeout"
        if isinstance(exc, openai.APIConnectionError):
            return "connection"
    if httpx is not None:
        if isinstance(exc, httpx.TimeoutException):
            return "timeout"
        if isinstance(exc, httpx.TransportError):
            return "connection"
    if isinstance(exc, TimeoutError) or "Timeout" in name:
        return "timeout"
    status = _status_of(exc)
    if status is not None and (status == 429 or status >= 500):
        return str(status)
    return None


def retry_after_seconds(exc: BaseException, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms`` or ``Retry-After``), if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _message_text(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):  # content blocks
        return "".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    return str(content or "")


@dataclass
class ChatClient:
    """Sends chat messages, retrying transient failures with backoff; records every retry.

    ``complete`` may be called from several threads at once (the mining judge does). The chat model allows
    it (LangChain's own ``batch`` calls ``invoke`` from a thread pool; httpx's connection pool takes a lock);
    the retry record and the attempt count are updated under a lock of ours so none is lost.
    """

    model: Any  # a LangChain chat model (ChatOpenAI, or any BaseChatModel in tests)
    max_retries: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    json_mode: bool = True
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    events: list[RetryEvent] = field(default_factory=list)
    calls: int = 0  # attempts made, successful or not
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings, chat_model: Any = None) -> "ChatClient":
        model = chat_model if chat_model is not None else shared_chat_model(settings)
        return cls(
            model=model,
            max_retries=max(0, settings.llm_max_retries),
            backoff_base=max(0.0, settings.llm_backoff_base),
            backoff_max=max(0.0, settings.llm_backoff_max),
            json_mode=settings.llm_json_mode and id(model) not in _NO_JSON_MODE,
        )

    @property
    def model_name(self) -> str:
        return str(getattr(self.model, "model_name", None) or getattr(self.model, "model", None) or "model")

    def _delay(self, retry_index: int, retry_after: float | None) -> float:
        """Exponential backoff with full jitter on top; Retry-After wins when the server sets it."""
        if retry_after is not None:
            return min(retry_after, self.backoff_max) if self.backoff_max else retry_after
        base = self.backoff_base * (2**retry_index)
        delay = base + self.rng.uniform(0, base)
        return min(delay, self.backoff_max) if self.backoff_max else delay

    def _record(self, event: RetryEvent) -> None:
        with self._lock:
            self.events.append(event)

    def complete(self, messages: Sequence[tuple[str, str]], *, want_json: bool = False) -> str:
        """The reply text for ``messages`` (pairs of role and text).

        ``want_json`` asks for JSON mode when enabled; an endpoint that refuses the parameter
        (400) is asked again without it, and JSON mode stays off for this client afterwards.
        """
        kwargs: dict[str, Any] = {}
        if want_json and self.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        attempt = 0
        failures = 0  # transient failures so far; the JSON-mode fallback is not one
        while True:
            attempt += 1
            with self._lock:
                self.calls += 1
            try:
                return _message_text(self.model.invoke(list(messages), **kwargs))
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised as LLMError
                status = _status_of(exc)
                if kwargs.get("response_format") and status in (400, 422):
                    kwargs.pop("response_format")
                    self.json_mode = False
                    _NO_JSON_MODE.add(id(self.model))  # remembered for later calls to this endpoint
                    self._record(RetryEvent(attempt, f"{status}-json-mode-unsupported", 0.0))
                    continue
                reason = _classify(exc)
                if reason is None:
                    raise LLMError(f"LLM request failed: {type(exc).__name__}: {_short(exc)}") from exc
                failures += 1
                if failures > self.max_retries:
                    self._record(RetryEvent(attempt, reason, 0.0))
                    raise LLMError(
                        f"LLM request failed after {attempt} attempts ({reason}): {_short(exc)}"
                    ) from exc
                after = retry_after_seconds(exc)
                delay = self._delay(failures - 1, after)
                self._record(RetryEvent(attempt, reason, delay, after))
                self.sleep(delay)


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
