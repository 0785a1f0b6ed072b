"""Self-review: structural checks for every drafter, and the LLM review loop over real HTTP."""

from __future__ import annotations

import json

import pytest

from eco.config import Settings
from eco.draft.base import AntiPatternInfo, DraftRequest, DraftResult
from eco.llm.client import LLMError
from eco.review import free_global_names, parse_verdict, self_review, structural_checks

FILE = '''import re
from collections import Counter

LIMIT = 3
TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


class Index:
    K = 2

    def lookup(self, xs):
        return [x for x in xs if x in self.items]


def select(xs, ys):
    out = []
    for x in xs:
        if x in ys:
            out.append(x)
    return out
'''
ORIGINAL = "def select(xs, ys):\n    out = []\n    for x in xs:\n        if x in ys:\n            out.append(x)\n    return out\n"
GOOD = "def select(xs, ys):\n    wanted = set(ys)\n    return [x for x in xs if x in wanted]\n"
AP = AntiPatternInfo(
    key="catalog:list-membership-in-loop", kind="list-membership-in-loop", source="catalog",
    title="Membership test against a list inside a loop", category="container-choice",
    description="Build a set once instead of scanning a list per test.",
)


def request(code: str = ORIGINAL, qualname: str = "select", language: str = "python") -> DraftRequest:
    return DraftRequest(
        finding_id=7, path="pkg/index.py", qualname=qualname, language=language, code=code,
        start_line=15, end_line=20, file_source=FILE, base_sha="abc", antipattern=AP,
    )


def draft(code: str | None, imports: list[str] | None = None) -> DraftResult:
    return DraftResult(drafter="rules:test", new_code=code, imports=imports or [])


# --- structural checks ---------------------------------------------------------------------------

def test_good_edit_passes() -> None:
    assert structural_checks(request(), draft(GOOD)) == []


@pytest.mark.parametrize(
    "code,imports,expected",
    [
        ("def select(xs, ys:\n    pass\n", [], "does not parse"),
        ("def select(xs, ys):\n    s = sett(ys)\n    return [x for x in xs if x in s]\n", [], "undefined name: sett"),
        ("def select(xs, ys):\n    d = deque(ys)\n    return [x for x in xs if x in d]\n", [], "undefined name: deque"),
        ("def helper():\n    pass\n\n" + GOOD, [], "also function helper"),
        (GOOD + "\nclass Extra:\n    pass\n", [], "also class Extra"),
        ("import os\n" + GOOD, [], "import statement"),
        (GOOD + "\nLIMIT = 4\n", [], "top-level Assign"),
        ("class select:\n    pass\n", [], "defines no function"),
        ("", [], "empty edit"),
        ("   \n\t\n", [], "empty edit"),
        (None, [], "empty edit"),
        ("def select(xs,ys):\n    out=[]\n    for x in xs:\n        if x in ys:  # same\n            out.append(x)\n    return out\n",
         [], "identical to the original"),
        ("def pick(xs, ys):\n    return [x for x in xs if x in set(ys)]\n", [], "defines pick, not select"),
        (GOOD, ["os.path.join(a, b)"], "not an import statement"),
    ],
)
def test_structural_problems(code, imports, expected) -> None:
    problems = structural_checks(request(), draft(code, imports))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "code,imports",
    [
        ("def select(xs, ys):\n    d = deque(ys)\n    return [x for x in xs if x in d]\n", ["from collections import deque"]),
        ("def select(xs, ys):\n    c = Counter(ys)\n    return [x for x in xs if c[x] and re and LIMIT]\n", []),
        ("def select(xs, ys):\n    def keep(v):\n        return v in wanted\n    wanted = set(ys)\n    return list(filter(keep, xs))\n", []),
        ("def select(xs, ys):\n    global CACHE\n    CACHE = set(ys)\n    return [x for x in xs if x in CACHE]\n", []),
        ("def select(xs, ys):\n    w = {y: i for i, y in enumerate(ys)}\n    return [x for x in xs if x in w]\n", []),
        ("def select(xs, ys):\n    s = set(ys)\n    return list(filter(lambda v: v in s, xs))\n", []),
        ("def select(xs, ys):\n    if (s := set(ys)):\n        return [x for x in xs if x in s]\n    return []\n", []),
        ("def select(xs, ys):\n    try:\n        s = set(ys)\n    except TypeError as exc:\n        raise ValueError(str(exc))\n    return [x for x in xs if x in s]\n", []),
    ],
)
def test_scopes_resolved_correctly(code, imports) -> None:
    assert structural_checks(request(), draft(code, imports)) == []


def test_comprehension_variable_does_not_leak() -> None:
    code = "def select(xs, ys):\n    s = set(ys)\n    r = [x for x in xs if x in s]\n    return x\n"
    assert any("undefined name: x" in p for p in structural_checks(request(), draft(code)))


def test_class_attribute_is_not_a_bare_name_in_a_method() -> None:
    method = "    def lookup(self, xs):\n        return [x for x in xs if x in self.items]\n"
    ok = "    def lookup(self, xs, k=K):\n        items = set(self.items)\n        return [x for x in xs if x in items and k]\n"
    bad = "    def lookup(self, xs):\n        items = set(self.items)\n        return [x for x in xs if x in items and K]\n"
    req = request(code=method, qualname="Index.lookup")
    assert structural_checks(req, draft(ok)) == []  # defaults evaluate in the class body
    assert any("undefined name: K" in p for p in structural_checks(req, draft(bad)))


def test_names_undefined_in_the_original_too_are_not_blamed() -> None:
    original = "def select(xs, ys):\n    return [x for x in xs if x in ys and MAGIC]\n"
    new = "def select(xs, ys):\n    s = set(ys)\n    return [x for x in xs if x in s and MAGIC]\n"
    assert structural_checks(request(code=original), draft(new)) == []


def test_free_global_names_sees_decorators_and_nested_scopes() -> None:
    inner, top = free_global_names("@cache\ndef f(a=DEFAULT):\n    g = lambda: h\n    return [y for y in a] + [z]\n")
    assert inner == {"h", "z"}
    assert top == {"cache", "DEFAULT"}


def test_other_languages_get_the_basic_checks() -> None:
    js = "function select(xs) { return xs; }"
    req = request(code=js, language="javascript")
    assert structural_checks(req, draft("function select(xs) {\n  return xs;\n}")) == ["identical to the original (modulo whitespace)"]
    assert structural_checks(req, draft("function select(xs) { return xs.slice(); }")) == []


# --- self-review without an LLM -----------------------------------------------------------------

def test_without_llm_structural_checks_decide(llm_server) -> None:
    settings = Settings()
    accepted = self_review(request(), draft(GOOD), settings)
    assert accepted.verdict == "accept" and not accepted.used_llm and accepted.revised is None
    rejected = self_review(request(), draft("def select(:\n"), settings)
    assert rejected.verdict == "reject" and "does not parse" in rejected.reasons[0]
    assert llm_server.requests == []


def test_structural_mode_never_calls_the_llm(llm_server) -> None:
    settings = Settings(openai_base_url=llm_server.base_url, self_review="structural")
    assert self_review(request(), draft(GOOD), settings).verdict == "accept"
    assert llm_server.requests == []


# --- self-review with an LLM --------------------------------------------------------------------

def llm_settings(server, **kw) -> Settings:
    base = dict(openai_base_url=server.base_url, openai_api_key="not-needed", llm_model="reviewer",
                llm_backoff_base=0.01, llm_timeout=5.0, review_rounds=1)
    base.update(kw)
    return Settings(**base)


def verdict_json(verdict: str, reasons: list[str], revised: str | None = None) -> str:
    obj = {"verdict": verdict, "reasons": reasons}
    if revised is not None:
        obj["revised_code"] = revised
    return json.dumps(obj)


def test_llm_accept(llm_server) -> None:
    llm_server.reply(verdict_json("accept", ["order preserved", "O(n+m)"]))
    result = self_review(request(), draft(GOOD), llm_settings(llm_server))
    assert result.verdict == "accept" and result.used_llm and result.rounds == 1
    assert result.reasons == ["order preserved", "O(n+m)"] and result.revised is None
    sent = llm_server.chat_requests[0]
    assert sent.json["response_format"] == {"type": "json_object"}
    prompt = sent.prompt_text
    assert "wanted = set(ys)" in prompt and "out.append(x)" in prompt  # both versions shown
    assert "Are the elements hashable" in prompt  # the anti-pattern's own checklist item
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in sent.text  # module context redacted


def test_llm_reject(llm_server) -> None:
    llm_server.reply("```json\n" + verdict_json("reject", ["duplicates in xs are now dropped"]) + "\n```")
    result = self_review(request(), draft(GOOD), llm_settings(llm_server))
    assert result.verdict == "reject" and result.reasons == ["duplicates in xs are now dropped"]


def test_llm_revise_then_accept(llm_server) -> None:
    revised = "def select(xs, ys):\n    wanted = frozenset(ys)\n    return [x for x in xs if x in wanted]\n"
    llm_server.reply(verdict_json("revise", ["use frozenset"], revised))
    llm_server.reply(verdict_json("accept", ["fine now"]))
    result = self_review(request(), draft(GOOD), llm_settings(llm_server))
    assert result.verdict == "accept" and result.rounds == 2
    assert result.revised is not None and result.revised.new_code == revised
    assert result.revised.drafter == "rules:test"
    assert "frozenset(ys)" in llm_server.chat_requests[1].prompt_text  # the revision was reviewed


def test_revised_method_is_reindented(llm_server) -> None:
    method = "    def lookup(self, xs):\n        return [x for x in xs if x in self.items]\n"
    new = "    def lookup(self, xs):\n        items = set(self.items)\n        return [x for x in xs if x in items]\n"
    revised = "def lookup(self, xs):\n    items = frozenset(self.items)\n    return [x for x in xs if x in items]\n"
    llm_server.reply(verdict_json("revise", ["frozenset"], revised))
    llm_server.reply(verdict_json("accept", []))
    result = self_review(request(code=method, qualname="Index.lookup"), draft(new), llm_settings(llm_server))
    assert result.revised is not None
    assert result.revised.new_code == "    def lookup(self, xs):\n        items = frozenset(self.items)\n        return [x for x in xs if x in items]\n"


def test_revise_rounds_are_bounded(llm_server) -> None:
    r1 = "def select(xs, ys):\n    w = set(ys)\n    return [x for x in xs if x in w]\n"
    r2 = "def select(xs, ys):\n    w2 = set(ys)\n    return [x for x in xs if x in w2]\n"
    llm_server.reply(verdict_json("revise", ["rename"], r1))
    llm_server.reply(verdict_json("revise", ["rename again"], r2))
    result = self_review(request(), draft(GOOD), llm_settings(llm_server, review_rounds=1))
    assert result.verdict == "reject" and "after 1 revision round" in result.reasons[-1]
    assert len(llm_server.chat_requests) == 2


def test_zero_rounds_means_revise_is_reject(llm_server) -> None:
    llm_server.reply(verdict_json("revise", ["x"], GOOD))
    result = self_review(request(), draft(GOOD), llm_settings(llm_server, review_rounds=0))
    assert result.verdict == "reject" and len(llm_server.chat_requests) == 1


def test_revision_that_fails_checks_is_rejected(llm_server) -> None:
    llm_server.reply(verdict_json("revise", ["faster"], "def select(xs, ys):\n    return fast_filter(xs, ys)\n"))
    result = self_review(request(), draft(GOOD), llm_settings(llm_server))
    assert result.verdict == "reject"
    assert any("revised code fails checks" in r and "fast_filter" in r for r in result.reasons)
    assert len(llm_server.chat_requests) == 1


def test_revise_without_code_is_reject(llm_server) -> None:
    llm_server.reply(verdict_json("revise", ["needs work"]))
    result = self_review(request(), draft(GOOD), llm_settings(llm_server))
    assert result.verdict == "reject" and "gave no code" in result.reasons[-1]


def test_malformed_review_reply_is_reject(llm_server) -> None:
    llm_server.reply("Looks plausible to me.")
    result = self_review(request(), draft(GOOD), llm_settings(llm_server))
    assert result.verdict == "reject" and "malformed review reply" in result.reasons[0]


def test_structural_failure_skips_the_llm(llm_server) -> None:
    result = self_review(request(), draft("def select(xs, ys):\n    return nope(xs)\n"), llm_settings(llm_server))
    assert result.verdict == "reject" and not result.used_llm
    assert llm_server.requests == []


def test_endpoint_without_json_mode_falls_back(llm_server) -> None:
    llm_server.error(400, "response_format is not supported")
    llm_server.reply(verdict_json("accept", ["ok"]))
    result = self_review(request(), draft(GOOD), llm_settings(llm_server))
    assert result.verdict == "accept"
    first, second = llm_server.chat_requests
    assert "response_format" in first.json and "response_format" not in second.json
    assert [e.reason for e in result.retries] == ["400-json-mode-unsupported"]
    llm_server.reply(verdict_json("accept", ["ok"]))  # the endpoint is remembered: no second probe
    assert self_review(request(), draft(GOOD), llm_settings(llm_server)).verdict == "accept"
    assert len(llm_server.chat_requests) == 3 and "response_format" not in llm_server.chat_requests[2].json


def test_review_retries_are_reported(llm_server) -> None:
    llm_server.error(503, "busy")
    llm_server.reply(verdict_json("accept", ["ok"]))
    result = self_review(request(), draft(GOOD), llm_settings(llm_server))
    assert result.verdict == "accept" and [e.reason for e in result.retries] == ["503"]
    assert len(llm_server.chat_requests) == 2


def test_review_endpoint_failure_raises(llm_server) -> None:
    for _ in range(2):
        llm_server.error(502, "bad gateway")
    with pytest.raises(LLMError):
        self_review(request(), draft(GOOD), llm_settings(llm_server, llm_max_retries=1))


@pytest.mark.parametrize(
    "text,verdict",
    [
        ('{"verdict": "accept", "reasons": []}', "accept"),
        ('Sure!\n```json\n{"verdict": "Reject", "reasons": "slower"}\n```', "reject"),
        ('My analysis... {"note": 1} then {"verdict": "revise", "reasons": ["x"], "revised_code": "def f(): pass"}', "revise"),
        ("VERDICT: accept", "accept"),
    ],
)
def test_parse_verdict(text: str, verdict: str) -> None:
    parsed = parse_verdict(text)
    assert parsed is not None and parsed["verdict"] == verdict
    assert isinstance(parsed["reasons"], list)


def test_parse_verdict_rejects_garbage() -> None:
    assert parse_verdict('{"verdict": "maybe"}') is None
    assert parse_verdict("no idea") is None


def test_review_never_sends_secrets_and_restores_them_in_revisions(llm_server) -> None:
    original = "def select(xs, ys):\n    db = connect(password=\"hunter22x\")\n    return [x for x in xs if x in ys]\n"
    new = "def select(xs, ys):\n    db = connect(password=\"hunter22x\")\n    w = set(ys)\n    return [x for x in xs if x in w]\n"

    def revise_echo(recorded) -> str:
        line = next(l for l in recorded.prompt_text.splitlines() if "db = connect(" in l)
        code = f"def select(xs, ys):\n    {line.strip()}\n    w = frozenset(ys)\n    return [x for x in xs if x in w]\n"
        return verdict_json("revise", ["frozenset"], code)

    llm_server.reply_with(revise_echo)
    llm_server.reply(verdict_json("accept", []))
    result = self_review(request(code=original), draft(new), llm_settings(llm_server))
    assert all("hunter22x" not in r.text for r in llm_server.chat_requests)
    assert "ECO_REDACTED_" in llm_server.chat_requests[0].text
    assert result.verdict == "accept" and result.revised is not None
    assert 'connect(password="hunter22x")' in result.revised.new_code


def test_review_prompt_too_large_is_reject(llm_server) -> None:
    result = self_review(request(), draft(GOOD), llm_settings(llm_server, llm_max_prompt_chars=500))
    assert result.verdict == "reject" and "cannot review" in result.reasons[0]
    assert llm_server.requests == []
