"""Benchmark: where the sample workload's ground-truth slow functions rank in `eco hot`.

Builds the sample history once, then profiles `workload.py --scale S` RUNS times with cProfile
(`eco profile run`) and, if py-spy is installed and allowed to run, with py-spy (`py-spy record
-f raw`, ingested with `eco profile ingest`). Each run starts from an empty store. Prints, per
run, how many of the slow functions rank in the top 18 / 25 / 2x18, the worst rank, the summed
share of the slow functions, and each function's rank.

    PYTHONPATH=. python benchmarks/profile_sample_ranks.py [--scale 0.5] [--runs 5] [--no-py-spy]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_repo"


def _eco(repo: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "eco", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.strip())
    return proc.stdout


def ranks_of(rows: list[dict], truth: list[dict]) -> dict[str, tuple[int, float] | None]:
    """Rank (1-based) and share of each ground-truth function in `eco hot --json` rows."""
    found: dict[str, tuple[int, float] | None] = {}
    for t in truth:
        found[t["function"]] = None
        for i, r in enumerate(rows, 1):
            if r["path"].endswith(t["path"]) and r["qualname"] == t["function"]:
                found[t["function"]] = (i, r["share"])
                break
    return found


def _py_spy() -> str | None:
    """py-spy from PATH or next to this Python (a virtualenv's bin/)."""
    beside = Path(sys.executable).parent / "py-spy"
    return shutil.which("py-spy") or (str(beside) if beside.is_file() else None)


def one_run(repo: Path, scale: str, tool: str, out_dir: Path) -> tuple[dict, int, float]:
    shutil.rmtree(repo / ".eco", ignore_errors=True)
    t0 = time.perf_counter()
    if tool == "cprofile":
        _eco(repo, "profile", "run", "--", "python", "workload.py", "--scale", scale)
    else:
        raw = out_dir / f"py-spy-{time.time_ns()}.txt"
        subprocess.run([_py_spy(), "record", "-r", "250", "-f", "raw", "-o", str(raw), "--",
                        sys.executable, "workload.py", "--scale", scale],
                       cwd=repo, check=True, capture_output=True, timeout=900)
        _eco(repo, "profile", "ingest", str(raw))
    seconds = time.perf_counter() - t0
    rows = json.loads(_eco(repo, "hot", "--top", "100000", "--json"))
    return rows, len(rows), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="0.5")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-py-spy", action="store_true")
    args = parser.parse_args()
    truth = tomllib.loads((SAMPLE / "GROUND_TRUTH.toml").read_text())["slow_functions"]
    n = len(truth)
    tools = ["cprofile"] + ([] if args.no_py_spy or not _py_spy() else ["py-spy"])
    with tempfile.TemporaryDirectory(prefix="eco-ranks-") as tmp:
        repo = Path(tmp) / "sample"
        subprocess.run([sys.executable, str(SAMPLE / "build_history.py"), str(repo)], check=True,
                       capture_output=True, timeout=600)
        for tool in tools:
            for run in range(args.runs):
                rows, total, seconds = one_run(repo, args.scale, tool, Path(tmp))
                found = ranks_of(rows, truth)
                ranked = sorted(v[0] for v in found.values() if v)
                share = sum(v[1] for v in found.values() if v)
                print(f"{tool} scale={args.scale} run {run + 1}: {seconds:.1f}s, {total} hot rows; "
                      f"top {n}: {sum(r <= n for r in ranked)}, top 25: {sum(r <= 25 for r in ranked)}, "
                      f"top {2 * n}: {sum(r <= 2 * n for r in ranked)}, missing: {n - len(ranked)}, "
                      f"worst: {max(ranked) if ranked else None}, slow functions' share: {share:.0%}")
                print("    " + " ".join(f"{k}={v[0]}" if v else f"{k}=-" for k, v in
                                        sorted(found.items(), key=lambda kv: kv[1][0] if kv[1] else 10**9)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
