"""Mining the sample history finds its performance fixes (GROUND_TRUTH.toml perf_commits) and their kinds."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from typing import Any

import pytest
from sqlalchemy import select

from conftest import ROOT

from eco.mine.miner import mine
from eco.store.models import AntiPattern
from eco.workspace import open_workspace

SAMPLE = ROOT / "sample_repo"
GROUND_TRUTH = tomllib.loads((SAMPLE / "GROUND_TRUTH.toml").read_text()) if (SAMPLE / "GROUND_TRUTH.toml").is_file() else {}


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample history, built and mined once: verdict rows and AntiPattern (subject, qualname, path, kind)."""
    if not (SAMPLE / "build_history.py").is_file():
        pytest.skip("sample_repo/ is not on this branch yet (it lands through main)")
    dest = tmp_path_factory.mktemp("sample") / "sample"
    subprocess.run([sys.executable, str(SAMPLE / "build_history.py"), str(dest)], check=True, capture_output=True)
    rows: list[dict] = []
    with open_workspace(dest) as ws:
        mine(ws, on_commit=rows.append)
        with ws.store.session() as s:
            pairs = [(a.subject, a.qualname, a.path, a.kind, a.category) for a in s.scalars(select(AntiPattern))]
    return {"rows": rows, "pairs": pairs}


@pytest.mark.slow
def test_sample_history_precision_and_recall(mined: dict[str, Any]) -> None:
    rows = mined["rows"]
    perf = set(GROUND_TRUTH["perf_commits"])
    # perf_commits may name commits by SHA (or prefix) or by subject.
    truth = {r["sha"]: r["sha"] in perf or r["subject"] in perf or any(r["sha"].startswith(p) for p in perf) for r in rows}
    assert sum(truth.values()) == len(perf), "every perf commit of the ground truth is in the history"
    tp = sum(1 for r in rows if r["perf"] and truth[r["sha"]])
    precision = tp / max(1, sum(r["perf"] for r in rows))
    recall = tp / max(1, len(perf))
    wrong = [(r["subject"], r["perf"], r["rules"]) for r in rows if r["perf"] != truth[r["sha"]]]
    assert precision >= 0.95 and recall >= 0.95, wrong
    hard_negatives = set(GROUND_TRUTH["not_perf_commits"])
    assert not [r["subject"] for r in rows if r["perf"] and r["subject"] in hard_negatives]


@pytest.mark.slow
def test_sample_history_pairs_carry_the_kind_of_the_fix(mined: dict[str, Any]) -> None:
    """Each [[perf_fixes]] entry is one mined before/after pair of that function, with that anti-pattern kind."""
    pairs = mined["pairs"]
    wrong = []
    for fix in GROUND_TRUTH["perf_fixes"]:
        got = [(kind, path) for subject, qualname, path, kind, _cat in pairs if subject == fix["subject"] and qualname == fix["function"]]
        if got != [(fix["antipattern"], fix["path"])]:
            wrong.append((fix["subject"], fix["function"], fix["antipattern"], got))
    assert not wrong
    categories = {kind: cat for _s, _q, _p, kind, cat in pairs}
    assert categories["string-concat-in-loop"] == "string-building"
    assert categories["loop-invariant-sort"] == "loop-invariant-work"
