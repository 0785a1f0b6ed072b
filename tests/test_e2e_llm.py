"""The LLM drafter through the whole run, over real HTTP to a scripted server on loopback.

One repository with five look-alike functions, each with a finding; the server answers each
draft request in order: a 500 then a good edit, a slower edit, an edit that breaks a test,
prose with no code, and code for another file. Every outcome of ECO's table is checked, the
retry is seen on the wire, and the secret in the source never reaches the server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import select

from eco.code import extract_functions
from eco.pipeline import run_pipeline
from eco.store.models import AntiPattern, Candidate, Draft, Finding, Patch
from eco.workspace import open_workspace

from conftest import git

SECRET = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"
NAMES = ["dedupe_a", "dedupe_b", "dedupe_c", "dedupe_d", "dedupe_e"]


def body(name: str) -> str:
    return f'''def {name}(items):
    seen = []
    out = []
    for x in items:
        if x not in seen:
            seen.append(x)
            out.append(x)
    return out
'''


CORE = f'API_TOKEN = "{SECRET}"\n\n\n' + "\n\n".join(body(n) for n in NAMES)
TESTS = "from mylib.core import " + ", ".join(NAMES) + "\n\n" + "\n".join(
    f"def test_{n}():\n    assert {n}([3, 1, 3, 2, 1]) == [3, 1, 2]\n" for n in NAMES
)
WORKLOAD = """import argparse
from mylib import core

ap = argparse.ArgumentParser()
ap.add_argument("--scale", type=float, default=1.0)
n = int(1500 * ap.parse_args().scale)
items = list(range(n)) * 2
for name in %r:
    getattr(core, name)(items)
""" % (NAMES,)

GOOD = """Use a set for the membership test.

```python
def dedupe_a(items):
    seen = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
```
"""
SLOWER = """```python
def dedupe_b(items):
    seen = []
    out = []
    for x in items:
        if x not in seen and x not in list(seen) and x not in seen[::-1]:
            seen.append(x)
            out.append(x)
    return out
```
"""
BREAKS = """```python
def dedupe_c(items):
    return sorted(set(items))
```
"""
MALFORMED = "I am sorry, I cannot rewrite this function."
OTHER_FILE = """```python
# file: mylib/other.py
def dedupe_e(items):
    return list(dict.fromkeys(items))
```
"""


def seed(ws) -> None:
    fns = {f.qualname: f for f in extract_functions(CORE, "python", "mylib/core.py")}
    with ws.store.transaction() as s:
        ap = AntiPattern(key="catalog:list-membership-in-loop", source="catalog", kind="list-membership-in-loop",
                         title="Membership test on a list inside a loop", category="container-choice",
                         description="x in list is linear; use a set.")
        s.add(ap)
        s.flush()
        for i, name in enumerate(NAMES):
            fn = fns[name]
            cand = Candidate(repo_id=ws.repo_id, path=fn.path, qualname=name, language="python", start_line=fn.start_line,
                             end_line=fn.end_line, code=fn.code, content_hash=fn.content_hash)
            s.add(cand)
            s.flush()
            s.add(Finding(repo_id=ws.repo_id, candidate_id=cand.id, antipattern_id=ap.id, score=1.0 - i / 10,
                          content_hash=fn.content_hash))


def test_llm_run_every_outcome_retry_and_no_secret(make_repo, llm_server, monkeypatch) -> None:
    root = make_repo({"mylib/__init__.py": "", "mylib/core.py": CORE, "tests/test_core.py": TESTS, "workload.py": WORKLOAD})
    monkeypatch.setenv("OPENAI_API_KEY", "not-needed")
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    llm_server.error(500, "overloaded")
    for reply in (GOOD, SLOWER, BREAKS, MALFORMED, OTHER_FILE):
        llm_server.reply(reply)
    flags = {"stages": ["draft", "review", "validate", "emit"], "llm_backoff_base": 0.01, "self_review": "structural",
             "llm_timeout": 20.0}
    with open_workspace(root, pipeline="default", flags=flags) as ws:
        seed(ws)
        summary = run_pipeline(ws)
        assert summary.drafter == "llm" and "127.0.0.1" in summary.drafter_note
        with ws.store.session() as s:
            outcomes = {d.qualname: (d.outcome, d.detail) for d in s.scalars(select(Draft))}
            patches = s.scalars(select(Patch)).all()
            drafters = {d.drafter for d in s.scalars(select(Draft))}
    assert outcomes["dedupe_a"][0] == "submitted", outcomes["dedupe_a"]
    assert outcomes["dedupe_b"][0] == "rejected_no_speedup", outcomes["dedupe_b"]
    assert outcomes["dedupe_c"][0] == "rejected_by_tests", outcomes["dedupe_c"]
    assert outcomes["dedupe_d"][0] == "empty_edit", outcomes["dedupe_d"]
    assert outcomes["dedupe_e"][0] == "empty_edit" and "mylib/other.py" in outcomes["dedupe_e"][1], outcomes["dedupe_e"]
    assert drafters == {"llm:gpt-4o-mini"}
    chats = llm_server.chat_requests
    assert len(chats) == 6  # five drafts, one of them retried after the 500
    assert chats[0].prompt_text == chats[1].prompt_text  # the retry resent the same request
    assert all(SECRET not in r.text for r in llm_server.requests)
    assert len(patches) == 1
    patch = root / patches[0].file
    text = patch.read_text()
    assert "Drafted-by: llm:gpt-4o-mini" in text and "seen = set()" in text
    clone = root.parent / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    git(clone, "am", str(patch))
    assert SECRET in (clone / "mylib/core.py").read_text()  # the secret is restored in the edit's file


def test_llm_self_review_rejection_is_recorded(make_repo, llm_server, monkeypatch) -> None:
    root = make_repo({"mylib/__init__.py": "", "mylib/core.py": CORE, "tests/test_core.py": TESTS})
    llm_server.reply(GOOD)
    llm_server.reply('{"verdict": "reject", "reasons": ["changes the order of the output"]}')
    flags = {"stages": ["draft", "review", "validate", "emit"], "llm_backoff_base": 0.01, "self_review": "llm",
             "openai_base_url": llm_server.base_url, "openai_api_key": "not-needed", "drafter": "llm", "limit": 1}
    with open_workspace(root, pipeline="default", flags=flags) as ws:
        seed(ws)
        summary = run_pipeline(ws)
        with ws.store.session() as s:
            drafts = s.scalars(select(Draft)).all()
    assert [d.outcome for d in drafts] == ["rejected_by_self_review"]
    assert "changes the order of the output" in drafts[0].detail
    assert summary.run_outcomes == {"rejected_by_self_review": 1}
    assert len(llm_server.chat_requests) == 2
