"""The llm drafter over real HTTP against the scripted OpenAI-compatible server."""

from __future__ import annotations

import re

import pytest

from eco.config import Settings
from eco.draft.base import AntiPatternInfo, DraftRequest
from eco.draft.llm import LLMDrafter
from eco.llm.client import ChatClient, LLMError, build_chat_model, retry_after_seconds
from eco.llm.redact import PLACEHOLDER_PREFIX

FUNC = (
    "def select(xs, ys):\n"
    "    out = []\n"
    "    for x in xs:\n"
    "        if x in ys:\n"
    "            out.append(x)\n"
    "    return out\n"
)
FILE = (
    "import os\nfrom typing import Iterable\n\n"
    'API_KEY = "sk-proj-abcDEF1234567890abcdefXYZ"\n'
    'DB_URL = "postgres://admin:s3cr3tpw@db.internal/logs"\n\n'
    + FUNC
)
GOOD = "def select(xs, ys):\n    wanted = set(ys)\n    return [x for x in xs if x in wanted]\n"

AP = AntiPatternInfo(
    key="catalog:list-membership-in-loop",
    kind="list-membership-in-loop",
    source="catalog",
    title="Membership test against a list inside a loop",
    category="container-choice",
    description="`x in some_list` inside a loop is O(n) per test; build a set once.",
    before_code="for x in xs:\n    if x in ys: ...",
    after_code="s = set(ys)\nfor x in xs:\n    if x in s: ...",
)


def precedent(n: int, category: str = "container-choice") -> AntiPatternInfo:
    return AntiPatternInfo(
        key=f"mined:p{n}",
        kind="list-membership-in-loop",
        source="mined",
        title=f"precedent number {n}",
        category=category,
        diff=f"-    if k in seen_list_{n}:\n+    if k in seen_set_{n}:",
        subject=f"Use a set for seen ids ({n})",
        message=f"Use a set for seen ids ({n})\n\nMembership was quadratic, marker-{n}.",
        commit_sha=f"{n:040x}",
    )


def make_request(code: str = FUNC, file_source: str = FILE, qualname: str = "select", **kw) -> DraftRequest:
    return DraftRequest(
        finding_id=1, path="pkg/filters.py", qualname=qualname, language="python", code=code,
        start_line=7, end_line=12, file_source=file_source, base_sha="abc123", antipattern=AP, **kw,
    )


def settings_for(server, **kw) -> Settings:
    base = dict(
        openai_base_url=server.base_url, openai_api_key="not-needed", llm_model="test-model",
        llm_backoff_base=0.01, llm_backoff_max=2.0, llm_timeout=5.0, llm_recipe="zero-shot",
    )
    base.update(kw)
    return Settings(**base)


def fenced(code: str) -> str:
    return f"Here is the faster version.\n\n```python\n{code}```\n\nIMPORTS: none\n"


def test_good_edit_comes_back_as_draft(llm_server) -> None:
    llm_server.reply(fenced(GOOD))
    drafter = LLMDrafter(settings_for(llm_server))
    results = drafter.draft(make_request())
    assert len(results) == 1
    assert results[0].new_code == GOOD
    assert results[0].drafter == "llm:test-model"
    assert results[0].imports == []
    sent = llm_server.chat_requests
    assert len(sent) == 1
    body = sent[0].json
    assert body["model"] == "test-model"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    prompt = sent[0].prompt_text
    assert "def select(xs, ys):" in prompt and AP.description in prompt
    assert "from typing import Iterable" in prompt  # module imports as context


def test_chat_completions_path_without_v1(llm_server) -> None:
    llm_server.reply(fenced(GOOD))
    settings = settings_for(llm_server, openai_base_url=f"http://127.0.0.1:{llm_server.port}")
    assert LLMDrafter(settings).draft(make_request())[0].new_code == GOOD
    assert llm_server.chat_requests[0].path == "/chat/completions"


def test_malformed_output_is_empty_edit(llm_server) -> None:
    llm_server.reply("I think you should use a set here, good luck!")
    results = LLMDrafter(settings_for(llm_server)).draft(make_request())
    assert len(results) == 1 and results[0].new_code is None
    assert results[0].notes.startswith("malformed")
    assert "good luck" in results[0].raw


def test_unchanged_function_is_empty_edit(llm_server) -> None:
    llm_server.reply(fenced(FUNC.replace("out = []", "out = []  # cannot be improved")))
    results = LLMDrafter(settings_for(llm_server)).draft(make_request())
    assert results[0].new_code is None and results[0].notes.startswith("unchanged")


@pytest.mark.parametrize(
    "reply,reason",
    [
        ("--- a/pkg/other.py\n+++ b/pkg/other.py\n@@ -1 +1 @@\n-a\n+b\n", "another file"),
        ("```python\n# file: pkg/other.py\n" + GOOD + "```", "another file"),
        ("```python\ndef unrelated(xs):\n    return sorted(xs)\n```", "unrelated"),
    ],
)
def test_reply_for_other_file_or_function_is_refused(llm_server, reply: str, reason: str) -> None:
    llm_server.reply(reply)
    results = LLMDrafter(settings_for(llm_server)).draft(make_request())
    assert results[0].new_code is None
    assert results[0].notes.startswith("refused") and reason in results[0].notes


def test_500_then_200_is_retried(llm_server) -> None:
    llm_server.error(500, "overloaded")
    llm_server.reply(fenced(GOOD))
    drafter = LLMDrafter(settings_for(llm_server))
    results = drafter.draft(make_request())
    assert results[0].new_code == GOOD
    assert len(llm_server.chat_requests) == 2
    assert [e.reason for e in drafter.client.events] == ["500"]


def test_429_retry_after_is_honoured(llm_server) -> None:
    llm_server.error(429, "slow down", headers={"Retry-After": "0.3"})
    llm_server.reply(fenced(GOOD))
    # backoff base far larger than Retry-After: a wait of exactly 0.3 s proves the header won
    drafter = LLMDrafter(settings_for(llm_server, llm_backoff_base=50.0, llm_backoff_max=60.0))
    assert drafter.draft(make_request())[0].new_code == GOOD
    first, second = llm_server.chat_requests
    event = drafter.client.events[0]
    assert event.reason == "429" and event.retry_after == pytest.approx(0.3) and event.delay == pytest.approx(0.3)
    assert second.received_at - first.received_at >= 0.3


def test_timeout_is_retried(llm_server) -> None:
    llm_server.reply(fenced(GOOD), delay=1.5)  # longer than the client timeout
    llm_server.reply(fenced(GOOD))
    drafter = LLMDrafter(settings_for(llm_server, llm_timeout=0.4))
    assert drafter.draft(make_request())[0].new_code == GOOD
    assert len(llm_server.chat_requests) == 2
    assert drafter.client.events[0].reason == "timeout"


def test_gives_up_after_max_retries(llm_server) -> None:
    for _ in range(3):
        llm_server.error(503, "down")
    drafter = LLMDrafter(settings_for(llm_server, llm_max_retries=2))
    with pytest.raises(LLMError, match="after 3 attempts"):
        drafter.draft(make_request())
    assert len(llm_server.chat_requests) == 3


def test_client_error_is_not_retried(llm_server) -> None:
    llm_server.error(400, "bad model name")
    with pytest.raises(LLMError, match="bad model name"):
        LLMDrafter(settings_for(llm_server)).draft(make_request())
    assert len(llm_server.chat_requests) == 1


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    client = ChatClient(model=None, backoff_base=1.0, backoff_max=5.0)
    delays = [client._delay(i, None) for i in range(5)]
    assert 1.0 <= delays[0] <= 2.0 and 2.0 <= delays[1] <= 4.0
    assert all(d <= 5.0 for d in delays) and delays[4] == 5.0
    assert client._delay(0, 100.0) == 5.0  # Retry-After bounded by the cap


def test_retry_after_http_date() -> None:
    class Resp:
        headers = {"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}

    class Exc(Exception):
        response = Resp()

    assert retry_after_seconds(Exc(), now=1445412480.0) == pytest.approx(10.0)


def test_no_secret_reaches_the_server_and_secrets_are_restored(llm_server) -> None:
    code = (
        "def select(xs, ys):\n"
        '    conn = connect("postgres://admin:s3cr3tpw@db.internal/logs", password="hunter22x")\n'
        "    out = []\n"
        "    for x in xs:\n"
        "        if x in ys:\n"
        "            out.append(x)\n"
        "    return out\n"
    )
    file_source = FILE.replace(FUNC, code)

    def echo_rewrite(request) -> str:
        # a model that copies the (redacted) connect line from the prompt into its rewrite
        line = next(l for l in request.prompt_text.splitlines() if "conn = connect(" in l)
        return fenced(f"def select(xs, ys):\n    {line.strip()}\n    wanted = set(ys)\n    return [x for x in xs if x in wanted]\n")

    llm_server.reply_with(echo_rewrite)
    results = LLMDrafter(settings_for(llm_server)).draft(make_request(code=code, file_source=file_source))
    sent = llm_server.chat_requests[0].text
    for secret in ("sk-proj-abcDEF1234567890abcdefXYZ", "s3cr3tpw", "hunter22x"):
        assert secret not in sent
    assert PLACEHOLDER_PREFIX in sent
    new_code = results[0].new_code
    assert new_code is not None
    assert 'connect("postgres://admin:s3cr3tpw@db.internal/logs", password="hunter22x")' in new_code
    assert PLACEHOLDER_PREFIX not in new_code


def test_prompt_is_bounded_context_trimmed_function_intact(llm_server) -> None:
    big_imports = "\n".join(f"import module_{i}" for i in range(400))
    file_source = big_imports + "\n\n" + FUNC
    callers = tuple(f"pkg.caller_number_{i}" for i in range(300))
    precedents = tuple(precedent(i) for i in range(1, 4))
    request = make_request(file_source=file_source, callers=callers, precedents=precedents)
    llm_server.reply(fenced(GOOD))
    limit = 5000
    drafter = LLMDrafter(settings_for(llm_server, llm_max_prompt_chars=limit, llm_recipe="few-shot"))
    assert drafter.draft(request)[0].new_code == GOOD
    sent = llm_server.chat_requests[0]
    contents = sum(len(m["content"]) for m in sent.messages)
    assert contents <= limit
    assert FUNC.rstrip() in sent.prompt_text
    assert drafter.last_prompt is not None and "callers" in drafter.last_prompt.trimmed


def test_function_too_large_is_skipped_without_a_call(llm_server) -> None:
    huge = "def select(xs, ys):\n" + "".join(f"    v{i} = {i}\n" for i in range(2000)) + "    return xs\n"
    results = LLMDrafter(settings_for(llm_server, llm_max_prompt_chars=3000)).draft(make_request(code=huge))
    assert results[0].new_code is None and "llm_max_prompt_chars" in results[0].notes
    assert llm_server.chat_requests == []


def test_few_shot_prompt_includes_two_precedents_of_the_category(llm_server) -> None:
    request = make_request(precedents=(precedent(1, "caching"), precedent(2), precedent(3), precedent(4)))
    llm_server.reply(fenced(GOOD))
    LLMDrafter(settings_for(llm_server, llm_recipe="few-shot")).draft(request)
    prompt = llm_server.chat_requests[0].prompt_text
    assert "marker-2" in prompt and "marker-3" in prompt
    assert "marker-1" not in prompt and "marker-4" not in prompt  # other category; only two
    assert f"{2:040x}"[:12] in prompt  # precedent commit id
    assert len(re.findall(r"### Precedent \d", prompt)) == 2


def test_zero_shot_and_chain_of_thought_recipes(llm_server) -> None:
    request = make_request(precedents=(precedent(2), precedent(3)))
    llm_server.reply(fenced(GOOD))
    llm_server.reply("Reasoning:\n- ys is a list of ints, hashable\n\n" + fenced(GOOD))
    LLMDrafter(settings_for(llm_server, llm_recipe="zero-shot")).draft(request)
    cot = LLMDrafter(settings_for(llm_server, llm_recipe="chain-of-thought")).draft(request)
    zero, chain = (r.prompt_text for r in llm_server.chat_requests)
    assert "marker-2" not in zero
    assert "step by step" in chain and "preconditions" in chain
    assert cot[0].new_code == GOOD


def test_samples_ordered_most_conservative_first(llm_server) -> None:
    big = (
        "def select(xs, ys):\n    wanted = frozenset(ys)\n    result = []\n"
        "    append = result.append\n    for x in xs:\n        if x in wanted:\n            append(x)\n"
        "    return result\n"
    )
    small = "def select(xs, ys):\n    out = []\n    ys = set(ys)\n    for x in xs:\n        if x in ys:\n            out.append(x)\n    return out\n"
    llm_server.reply(fenced(big))
    llm_server.reply("no code, sorry")
    llm_server.reply(fenced(small))
    llm_server.reply(fenced(small))  # duplicate sample
    results = LLMDrafter(settings_for(llm_server, llm_samples=4, llm_temperature=0.8)).draft(make_request())
    assert [r.new_code for r in results] == [small, big, None]
    assert len(llm_server.chat_requests) == 4
    assert llm_server.chat_requests[0].json["temperature"] == pytest.approx(0.8)


def test_method_keeps_its_indentation(llm_server) -> None:
    method = "    def total(self, xs):\n        s = ''\n        for x in xs:\n            s += x\n        return s\n"
    file_source = "class Report:\n    sep = ','\n\n" + method
    llm_server.reply(fenced("def total(self, xs):\n    return ''.join(xs)\n"))
    request = make_request(code=method, file_source=file_source, qualname="Report.total")
    results = LLMDrafter(settings_for(llm_server)).draft(request)
    assert results[0].new_code == "    def total(self, xs):\n        return ''.join(xs)\n"
    prompt = llm_server.chat_requests[0].prompt_text
    assert "class Report:" in prompt and "sep = ','" in prompt


def test_build_chat_model_needs_an_endpoint() -> None:
    with pytest.raises(LLMError, match="no LLM endpoint"):
        build_chat_model(Settings())
    model = build_chat_model(Settings(openai_base_url="http://127.0.0.1:9/v1"))
    assert model.max_retries == 0
