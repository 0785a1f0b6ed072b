"""Index speed: functions/s per embedder, no-change re-index, one-edit re-index, match latency, memory.

The repository is real code nobody here wrote and that is on every machine with Python: the
standard library of the running interpreter (tests excluded), committed into a fresh git repo,
~17,000 functions. Each embedder runs in its own process (its own copy of the repo) so peak RSS
is per embedder.

    PYTHONPATH=. python benchmarks/index_speed.py [--embedders bow,static,minilm] [--limit-files N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def make_repo(dest: Path, limit_files: int | None) -> Path:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py")
                   if not {"site-packages", "test", "tests", "idle_test"} & set(p.relative_to(stdlib).parts))
    if limit_files:
        files = files[:limit_files]
    dest.mkdir(parents=True)
    git(dest, "init", "-q")
    for p in files:
        target = dest / "lib" / p.relative_to(stdlib)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, target)
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "stdlib snapshot")
    return dest


def child(embedder: str, repo: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from eco.index import build_index
    from eco.index.candidates import sync_candidates
    from eco.index.embedders import get_embedder
    from eco.match import MatchStats, find_findings
    from eco.workspace import open_workspace

    out: dict = {"embedder": embedder}
    t = time.perf_counter()
    emb = get_embedder(embedder)
    emb.encode(["def warm(x):\n    return x"])  # load (and for static: distil if not cached)
    out["model_load_s"] = round(time.perf_counter() - t, 2)
    out["distilled_now"] = bool(getattr(emb, "distilled", False))
    with open_workspace(repo, flags={"embedder": embedder}) as ws:
        t = time.perf_counter()
        scan = sync_candidates(ws)
        out["scan_s"] = round(time.perf_counter() - t, 2)
        out["functions"] = scan.functions
        out["files"] = scan.files_parsed
        out["syntax_error_files"] = scan.syntax_errors
        t = time.perf_counter()
        s = build_index(ws)
        out["embed_s"] = round(time.perf_counter() - t, 2)
        out["embedded"] = s.embedded
        out["functions_per_s"] = round(s.embedded / max(time.perf_counter() - t, 1e-9), 1)
        t = time.perf_counter()
        s2 = build_index(ws)
        out["reindex_nochange_s"] = round(time.perf_counter() - t, 3)
        out["reindex_nochange_embedded"] = s2.embedded
    # One edited function, committed, in a fresh workspace (as a new `eco index` run would be).
    target = next((repo / "lib").rglob("textwrap.py"), None) or next((repo / "lib").rglob("*.py"))
    text = target.read_text()
    target.write_text(text.replace("def ", "def  ", 1) if "def " in text else text + "\n\ndef added():\n    return 1\n")
    git(repo, "commit", "-qam", "edit one function")
    with open_workspace(repo, flags={"embedder": embedder}) as ws:
        t = time.perf_counter()
        s3 = build_index(ws)
        out["reindex_one_edit_s"] = round(time.perf_counter() - t, 3)
        out["reindex_one_edit_embedded"] = s3.embedded
        stats = MatchStats()
        t = time.perf_counter()
        findings = find_findings(ws, top=0, stats=stats)
        out["find_s"] = round(time.perf_counter() - t, 2)
        out["match_ms_per_candidate"] = round(1000 * stats.seconds / max(stats.candidates, 1), 3)
        out["findings"] = len(findings)
        out["structural_findings"] = sum(1 for f in findings if f.structural)
        out["antipatterns"] = stats.antipatterns
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def cli_noop_seconds(repo: Path, embedder: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "eco", "index", str(repo), "--embedder", embedder, "--json"], check=True,
                   capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return round(time.perf_counter() - t, 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedders", default="bow,static,minilm")
    ap.add_argument("--limit-files", type=int, default=None)
    ap.add_argument("--child", default=None)
    ap.add_argument("--repo", default=None)
    ap.add_argument("--json-out", default=str(HERE / "results" / "index_speed.json"))
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.repo))))
        return
    work = Path(tempfile.mkdtemp(prefix="eco-bench-index-"))
    try:
        base = make_repo(work / "base", args.limit_files)
        rows = []
        for emb in args.embedders.split(","):
            repo = work / emb
            shutil.copytree(base, repo, symlinks=True)
            proc = subprocess.run([sys.executable, __file__, "--child", emb, "--repo", str(repo)], capture_output=True,
                                  text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            row["cli_reindex_nochange_s"] = cli_noop_seconds(repo, emb)
            rows.append(row)
            print(json.dumps(row), flush=True)
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps({"cpus": os.cpu_count(), "load_avg": os.getloadavg(), "rows": rows},
                                                  indent=2))
        cols = ["embedder", "functions", "functions_per_s", "embed_s", "scan_s", "model_load_s",
                "reindex_nochange_s", "cli_reindex_nochange_s", "reindex_one_edit_s", "reindex_one_edit_embedded",
                "match_ms_per_candidate", "findings", "peak_rss_mb"]
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for r in rows:
            print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
