"""Matching: candidates x anti-patterns (catalog and mined), structural confirmation, ranking, SARIF."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import ROOT, git
from eco.match import find_findings, finding_to_dict, score_finding
from eco.sarif import findings_to_sarif
from eco.store.models import AntiPattern, Finding, HotFunction
from eco.workspace import open_workspace

SLOW = '''
def dedupe(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def join_lines(lines):
    text = ""
    for line in lines:
        text += line + "\\n"
    return text


def smallest(values):
    return sorted(values)[0]
'''

CLEAN = '''
def add(a, b):
    return a + b


def dedupe_fast(items):
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def is_weekend(days):
    return [d in ("sat", "sun") for d in days]


def total(values):
    acc = 0
    for v in values:
        acc = acc + v * 2
    return acc
'''

BIG_WITH_SLOW_CORE = '''
def reconcile(ledger, accounts, config):
    """A long function about something else, with one slow membership test inside."""
    threshold = config.get("threshold", 10)
    currency = config.get("currency", "EUR")
    rates = {"EUR": 1.0, "USD": 0.9, "GBP": 1.1}
    factor = rates.get(currency, 1.0)
    closed = []
    for account in accounts:
        balance = account.balance * factor
        if balance < threshold:
            closed.append(account.number)
    report = {"currency": currency, "factor": factor, "closed": len(closed)}
    for entry in ledger:
        if entry.account in closed:
            report.setdefault("late", 0)
            report["late"] += 1
    report["ok"] = report.get("late", 0) == 0
    return report
'''

EXPECTED = {
    ("dedupe", "list-membership-in-loop"),
    ("join_lines", "string-concat-in-loop"),
    ("smallest", "sort-for-min-max"),
}


@pytest.fixture
def repo(make_repo) -> Path:
    return make_repo({"pkg/slow.py": SLOW, "pkg/clean.py": CLEAN, "pkg/big.py": BIG_WITH_SLOW_CORE})


def _ws(root: Path):
    return open_workspace(root, flags={"embedder": "bow"})


def _pairs(findings) -> set[tuple[str, str]]:
    return {(f.candidate.qualname, finding_to_dict(f)["antipattern"]) for f in findings}


def test_catalog_findings_confirmed_by_detectors(repo: Path) -> None:
    with _ws(repo) as ws:
        findings = find_findings(ws, top=0)
    pairs = _pairs(findings)
    assert EXPECTED <= pairs
    assert not {q for q, _ in pairs} & {"add", "dedupe_fast", "is_weekend"}
    for f in findings:
        d = finding_to_dict(f)
        assert set(d) == {"path", "qualname", "start_line", "end_line", "antipattern", "category", "score", "evidence"}
        if d["evidence"]["has_detector"]:
            assert f.structural and d["evidence"]["detector"]  # a kind with a detector is never reported on looks alone
    dedupe = next(f for f in findings if f.candidate.qualname == "dedupe")
    ev = dedupe.evidence
    assert ev["precedent"] == "catalog:list-membership-in-loop" and ev["category"] == "container-choice"
    assert {"similarity_before", "similarity_diff", "token_similarity", "control_flow_similarity", "hotness_share"} <= set(ev)
    assert ev["detector"][0]["line"] == 5  # file line of `if item not in seen`


def test_detector_hit_is_reported_even_with_low_similarity(repo: Path) -> None:
    with _ws(repo) as ws:
        findings = find_findings(ws, top=0)
    big = [f for f in findings if f.candidate.qualname == "reconcile" and f.evidence["kind"] == "list-membership-in-loop"]
    assert len(big) == 1 and big[0].structural
    ev = big[0].evidence
    assert max(ev["similarity_before"], ev["similarity_diff"]) < 0.55  # below the bow embedding-only threshold
    assert ev["detector"][0]["line"] == 15


def _mined(key: str, kind: str, before: str, after: str, weight: float = 1.0) -> AntiPattern:
    import difflib

    diff = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), "a", "b"))
    return AntiPattern(key=key, source="mined", kind=kind, category="other", language="python", before_code=before,
                       after_code=after, diff=diff, weight=weight, norm_hash=key, subject="Speed up " + key)


def test_mined_precedents_other_kind_and_preference(repo: Path) -> None:
    other_before = "def checksum(blob):\n    h = 0\n    for b in blob:\n        h = (h * 31 + b) % 1000003\n    return h\n"
    other_after = "def checksum(blob):\n    return zlib.crc32(blob)\n"
    member_before = "def dedupe(records):\n    seen = []\n    for r in records:\n        if r not in seen:\n            seen.append(r)\n    return seen\n"
    member_after = member_before.replace("seen = []", "seen = set()").replace("seen.append(r)", "seen.add(r)")
    (repo / "pkg" / "hashing.py").write_text(other_before.replace("blob", "data"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hashing")
    with _ws(repo) as ws:
        with ws.store.transaction() as s:
            s.add(_mined("mined:other1", "other", other_before, other_after))
            s.add(_mined("mined:member1", "list-membership-in-loop", member_before, member_after))
        findings = find_findings(ws, top=0)
    by_q = {}
    for f in findings:
        by_q.setdefault(f.candidate.qualname, []).append(f)
    # An 'other' (no detector) precedent: reported on similarity, with the mined key as the precedent.
    assert [f.evidence["kind"] for f in by_q["checksum"]] == ["other"]
    assert by_q["checksum"][0].evidence["precedent"] == "mined:other1" and not by_q["checksum"][0].structural
    assert not any(f.evidence["kind"] == "other" for q, fs in by_q.items() if q != "checksum" for f in fs)
    # One finding per (candidate, kind); the mined precedent is preferred, the kind stays the catalog id.
    dd = [f for f in by_q["dedupe"] if f.evidence["kind"] == "list-membership-in-loop"]
    assert len(dd) == 1 and dd[0].antipattern.key == "mined:member1"
    assert finding_to_dict(dd[0])["antipattern"] == "list-membership-in-loop"


def test_hotness_and_weight_rank_findings(repo: Path) -> None:
    with _ws(repo) as ws:
        cold = {f.candidate.qualname: f.score for f in find_findings(ws, top=0)}
        assert len(cold) == len(find_findings(ws, top=0))  # one finding per function here
        with ws.store.transaction() as s:
            s.add(HotFunction(repo_id=ws.repo_id, path="pkg/slow.py", qualname="smallest", share=0.6))
            s.add(HotFunction(repo_id=ws.repo_id, path="pkg/slow.py", qualname="join_lines", share=0.01))
        hot = find_findings(ws, top=0)
        assert hot[0].candidate.qualname == "smallest" and hot[0].evidence["hotness_share"] == 0.6
        scores = {f.candidate.qualname: f.score for f in hot}
        assert scores["smallest"] > scores["join_lines"]
        # Once a profile exists, an unprofiled function keeps half its score; a profiled one keeps more.
        assert scores["dedupe"] == pytest.approx(cold["dedupe"] * 0.5, rel=1e-3)
        assert scores["join_lines"] / cold["join_lines"] > scores["dedupe"] / cold["dedupe"]
        with ws.store.transaction() as s:
            ap = s.scalar(select(AntiPattern).where(AntiPattern.key == "catalog:sort-for-min-max"))
            ap.weight = 0.25  # reviewers rejected it
        lowered = {f.candidate.qualname: f.score for f in find_findings(ws, top=0)}
        assert lowered["smallest"] == pytest.approx(scores["smallest"] * 0.25, rel=1e-3)
    assert cold["smallest"] > 0


def test_findings_persist_without_duplicates_and_follow_code_changes(repo: Path) -> None:
    with _ws(repo) as ws:
        first = find_findings(ws, top=0)
        second = find_findings(ws, top=0)
        assert sorted(f.id for f in first) == sorted(f.id for f in second)
        with ws.store.transaction() as s:
            assert s.query(Finding).count() == len(second)
    (repo / "pkg" / "slow.py").write_text(SLOW.replace("return sorted(values)[0]", "return min(values)"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "use min")
    with _ws(repo) as ws:
        after = find_findings(ws, top=0)
        assert ("smallest", "sort-for-min-max") not in _pairs(after)
        assert ("dedupe", "list-membership-in-loop") in _pairs(after)
        with ws.store.transaction() as s:
            stored = s.scalars(select(Finding)).all()
            assert len(stored) == len(after)
            assert all(f.content_hash == f.candidate.content_hash for f in stored)
        assert len(find_findings(ws, top=2)) == 2


def test_score_prefers_structure_then_similarity() -> None:
    assert score_finding(0.1, True, 0.0, 1.0, 1.0) > score_finding(0.95, False, 0.9, 1.0, 1.0)
    assert score_finding(0.9, True, 0.5, 1.0, 1.0) > score_finding(0.2, True, 0.5, 1.0, 1.0)
    assert score_finding(0.9, True, 0.5, 1.0, 0.0) == 0.0


def _check_sarif(doc: dict) -> None:
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "eco" and driver["informationUri"].startswith("https://")
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["helpUri"].startswith("https://")
    for res in run["results"]:
        assert res["ruleId"] in rule_ids and rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in {"none", "note", "warning", "error"} and res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert 1 <= loc["region"]["startLine"] <= loc["region"]["endLine"]
        assert all(isinstance(v, str) and v for v in res["partialFingerprints"].values())


def test_find_cli_json_and_sarif(repo: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    proc = subprocess.run([sys.executable, "-m", "eco", "find", str(repo), "--embedder", "bow", "--json",
                           "--top", "0", "--sarif", str(sarif)],
                          capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert EXPECTED <= {(r["qualname"], r["antipattern"]) for r in rows}
    assert rows == sorted(rows, key=lambda r: -r["score"])
    doc = json.loads(sarif.read_text())
    _check_sarif(doc)
    assert len(doc["runs"][0]["results"]) == len(rows)
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} >= {"list-membership-in-loop", "sort-for-min-max"}


def test_sarif_from_findings_in_process(repo: Path) -> None:
    with _ws(repo) as ws:
        findings = find_findings(ws, top=0)
    doc = findings_to_sarif(findings)
    _check_sarif(doc)
    fps = [r["partialFingerprints"]["ecoFunctionKind/v1"] for r in doc["runs"][0]["results"]]
    assert len(fps) == len(set(fps))


def test_test_code_is_indexed_but_not_reported(make_repo) -> None:
    root = make_repo({"pkg/slow.py": SLOW, "tests/test_slow.py": SLOW, "pkg/slow_test.py": SLOW})
    with _ws(root) as ws:
        findings = find_findings(ws, top=0)
    assert {f.candidate.path for f in findings} == {"pkg/slow.py"}
    with open_workspace(root, flags={"embedder": "bow", "find_exclude": []}) as ws:
        assert {f.candidate.path for f in find_findings(ws, top=0)} == {"pkg/slow.py", "tests/test_slow.py", "pkg/slow_test.py"}


def test_find_rebuilds_a_damaged_index_it_was_not_told_about(repo: Path, caplog) -> None:
    with _ws(repo) as ws:
        expected = _pairs(find_findings(ws, top=0))
        folder = next(p for p in ws.target.index_dir.iterdir() if p.is_dir() and p.name.startswith("bow-"))
    faiss_file = folder / "vectors.faiss"
    faiss_file.write_bytes(b"\x00" * faiss_file.stat().st_size)  # same size, garbage inside
    with _ws(repo) as ws, caplog.at_level("WARNING", logger="eco.index"):
        assert _pairs(find_findings(ws, top=0)) == expected
    assert any("rebuilding" in r.getMessage() for r in caplog.records)


def test_detectors_over_a_process_pool_agree_with_serial_and_are_cached(tmp_path: Path, monkeypatch) -> None:
    from eco.code import extract_functions
    from eco.match import Detectors

    fns = extract_functions(SLOW + CLEAN + BIG_WITH_SLOW_CORE, "python", "x.py")
    items = [(f.content_hash, f.code, "python") for f in fns]
    serial = Detectors(tmp_path / "serial.json")
    monkeypatch.setattr(Detectors, "POOL_MIN", 10**9)
    assert serial.prepare(items) == len(items)
    pooled = Detectors(tmp_path / "pooled.json")
    monkeypatch.setattr(Detectors, "POOL_MIN", 2)
    assert pooled.prepare(items) == len(items)
    kinds = ["list-membership-in-loop", "string-concat-in-loop", "sort-for-min-max"]
    for h, code, lang in items:
        assert serial.run(kinds, code, lang, h) == pooled.run(kinds, code, lang, h)
    pooled.save()
    again = Detectors(tmp_path / "pooled.json")
    assert again.prepare(items) == 0  # cached by content hash and detector fingerprint
