#!/usr/bin/env python3
"""Time ``eco demo`` from start to finish and record seconds per stage in RESULTS.md ("Run").

    python benchmarks/demo_timing.py [--runs N] [--no-write]

Runs the real command line in a subprocess (``python -m eco demo --json``), as a user would,
so interpreter start-up, model loading and every stage are included. Target: under 3 minutes
on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def one_run() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    import resource

    with tempfile.TemporaryDirectory(prefix="eco-demo-bench-") as tmp:
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "eco", "demo", "--keep", str(Path(tmp) / "sample"), "--json"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        wall = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"eco demo failed:\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout)
    data["wall_seconds"] = round(wall, 1)
    # CPU seconds of eco and every process it ran: the part of the wall time other load cannot inflate.
    data["cpu_seconds"] = round((cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime), 1)
    return data


def section(runs: list[dict]) -> str:
    cores = os.cpu_count()
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    lines = ["## Run", "",
             f"`eco demo` end to end (`benchmarks/demo_timing.py`), {platform.python_version()}, {cores} cores, "
             f"load average {load:.1f} when it finished, {time.strftime('%Y-%m-%d')}. Target: under 180 s on 2 cores.", ""]
    stages = list(runs[0]["stage_seconds"])
    lines.append("| run | wall s | cpu s | " + " | ".join(stages) + " | patches | outcomes |")
    lines.append("| --- | --- | --- | " + " | ".join("---" for _ in stages) + " | --- | --- |")
    for i, r in enumerate(runs, 1):
        outcomes = ", ".join(f"{k} {v}" for k, v in r["outcomes"].items() if v)
        lines.append(f"| {i} | {r['wall_seconds']:.1f} | {r['cpu_seconds']:.1f} | " + " | ".join(f"{r['stage_seconds'].get(s, 0):.1f}" for s in stages)
                     + f" | {len(r['patches'])} | {outcomes} |")
    lines.append("")
    lines.append("Stage seconds are measured inside the run (draft, review, validate and emit are summed over "
                 "findings); wall includes interpreter start-up and building the sample history; cpu is user + "
                 "system time of eco and all its subprocesses, which other load on the machine does not inflate.")
    return "\n".join(lines) + "\n"


def write(text: str) -> None:
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## Run\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(text + "\n", old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(new)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    text = section(runs)
    print(text)
    if not args.no_write:
        write(text)


if __name__ == "__main__":
    main()
