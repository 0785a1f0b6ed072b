"""Benchmark: ingest a big collapsed-stack profile (>= 1,000,000 samples) into eco.

Generates a repository of MODULES x FUNCS Python functions (committed in a temp folder) and a
py-spy-style collapsed file whose frames carry foreign absolute paths (``/srv/app/...``), mixed
with stdlib, site-packages and native frames, DISTINCT distinct stacks of depth 8-40 whose counts
add up to at least SAMPLES. Prints seconds and peak memory of the ingest (parse, map, roll up,
store, merged view); ``--record`` appends the numbers to benchmarks/RESULTS.md.

    PYTHONPATH=. python benchmarks/profile_ingest.py [--samples 1000000] [--distinct 200000] [--record]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULES, FUNCS, LINES_PER_FUNC = 200, 20, 6

LIBRARY = [
    "loads (/usr/lib/python3.11/json/__init__.py:346)", "decode (/usr/lib/python3.11/json/decoder.py:337)",
    "raw_decode (/usr/lib/python3.11/json/decoder.py:353)", "sub (/usr/lib/python3.11/re/__init__.py:185)",
    "_compile (/usr/lib/python3.11/re/__init__.py:272)", "deepcopy (/usr/lib/python3.11/copy.py:128)",
    "_deepcopy_dict (/usr/lib/python3.11/copy.py:227)", "get (/srv/venv/lib/python3.11/site-packages/requests/api.py:73)",
    "request (/srv/venv/lib/python3.11/site-packages/requests/sessions.py:575)", "list_contains", "PyUnicode_Append",
    "_PyEval_EvalFrameDefault", "sorted", "dict_subscript", "send (/srv/venv/lib/python3.11/site-packages/urllib3/connectionpool.py:714)",
]


def make_repo(root: Path) -> list[tuple[str, str, int]]:
    """Write and commit the repository; return (path, function, first body line) of every function."""
    funcs = []
    for m in range(MODULES):
        rel = f"app/pkg{m % 10}/mod_{m}.py"
        lines: list[str] = []
        for f in range(FUNCS):
            start = len(lines) + 1
            name = f"f{m}_{f}"
            if f % 4 == 0:
                lines += [f"class C{m}_{f}:", f"    def {name}(self, x):", "        y = x + 1", "        return y", "", ""]
                funcs.append((rel, f"C{m}_{f}.{name}", start + 2))
            else:
                lines += [f"def {name}(x):", "    y = x * 2", "    z = y + 1", "    return z", "", ""]
                funcs.append((rel, name, start + 1))
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(lines) + "\n")
    (root / "main.py").write_text("def main():\n    pass\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x"}
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "-c", "commit.gpgsign=false", "commit", "-qm", "bench"], cwd=root, check=True, env=env)
    return funcs


def make_profile(path: Path, funcs: list[tuple[str, str, int]], samples: int, distinct: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    repo_frames = [f"{q.rsplit('.', 1)[-1]} (/srv/app/{p}:{line})" for p, q, line in funcs]
    # A Zipf-like popularity so some functions are hot, as in real profiles.
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(repo_frames))]
    cum = list(itertools.accumulate(weights))
    written = 0
    with path.open("w") as fh:
        for i in range(distinct):
            depth = rng.randint(8, 40)
            stack = ["python3", "<module> (/srv/app/main.py:1)", "main (/srv/app/main.py:2)"]
            picks = rng.choices(repo_frames, cum_weights=cum, k=depth)
            for fr in picks:
                stack.append(fr if rng.random() < 0.75 else rng.choice(LIBRARY))
            if rng.random() < 0.6:
                stack += rng.sample(LIBRARY, k=rng.randint(1, 3))  # a library leaf: rolled up
            remaining = samples - written
            left = distinct - i
            count = max(1, rng.randint(1, max(1, 2 * remaining // left - 1))) if i < distinct - 1 else max(1, remaining)
            fh.write(";".join(stack) + f" {count}\n")
            written += count
    return written


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--distinct", type=int, default=200_000)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    from eco.profile import hot_functions, ingest_files
    from eco.workspace import open_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        funcs = make_repo(root)
        prof = Path(tmp) / "big.collapsed.txt"
        t0 = time.perf_counter()
        total = make_profile(prof, funcs, args.samples, args.distinct)
        gen = time.perf_counter() - t0
        size_mb = prof.stat().st_size / 1e6
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with open_workspace(root) as ws:
            t0 = time.perf_counter()
            summary = ingest_files(ws, [prof])
            secs = time.perf_counter() - t0
            top = hot_functions(ws, 3)
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    f = summary.files[0]
    line = (
        f"{total:,} samples in {args.distinct:,} distinct stacks ({size_mb:.0f} MB, {MODULES * FUNCS:,} repo functions): "
        f"ingest {secs:.2f} s, peak RSS {peak_rss:.0f} MB (before ingest {base_rss:.0f} MB); "
        f"{f.frames:,} distinct frames, {f.mapped_frames:,} mapped, {summary.hot_functions:,} hot functions; "
        f"load average {os.getloadavg()[0]:.1f} (the machine was shared)"
    )
    print(f"generated in {gen:.1f} s")
    print(line)
    print("top:", [(r.qualname, round(r.share, 4)) for r in top])
    if args.record:
        results = Path(__file__).with_name("RESULTS.md")
        text = results.read_text() if results.exists() else "# Benchmark results\n"
        if "## Profiles" not in text:
            text += "\n## Profiles\n\n`benchmarks/profile_ingest.py` (collapsed stacks, foreign absolute paths, library leaves rolled up).\n\n"
        text += f"- {time.strftime('%Y-%m-%d')} {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs: {line}\n"
        results.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
