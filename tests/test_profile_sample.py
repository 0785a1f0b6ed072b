"""The sample repository's known slow functions rank at the top of a real cProfile of its workload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_repo"

pytestmark = pytest.mark.skipif(
    not (SAMPLE / "build_history.py").is_file() or not (SAMPLE / "GROUND_TRUTH.toml").is_file(),
    reason="sample_repo (build_history.py, GROUND_TRUTH.toml) is not on this branch yet",
)


def _eco(*args: str, timeout: float = 600) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "eco", *args], capture_output=True, text=True, env=env, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _rank(rows: list[dict], path: str, function: str) -> int | None:
    for i, r in enumerate(rows, 1):
        same_path = r["path"] == path or r["path"].endswith("/" + path) or path.endswith("/" + r["path"])
        if same_path and (r["qualname"] == function or r["qualname"].endswith("." + function)):
            return i
    return None


def test_sample_workload_ranks_ground_truth_slow_functions(tmp_path):
    dest = tmp_path / "sample"
    subprocess.run([sys.executable, str(SAMPLE / "build_history.py"), str(dest)], check=True, capture_output=True, timeout=600)
    _eco("profile", "run", "--repo", str(dest), "--json", "--", "python", "workload.py", "--scale", SCALE)
    rows = json.loads(_eco("hot", str(dest), "--top", "100000", "--json"))
    truth = tomllib.loads((SAMPLE / "GROUND_TRUTH.toml").read_text())["slow_functions"]
    ranks = {f"{t['path']}:{t['function']}": _rank(rows, t["path"], t["function"]) for t in truth}
    print(json.dumps(ranks, indent=1))  # shown with -s: the measured rank of each
    assert all(r is not None for r in ranks.values()), ranks
    in_top_25 = [k for k, r in ranks.items() if r <= 25]
    in_top_2n = [k for k, r in ranks.items() if r <= 2 * len(truth)]
    assert len(in_top_25) >= MIN_IN_TOP_25, ranks
    assert len(in_top_2n) >= MIN_IN_TOP_2N, ranks


# Measured with benchmarks/profile_sample_ranks.py (cProfile, scale 0.5, 5 runs on a loaded
# 2-CPU machine, 60-70 hot rows): 14-15 of the 18 slow functions in the top 25, 17-18 in the top
# 36, 11-12 in the top 18, every one ranked, worst rank 33-50. A random order would put about 7
# in the top 25 and 10 in the top 36. The ones that stay lower are cheap per element and called
# once (human_sessions, whose cost lands in is_bot; frequent; peak_request_rate), while cProfile's
# per-call overhead lifts many-call helpers (is_bot, tokenize, parse_access_line). The thresholds
# leave two functions of margin for noise.
SCALE = "0.5"
MIN_IN_TOP_25 = 12
MIN_IN_TOP_2N = 16
