"""The LLM judge: a second opinion on commits the mining rules leave just short, over real HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from eco.llm.client import LLMError
from eco.mine.miner import mine
from eco.mine.second_opinion import parse_answer, product_diff_first
from eco.mine.tester import explain_commits
from eco.store.models import AntiPattern, Commit
from eco.workspace import open_workspace
from llm_server import ScriptedResponse
from mine_helpers import commit, new_repo

DECODE_BEFORE = '''def decode(data):
    out = b""
    for i in range(0, len(data), 2):
        out += bytes([int(data[i:i + 2], 16)])
    return out
'''
DECODE_AFTER = '''import binascii


def decode(data):
    return binascii.unhexlify(data)
'''
TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2  # a GitHub token shape the redactor knows


def _history(tmp_path: Path) -> tuple[Path, str, str]:
    """A borderline fix ("lazy" hints, 0.5), a plain feature (no rule fires), in that order."""
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/codec.py": DECODE_BEFORE, "pkg/conf.py": "X = 1\n"})
    fix = commit(root, "Lazy hex decoding through the C helper", {"pkg/codec.py": DECODE_AFTER})
    other = commit(root, "Add a config value", {"pkg/conf.py": f"X = 1\nTOKEN = '{TOKEN}'\n"})
    return root, fix, other


def _settings(llm_server, **extra) -> dict:
    return {"openai_base_url": llm_server.base_url, "openai_api_key": "not-needed", "llm_max_retries": 0,
            "mine_llm_judge": True, **extra}


def _mine(root: Path, flags: dict, **kw) -> dict[str, dict]:
    rows: list[dict] = []
    with open_workspace(root, flags=flags) as ws:
        summary = mine(ws, on_commit=rows.append, **kw)
    return {r["sha"]: r for r in rows} | {"summary": summary}


def test_a_yes_tips_a_borderline_commit_and_its_pairs_are_stored(tmp_path: Path, llm_server) -> None:
    root, fix, other = _history(tmp_path)
    llm_server.reply('{"perf": true, "reason": "replaces a quadratic bytes loop with a C call"}')
    got = _mine(root, _settings(llm_server))
    assert got[fix]["perf"] is True and "llm-judge" in got[fix]["rules"] and got[fix]["llm_judge"] == "yes", got[fix]
    assert got[other]["perf"] is False
    assert got["summary"].llm_judged == 1 and got["summary"].llm_promoted == 1
    # only the borderline commit was sent, with its message and diff
    (request,) = llm_server.chat_requests
    text = request.text
    assert "Lazy hex decoding" in text and "binascii.unhexlify" in text and "Add a config value" not in text
    with open_workspace(root) as ws, ws.store.session() as s:
        row = s.query(Commit).filter_by(sha=fix).one()
        assert row.is_perf and row.score == pytest.approx(1.0)
        judge = [r for r in row.rules if r["rule"] == "llm-judge"]
        assert judge and "quadratic" in judge[0]["reason"]
        pairs = s.query(AntiPattern).filter_by(commit_sha=fix).all()
        assert [p.qualname for p in pairs] == ["decode"]


def test_a_no_is_recorded_and_changes_nothing(tmp_path: Path, llm_server) -> None:
    root, fix, _other = _history(tmp_path)
    llm_server.reply('```json\n{"perf": false, "reason": "a refactor"}\n```')
    got = _mine(root, _settings(llm_server))
    assert got[fix]["perf"] is False
    assert got[fix]["llm_judge"] == "no" and "llm_judge" not in got[_other]  # the JSON row says what it answered
    assert got["summary"].llm_judged == 1 and got["summary"].llm_promoted == 0
    with open_workspace(root) as ws, ws.store.session() as s:
        row = s.query(Commit).filter_by(sha=fix).one()
        assert not row.is_perf
        assert any(r["rule"] == "llm-judge" and r["score"] == 0 and "a refactor" in r["reason"] for r in row.rules)
        assert s.query(AntiPattern).filter_by(commit_sha=fix).count() == 0


def test_secrets_in_the_diff_do_not_leave_the_machine(tmp_path: Path, llm_server) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/codec.py": DECODE_BEFORE})
    commit(root, "Lazy hex decoding", {"pkg/codec.py": DECODE_AFTER.replace("import binascii", f"import binascii\nKEY = '{TOKEN}'")})
    llm_server.reply('{"perf": false, "reason": "no"}')
    _mine(root, _settings(llm_server))
    (request,) = llm_server.chat_requests
    assert TOKEN not in request.text and "ECO_REDACTED_" in request.text


def test_off_by_default_and_below_the_floor_nothing_is_asked(tmp_path: Path, llm_server) -> None:
    root, fix, _other = _history(tmp_path)
    got = _mine(root, _settings(llm_server, mine_llm_judge=False))
    assert got[fix]["perf"] is False and got["summary"].llm_judged == 0
    (tmp_path / "two").mkdir()
    root2, fix2, _ = _history(tmp_path / "two")
    got = _mine(root2, _settings(llm_server, mine_llm_judge_min=0.75))  # "lazy" scores 0.5: below the floor
    assert got[fix2]["perf"] is False
    assert llm_server.chat_requests == []


def _borderline(tmp_path: Path, n: int) -> tuple[Path, list[str]]:
    """``n`` commits whose "Lazy" message scores 0.5: each one is asked with the default floor."""
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/codec.py": DECODE_BEFORE})
    return root, [commit(root, f"Lazy decoding, take {i}", {"pkg/codec.py": DECODE_BEFORE + f"\n# {i}\n"}) for i in range(n)]


def test_a_failing_endpoint_is_a_rule_error_and_mining_finishes(tmp_path: Path, llm_server) -> None:
    root, shas = _borderline(tmp_path, 5)
    for _ in range(5):
        llm_server.error(500, "model overloaded")
    got = _mine(root, _settings(llm_server, mine_llm_judge_concurrency=1))
    summary = got["summary"]
    assert all(sha in got for sha in shas) and summary.scanned == 6  # every commit has its (rules') verdict
    assert summary.rule_errors["llm-judge"] == 3  # three failures in a row: the run stops asking
    assert len(llm_server.chat_requests) == 3
    assert "model overloaded" in summary.rule_error_examples["llm-judge"] or "500" in summary.rule_error_examples["llm-judge"]


def test_a_failing_endpoint_under_concurrency_gets_a_bounded_number_of_requests(tmp_path: Path, llm_server) -> None:
    root, shas = _borderline(tmp_path, 12)
    llm_server.default = ScriptedResponse(500, {"error": {"message": "model overloaded"}}, delay=0.05)
    got = _mine(root, _settings(llm_server, mine_llm_judge_concurrency=4))
    summary = got["summary"]
    sent = len(llm_server.chat_requests)
    # three failures stop new requests; the (at most 3) others already in flight may still fail
    assert 3 <= sent <= 3 + 4 - 1, sent
    assert summary.rule_errors["llm-judge"] == sent  # every request made is reported, none more
    assert all(sha in got for sha in shas) and summary.scanned == 13
    assert sum(1 for sha in shas if got[sha]["perf"]) == 0
    with open_workspace(root) as ws, ws.store.session() as s:
        assert s.query(Commit).count() == 13  # every commit stored, with the rules' own verdict


def _perf_for(*takes: int):
    """A "model" that calls a commit a fix when its message says one of ``takes``."""
    def answer(request) -> str:
        perf = any(f"take {t}" in request.text for t in takes)
        return json.dumps({"perf": perf, "reason": "it says so" if perf else "no"})
    return answer


@pytest.mark.parametrize("concurrency", [4, 1])
def test_requests_run_concurrently_up_to_the_setting(tmp_path: Path, llm_server, concurrency: int) -> None:
    root, shas = _borderline(tmp_path, 6)
    for _ in shas:
        llm_server.reply_with(_perf_for(), delay=0.3)
    got = _mine(root, _settings(llm_server, mine_llm_judge_concurrency=concurrency))
    assert len(llm_server.chat_requests) == 6 and got["summary"].llm_judged == 6
    if concurrency == 1:
        assert llm_server.max_in_flight == 1  # one after the other, as before the setting existed
    else:
        assert 2 <= llm_server.max_in_flight <= concurrency, llm_server.max_in_flight


def test_each_code_worker_keeps_its_own_window_of_requests_in_flight(tmp_path: Path, llm_server) -> None:
    """With mine_workers = 2 two windows (24 commits each) are judged at once, so twice the concurrency is in
    flight; the answers still land on their own commits."""
    root, shas = _borderline(tmp_path, 50)
    llm_server.default = ScriptedResponse(body=_perf_for(*range(0, 50, 7)), delay=0.1)
    got = _mine(root, _settings(llm_server, mine_llm_judge_concurrency=2, mine_workers=2))
    assert len(llm_server.chat_requests) == 50 and got["summary"].llm_judged == 50
    assert 3 <= llm_server.max_in_flight <= 4, llm_server.max_in_flight
    assert [i for i, sha in enumerate(shas) if got[sha]["perf"]] == list(range(0, 50, 7))


def test_answers_land_on_their_own_commits_under_concurrency(tmp_path: Path, llm_server) -> None:
    root, shas = _borderline(tmp_path, 7)
    for k in range(len(shas)):  # the first requests to arrive are answered last: completion order is not commit order
        llm_server.reply_with(_perf_for(1, 4), delay=0.05 * (len(shas) - k))
    got = _mine(root, _settings(llm_server, mine_llm_judge_concurrency=4))
    perf = [i for i, sha in enumerate(shas) if got[sha]["perf"]]
    assert perf == [1, 4]
    assert [i for i, sha in enumerate(shas) if "llm-judge" in got[sha]["rules"]] == [1, 4]  # the rules that tipped it
    assert got["summary"].llm_judged == 7 and got["summary"].llm_promoted == 2
    with open_workspace(root) as ws, ws.store.session() as s:
        stored = {row.sha: row for row in s.query(Commit).filter(Commit.sha.in_(shas))}
        assert [i for i, sha in enumerate(shas) if stored[sha].is_perf] == [1, 4]
        for i, sha in enumerate(shas):  # every one was asked, and keeps its own answer
            (judge,) = [r for r in stored[sha].rules if r["rule"] == "llm-judge"]
            assert (judge["score"] > 0, "it says so" in judge["reason"]) == ((i in (1, 4)),) * 2, (i, judge)


def test_a_zero_floor_asks_about_plain_product_commits_but_not_docs_or_tests(tmp_path: Path, llm_server) -> None:
    root = new_repo(tmp_path)
    commit(root, "Start the codec package", {"pkg/codec.py": DECODE_BEFORE, "pkg/conf.py": "X = 1\n"})
    plain = commit(root, "Add a config value", {"pkg/conf.py": "X = 1\nY = 2\n"})
    docs = commit(root, "Describe the codec", {"docs/codec.md": "# Codec\n"})
    tests = commit(root, "Cover the codec", {"tests/test_codec.py": "def test_decode():\n    assert True\n"})
    llm_server.default = ScriptedResponse(body=_perf_for())
    got = _mine(root, _settings(llm_server, mine_llm_judge_min=0.0))
    asked = sorted(re.search(r"Subject: (.*)", r.prompt_text).group(1) for r in llm_server.chat_requests)
    assert asked == ["Add a config value", "Start the codec package"]  # product code no rule scored: asked
    assert got[plain]["score"] == 0 and got[plain]["perf"] is False
    for sha in (docs, tests):  # vetoed by non-code-only (a score below 0): not asked
        assert got[sha]["score"] < 0
    with open_workspace(root) as ws, ws.store.session() as s:
        judged = {row.sha for row in s.query(Commit) if any(r["rule"] == "llm-judge" for r in row.rules)}
    assert plain in judged and docs not in judged and tests not in judged


def test_above_the_threshold_the_judge_checks_the_rules_fixes_and_its_no_overrules_them(tmp_path: Path, llm_server) -> None:
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/codec.py": DECODE_BEFORE, "pkg/conf.py": "X = 1\n"})
    claimed = commit(root, "perf: decode 3x faster", {"pkg/codec.py": DECODE_BEFORE + "\n# tidy\n"})
    kept = commit(root, "perf: hex decoding through the C helper, 3x faster", {"pkg/codec.py": DECODE_AFTER})
    llm_server.default = ScriptedResponse(body=lambda r: json.dumps(
        {"perf": "C helper" in r.prompt_text, "reason": "the diff only adds a comment" if "C helper" not in r.prompt_text else "C call"}))
    by_default = _mine(root, _settings(llm_server))
    assert by_default[claimed]["perf"] and by_default[kept]["perf"]
    assert llm_server.chat_requests == []  # the band ends at the threshold: the rules' fixes are not asked about
    (tmp_path / "two").mkdir()
    root2 = new_repo(tmp_path / "two")
    commit(root2, "init", {"pkg/codec.py": DECODE_BEFORE, "pkg/conf.py": "X = 1\n"})
    claimed2 = commit(root2, "perf: decode 3x faster", {"pkg/codec.py": DECODE_BEFORE + "\n# tidy\n"})
    kept2 = commit(root2, "perf: hex decoding through the C helper, 3x faster", {"pkg/codec.py": DECODE_AFTER})
    got = _mine(root2, _settings(llm_server, mine_llm_judge_max=100.0))
    assert got[claimed2]["perf"] is False and got[claimed2]["score"] == pytest.approx(0.0) and got[claimed2]["llm_judge"] == "no"
    assert got[kept2]["perf"] is True and got[kept2]["score"] > 1.0
    assert got["summary"].llm_overruled == 1 and got["summary"].llm_promoted == 0
    with open_workspace(root2) as ws, ws.store.session() as s:
        row = s.query(Commit).filter_by(sha=claimed2).one()
        assert not row.is_perf and any(r["rule"] == "llm-judge" and r["score"] < 0 and "overruling" in r["reason"] for r in row.rules)
        assert s.query(AntiPattern).filter_by(commit_sha=claimed2).count() == 0
        assert s.query(AntiPattern).filter_by(commit_sha=kept2).count() >= 1


def test_recorded_answers_replay_onto_the_same_prompts(tmp_path: Path, llm_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """benchmarks/judge_replay.py measures the judge by recording what eco asks, then serving answers keyed by the
    prompt's text: that only works if a second run sends byte-identical prompts, which this checks."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from judge_replay import UNANSWERED, Replay

    root, fix, other = _history(tmp_path)
    recording = Replay({})
    llm_server.default = ScriptedResponse(body=recording)
    first = _mine(root, _settings(llm_server, mine_llm_judge_min=0.0))
    assert first[fix]["perf"] is False and len(recording.asked) == 3  # init, fix and other, each answered "no"
    assert all(not a["answered"] and a["reply"] == UNANSWERED for a in recording.asked.values())
    answers = {k: json.dumps({"perf": a["sha"] == fix[:12], "reason": "recorded"}) for k, a in recording.asked.items()}
    (tmp_path / "two").mkdir()
    root2 = tmp_path / "two" / "r"
    subprocess.run(["git", "clone", "-q", str(root), str(root2)], check=True)
    replay = Replay(answers)
    llm_server.default = ScriptedResponse(body=replay)
    second = _mine(root2, _settings(llm_server, mine_llm_judge_min=0.0))
    assert set(replay.asked) == set(recording.asked) and all(a["answered"] for a in replay.asked.values())
    assert second[fix]["perf"] is True and second[other]["perf"] is False


def test_cli_flag_needs_an_endpoint_and_reports_what_the_judge_did(tmp_path: Path, llm_server) -> None:
    root, _fix, _other = _history(tmp_path)
    env = {k: v for k, v in os.environ.items() if "OPENAI" not in k}
    bad = subprocess.run([sys.executable, "-m", "eco", "mine", str(root), "--llm-judge"], capture_output=True, text=True, env=env)
    assert bad.returncode != 0
    assert "needs an endpoint" in bad.stderr and "Traceback" not in bad.stderr
    llm_server.reply('{"perf": "yes", "reason": "C helper instead of a Python loop"}')
    ok = subprocess.run([sys.executable, "-m", "eco", "mine", str(root), "--llm-judge"], capture_output=True, text=True,
                        env=env | {"OPENAI_BASE_URL": llm_server.base_url, "COLUMNS": "200"})
    assert ok.returncode == 0, ok.stderr
    assert "asked about 1 commit(s)" in ok.stdout and "called 1 a performance fix" in ok.stdout


@pytest.mark.parametrize(
    "reply, expected",
    [
        ('{"perf": true, "reason": "hoists work"}', (True, "hoists work")),
        ('Sure.\n```json\n{"perf": false, "reason": "docs"}\n```', (False, "docs")),
        ('{"perf": "No", "reason": ""}', (False, "")),
    ],
)
def test_parse_answer(reply: str, expected: tuple[bool, str]) -> None:
    assert parse_answer(reply) == expected


@pytest.mark.parametrize("reply", ["I think so", '{"reason": "no verdict"}', '{"perf": maybe}'])
def test_parse_answer_refuses_what_is_not_a_verdict(reply: str) -> None:
    with pytest.raises(LLMError):
        parse_answer(reply)


def test_product_code_comes_first_and_the_diff_is_bounded() -> None:
    diff = ("diff --git a/tests/test_x.py b/tests/test_x.py\n+assert 1\n" + "x" * 50 + "\n"
            "diff --git a/pkg/x.py b/pkg/x.py\n+def f(): pass\n")
    out = product_diff_first(diff, 1000)
    assert out.index("pkg/x.py") < out.index("tests/test_x.py")
    assert len(product_diff_first(diff, 40)) <= 40 + len("\n... (trimmed)")
    assert isinstance(json.dumps(out), str)


def test_rules_explain_asks_the_judge_when_told(tmp_path: Path, llm_server) -> None:
    root, fix, other = _history(tmp_path)
    llm_server.reply('{"perf": true, "reason": "a C helper replaces a bytes loop"}')
    with open_workspace(root, flags=_settings(llm_server, mine_llm_judge=False)) as ws:
        plain = {r["sha"]: r for r in explain_commits(ws, [fix, other])}
        assert llm_server.chat_requests == [] and plain[fix]["perf"] is False
        asked = {r["sha"]: r for r in explain_commits(ws, [fix, other], llm_judge=True)}
    assert asked[fix]["perf"] is True
    assert any(r["rule"] == "llm-judge" and "C helper" in r["reason"] for r in asked[fix]["rules"])
    assert not any(r["rule"] == "llm-judge" for r in asked[other]["rules"])  # below the floor: not asked
    assert len(llm_server.chat_requests) == 1


def test_a_secret_across_the_cut_is_redacted_whole_and_the_prompt_keeps_its_limit(tmp_path: Path, llm_server) -> None:
    """The diff is redacted before it is cut: a token straddling the cut would otherwise leave its first half in
    the prompt, unrecognised, and placeholders longer than their secrets could push the prompt past the limit."""
    from eco.config import Settings
    from eco.mine.second_opinion import TRIMMED, SecondOpinion

    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/codec.py": DECODE_BEFORE})
    sha = commit(root, "Lazy decoding", {"pkg/codec.py": DECODE_AFTER + "# " + "x" * 1500 + f"\nKEY = '{TOKEN}'\n" + "y = 1\n" * 300})
    view = _view(root, sha)

    def prompt(cap: int) -> str:
        settings = Settings(openai_base_url=llm_server.base_url, openai_api_key="x", llm_max_prompt_chars=cap)
        return SecondOpinion(settings).messages(view)[0][1]

    at = Settings().llm_max_prompt_chars
    whole = prompt(at)
    assert TOKEN not in whole and "ECO_REDACTED_1" in whole
    uncut = prompt(100_000)
    start = uncut.find("KEY = '") + len("KEY = '")  # where the token stands in an uncut prompt
    tail = len(uncut) - uncut.rfind("\n```")  # what the template puts after the diff
    for into in (8, 20, 35):  # caps that cut the diff 8, 20 and 35 characters into the token
        cap = start + into + len(TRIMMED) + tail
        cut = prompt(cap)
        assert len(cut) <= cap, len(cut)
        assert TOKEN[:6] not in cut, into  # not even the part before the cut


def _view(root: Path, sha: str):
    import git as gitpython

    from eco.mine.gitlog import stream_commits
    from eco.mine.rules import CommitView

    commits = stream_commits(gitpython.Repo(root), rev_range=sha)
    raw = next(commits)
    commits.close()
    return CommitView(raw)


def test_the_prompt_keeps_within_llm_max_prompt_chars(tmp_path: Path, llm_server) -> None:
    """A long message, many files and a large diff: the diff is trimmed so the whole prompt fits the setting."""
    root = new_repo(tmp_path)
    commit(root, "init", {"pkg/codec.py": DECODE_BEFORE})
    files = {f"pkg/generated/tables/module_number_{i:02d}.py": "".join(f"VALUE_{i}_{j} = {j}\n" for j in range(300)) for i in range(70)}
    body = "\n\n" + "A long explanation of the change. " * 200  # past the 4,000 characters of message the prompt keeps
    commit(root, "Lazy decoding of generated tables" + body, {"pkg/codec.py": DECODE_AFTER, **files})
    llm_server.reply('{"perf": false, "reason": "generated tables"}')
    _mine(root, _settings(llm_server, llm_max_prompt_chars=12_000))
    (request,) = llm_server.chat_requests
    prompt = request.prompt_text
    assert len(prompt) <= 12_000, len(prompt)
    assert len(prompt) > 11_000  # and the diff uses the room there is
    assert "(trimmed)" in prompt and "binascii.unhexlify" in prompt  # trimmed, product code first
    assert "A long explanation" in prompt and "- pkg/generated/tables/module_number_00.py" in prompt
    assert "\n- ...\n" in prompt  # 71 files: the first 60 listed
