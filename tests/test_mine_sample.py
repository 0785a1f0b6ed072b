"""Mining the sample history finds its performance fixes (GROUND_TRUTH.toml perf_commits)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT

from eco.mine.miner import mine
from eco.workspace import open_workspace

SAMPLE = ROOT / "sample_repo"


@pytest.mark.slow
def test_sample_history_precision_and_recall(tmp_path: Path) -> None:
    if not (SAMPLE / "build_history.py").is_file():
        pytest.skip("sample_repo/ is not on this branch yet (it lands through main)")
    dest = tmp_path / "sample"
    subprocess.run([sys.executable, str(SAMPLE / "build_history.py"), str(dest)], check=True, capture_output=True)
    perf = set(tomllib.loads((SAMPLE / "GROUND_TRUTH.toml").read_text())["perf_commits"])
    rows: list[dict] = []
    with open_workspace(dest) as ws:
        mine(ws, on_commit=rows.append)
    # perf_commits may name commits by SHA (or prefix) or by subject.
    truth = {r["sha"]: r["sha"] in perf or r["subject"] in perf or any(r["sha"].startswith(p) for p in perf) for r in rows}
    assert sum(truth.values()) == len(perf), "every perf commit of the ground truth is in the history"
    tp = sum(1 for r in rows if r["perf"] and truth[r["sha"]])
    precision = tp / max(1, sum(r["perf"] for r in rows))
    recall = tp / max(1, len(perf))
    wrong = [(r["subject"], r["perf"], r["rules"]) for r in rows if r["perf"] != truth[r["sha"]]]
    assert precision >= 0.95 and recall >= 0.95, wrong
