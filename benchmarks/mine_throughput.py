"""Mining throughput: eco's miner vs plain ``git log -p`` (and PyDriller) over one generated history.

Usage: ``python benchmarks/mine_throughput.py [--commits 20000] [--dest DIR] [--pydriller-commits 2000]``

Generates a deterministic history with ``git fast-import`` (benchmarks/synth_history.py), then
runs, each in its own process and in the same run: ``git log -p`` to /dev/null; ``eco mine`` into a
fresh store over the first 5,000 and over all commits (peak RSS for both, to show memory stays
flat); PyDriller walking commits with their diffs, when it is installed. Reports wall time, CPU
time (process + children), commits/s and peak RSS, as a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synth_history import generate  # noqa: E402

ECO = """
import sys
from eco.workspace import open_workspace
from eco.mine.miner import mine
ws = open_workspace(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else None
s = mine(ws, max_commits=n)
import resource
print(s.scanned, s.perf, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

PYDRILLER = """
import sys, itertools
from pydriller import Repository
n = int(sys.argv[2])
count = 0
for c in itertools.islice(Repository(sys.argv[1]).traverse_commits(), n):
    for m in c.modified_files:
        m.diff
    count += 1
print(count)
"""


def run(argv: list[str], cwd: Path | None = None, stdout: int | None = subprocess.PIPE) -> dict[str, float | str]:
    """Run one contender; wall clock, CPU of it and its children, peak RSS (MiB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read() if proc.stderr else b""
    if status != 0:
        raise SystemExit(f"{argv[:3]} failed: {err.decode(errors='replace')[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024, "out": out.decode().strip()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--commits", type=int, default=20_000)
    ap.add_argument("--dest", type=Path, help="where to build (or reuse) the history; default: a temp folder")
    ap.add_argument("--pydriller-commits", type=int, default=2000, help="PyDriller is slow: time it on this many commits")
    args = ap.parse_args(argv)
    tmp = None
    dest = args.dest
    if dest is None:
        tmp = tempfile.mkdtemp(prefix="eco-bench-")
        dest = Path(tmp) / "history"
    if not (dest / ".git").is_dir():
        t = time.perf_counter()
        generate(dest, args.commits)
        print(f"generated {args.commits} commits in {time.perf_counter() - t:.1f}s at {dest}", file=sys.stderr)
    total = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=dest, capture_output=True, text=True, check=True).stdout)
    size = subprocess.run(["sh", "-c", "git log -p | wc -c"], cwd=dest, capture_output=True, text=True, check=True).stdout.strip()
    rows = []
    # Warm the page cache so the first contender is not penalised.
    run(["sh", "-c", "git log -p > /dev/null"], cwd=dest)
    g = run(["sh", "-c", "git log -p > /dev/null"], cwd=dest)
    rows.append(("git log -p", total, g))
    for n in (5000, None):
        shutil.rmtree(dest / ".eco", ignore_errors=True)
        r = run([sys.executable, "-c", ECO, str(dest)] + ([str(n)] if n else []))
        rows.append((f"eco mine ({n or total} commits)", n or total, r))
    g2 = run(["sh", "-c", "git log -p > /dev/null"], cwd=dest)
    rows.append(("git log -p (again, after eco)", total, g2))
    try:
        import pydriller  # noqa: F401

        if args.pydriller_commits <= 0:
            raise ImportError  # asked not to run it
        p = run([sys.executable, "-c", PYDRILLER, str(dest), str(args.pydriller_commits)])
        rows.append((f"PyDriller ({args.pydriller_commits} commits)", args.pydriller_commits, p))
    except ImportError:
        print("PyDriller skipped (not installed, or --pydriller-commits 0)", file=sys.stderr)
    git_wall = (g["wall"] + g2["wall"]) / 2  # type: ignore[operator]
    git_cpu = (g["cpu"] + g2["cpu"]) / 2  # type: ignore[operator]
    print(f"history: {total} commits, `git log -p` output {int(size) / 1e6:.0f} MB; machine: {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| contender | commits | wall s | commits/s (wall) | CPU s (with children) | x git log -p (wall) | x git log -p (CPU) | peak RSS MiB, any process | peak RSS MiB, Python |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, n, r in rows:
        wall, cpu = float(r["wall"]), float(r["cpu"])
        scale = total / n
        own = str(r["out"]).split()
        py_rss = f"{float(own[2]):.0f}" if name.startswith("eco") and len(own) > 2 else ""
        print(f"| {name} | {n} | {wall:.1f} | {n / wall:,.0f} | {cpu:.1f} | {wall * scale / git_wall:.2f} | {cpu * scale / git_cpu:.2f} | {float(r['rss']):.0f} | {py_rss} |")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
