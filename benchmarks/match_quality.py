"""Match quality: the sample repository's ground truth, and real code before real performance fixes.

1. Sample repository (``sample_repo/``): recall of ``GROUND_TRUTH.toml`` ``[[slow_functions]]``
   (path + function + kind) in eco's findings, and precision of what eco reports, per embedder.
2. Real code nobody here wrote: for each local git repository given (e.g. mirrors of public
   projects), the commits whose message says they fix performance; the Python functions each one
   changed, taken at the PARENT commit (before the fix), are put in a scratch repository and run
   through ``eco find``. A flag has "the right kind" when the fix commit removed exactly that shape:
   the detector of the flagged kind fires on the function before the fix and not after it.
   Side by side: ruff's PERF rules on the same parent files, with the same "fixed by the commit" test.

    PYTHONPATH=. python benchmarks/match_quality.py [--embedders bow,static,minilm] [--sample-only]
        [--real /path/to/repo.git ...] [--max-commits 80]

ruff is needed only for the side-by-side (``pip install ruff``); it is not a dependency of eco.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
PERF_GREP = r"quadratic|O\(n\^?2\)|O\(n\*\*2\)|use a set|speed ?up|faster|perf(ormance)?[:( ]|optimi[sz]"
DEFAULT_REAL = [Path("/work/.mirror") / n / "repo" for n in ("python+mypy", "pypa+pip", "sphinx-doc+sphinx")]


def git(cwd: Path, *args: str, git_dir: Path | None = None) -> str:
    cmd = ["git"] + ([f"--git-dir={git_dir}"] if git_dir else []) + ["-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV}).stdout.decode(
        "utf-8", "replace")


def commit_all(repo: Path, msg: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", msg)


# -- 1. the sample repository -----------------------------------------------------------------------

def sample_repo(work: Path) -> tuple[Path, list[dict]] | None:
    src = ROOT / "sample_repo"
    gt_file = src / "GROUND_TRUTH.toml"
    if not gt_file.is_file():
        print("sample_repo/GROUND_TRUTH.toml not on this branch yet: sample part skipped", file=sys.stderr)
        return None
    truth = tomllib.loads(gt_file.read_text()).get("slow_functions", [])
    dest = work / "sample"
    builder = src / "build_history.py"
    if builder.is_file():
        subprocess.run([sys.executable, str(builder), str(dest)], check=True, capture_output=True)
    else:
        shutil.copytree(src, dest)
        git(dest, "init", "-q")
        commit_all(dest, "sample")
    return dest, truth


def _gt_match(truth: list[dict], path: str, qualname: str, kind: str | None) -> dict | None:
    for t in truth:
        fn = t.get("function") or t.get("qualname") or ""
        if not (path == t["path"] or path.endswith("/" + t["path"]) or t["path"].endswith("/" + path)):
            continue
        if qualname != fn and qualname.rsplit(".", 1)[-1] != fn and fn.rsplit(".", 1)[-1] != qualname.rsplit(".", 1)[-1]:
            continue
        if kind is None or kind == (t.get("antipattern") or t.get("kind")):
            return t
    return None


def run_sample(embedder: str, repo: Path, truth: list[dict]) -> dict:
    from eco.match import MatchStats, find_findings, finding_to_dict
    from eco.workspace import open_workspace

    with open_workspace(repo, flags={"embedder": embedder}) as ws:
        for p in (ws.target.index_dir).glob("*"):
            if p.is_dir() and p.name.startswith(embedder):
                shutil.rmtree(p)
        stats = MatchStats()
        t = time.perf_counter()
        rows = [finding_to_dict(f) for f in find_findings(ws, top=0, stats=stats)]
        seconds = time.perf_counter() - t
        top_n = ws.settings.top
    reported = rows[:top_n]
    hit = [r for r in reported if _gt_match(truth, r["path"], r["qualname"], r["antipattern"])]
    fn_hit = [r for r in reported if _gt_match(truth, r["path"], r["qualname"], None)]
    found = {id(t) for r in reported if (t := _gt_match(truth, r["path"], r["qualname"], r["antipattern"]))}
    missed = [f"{t['path']}:{t.get('function')} ({t.get('antipattern') or t.get('kind')})" for t in truth
              if id(t) not in found]
    extra = [f"{r['path']}:{r['qualname']} ({r['antipattern']}, {r['score']:.2f})" for r in reported
             if not _gt_match(truth, r["path"], r["qualname"], r["antipattern"])]
    return {
        "embedder": embedder, "ground_truth": len(truth), "reported": len(reported),
        "recall": round(len(found) / max(len(truth), 1), 3),
        "precision": round(len(hit) / max(len(reported), 1), 3),
        "precision_function_level": round(len(fn_hit) / max(len(reported), 1), 3),
        "missed": missed, "extra": extra, "find_s": round(seconds, 2),
    }


# -- 2. real code before real performance fixes -----------------------------------------------------

def _hunks_old(diff: str) -> dict[str, list[tuple[int, int]]]:
    """Parent-side line ranges touched by a unified diff, by path."""
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    path = None
    for line in diff.splitlines():
        if line.startswith("--- "):
            path = line[6:] if line.startswith("--- a/") else None
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", line)
        if m and path:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            out[path].append((start, start + max(count, 1) - 1))
    return out


def collect_real(git_dir: Path, work: Path, max_commits: int) -> tuple[Path, list[dict]]:
    """A scratch repo of parent-side files of perf-fix commits; records of the functions each fix changed."""
    from eco.code import extract_functions, functions_in_ranges

    name = git_dir.parent.name
    dest = work / f"real-{name}"
    dest.mkdir(parents=True)
    git(dest, "init", "-q")
    log = git(work, "log", "--no-merges", "-i", "-E", f"--grep={PERF_GREP}", f"-n{max_commits * 3}",
              "--format=%H%x09%P%x09%s", "HEAD", git_dir=git_dir)
    records: list[dict] = []
    used = 0
    for line in log.splitlines():
        sha, parents, subject = (line.split("\t") + ["", ""])[:3]
        if not parents or " " in parents or used >= max_commits:
            continue
        parent = parents.split()[0]
        diff = git(work, "diff", "-U0", parent, sha, "--", "*.py", git_dir=git_dir)
        hunks = {p: r for p, r in _hunks_old(diff).items()
                 if not re.search(r"(^|/)(tests?|testing|test-data)/|(^|/)test_[^/]*\.py$|conftest\.py$", p)}
        if not hunks:
            continue
        changed_any = False
        for path, ranges in hunks.items():
            try:
                before = git(work, "show", f"{parent}:{path}", git_dir=git_dir)
                after = git(work, "show", f"{sha}:{path}", git_dir=git_dir)
            except subprocess.CalledProcessError:
                continue
            if len(before) > 400_000:
                continue
            fns = functions_in_ranges(extract_functions(before, "python", path), ranges)
            after_fns = {f.qualname: f for f in extract_functions(after, "python", path)}
            scratch_path = f"{sha[:10]}/{path}"
            for f in fns:
                if f.qualname in after_fns and after_fns[f.qualname].code != f.code:
                    records.append({"commit": sha, "subject": subject, "path": scratch_path, "qualname": f.qualname,
                                    "before": f.code, "after": after_fns[f.qualname].code,
                                    "start": f.start_line, "end": f.end_line})
                    changed_any = True
            target = dest / scratch_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(before)
            (dest / f"{sha[:10]}.after" / path).parent.mkdir(parents=True, exist_ok=True)
            (dest / f"{sha[:10]}.after" / path).write_text(after)
        used += int(changed_any)
    # The "after" copies are for ruff only: keep them out of eco's index.
    (dest / ".gitignore").write_text("*.after/\n")
    commit_all(dest, "parents of performance fixes")
    return dest, records


def ruff_diagnostics(root: Path, paths: list[str]) -> dict[str, list[tuple[int, str]]]:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        return {}
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for start in range(0, len(paths), 200):
        proc = subprocess.run([ruff, "check", "--select", "PERF", "--output-format", "json", "--no-cache", "--exit-zero",
                               "--isolated", *paths[start : start + 200]], cwd=root, capture_output=True, text=True)
        for d in json.loads(proc.stdout or "[]"):
            rel = str(Path(d["filename"]).resolve().relative_to(root.resolve()))
            out[rel].append((d["location"]["row"], d["code"]))
    return out


def run_real(embedder: str, dest: Path, records: list[dict]) -> dict:
    from eco.detect import detect
    from eco.match import find_findings, finding_to_dict
    from eco.workspace import open_workspace

    with open_workspace(dest, flags={"embedder": embedder}) as ws:
        rows = [finding_to_dict(f) for f in find_findings(ws, top=0)]
    by_fn: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        by_fn[(r["path"], r["qualname"])].append(r)
    flagged = right = 0
    right_kinds: Counter[str] = Counter()
    examples = []
    eco_right_fns: set[tuple[str, str]] = set()
    for rec in records:
        hits = by_fn.get((rec["path"], rec["qualname"]), [])
        if not hits:
            continue
        flagged += 1
        for h in hits:
            kind = h["antipattern"]
            if h["evidence"].get("has_detector") and not detect(kind, rec["after"]):
                right += 1
                right_kinds[kind] += 1
                eco_right_fns.add((rec["path"], rec["qualname"]))
                examples.append(f"{rec['commit'][:10]} {rec['qualname']}: {kind} — {rec['subject'][:70]}")
                break
    changed_keys = {(r["path"], r["qualname"]) for r in records}
    return {"embedder": embedder, "changed_functions": len(records), "eco_flagged": flagged, "eco_right_kind": right,
            "eco_right_kinds": dict(right_kinds), "eco_flags_elsewhere": sum(
                len(v) for k, v in by_fn.items() if k not in changed_keys), "eco_right_fns": sorted(eco_right_fns),
            "examples": examples[:12]}


def ruff_side_by_side(dest: Path, records: list[dict], eco_right: set[tuple[str, str]]) -> dict:
    before_paths = sorted({r["path"] for r in records})
    diags = ruff_diagnostics(dest, before_paths)
    after_paths = sorted({f"{p.split('/', 1)[0]}.after/{p.split('/', 1)[1]}" for p in before_paths})
    diags_after = ruff_diagnostics(dest, [p for p in after_paths if (dest / p).exists()])
    flagged = right = 0
    ruff_right: set[tuple[str, str]] = set()
    codes: Counter[str] = Counter()
    for rec in records:
        in_fn = [code for line, code in diags.get(rec["path"], []) if rec["start"] <= line <= rec["end"]]
        if not in_fn:
            continue
        flagged += 1
        sha, rel = rec["path"].split("/", 1)
        after_file = dest / f"{sha}.after" / rel
        after_codes: Counter[str] = Counter()
        if after_file.exists():
            from eco.code import extract_functions

            fn = next((f for f in extract_functions(after_file.read_text(), "python", rel) if f.qualname == rec["qualname"]),
                      None)
            if fn is not None:
                after_codes = Counter(code for line, code in diags_after.get(f"{sha}.after/{rel}", [])
                                      if fn.start_line <= line <= fn.end_line)
        fixed = [c for c in set(in_fn) if Counter(in_fn)[c] > after_codes.get(c, 0)]
        if fixed:
            right += 1
            ruff_right.add((rec["path"], rec["qualname"]))
            codes.update(fixed)
    return {"ruff_flagged": flagged, "ruff_right_kind": right, "ruff_codes": dict(codes),
            "eco_only": len(eco_right - ruff_right), "ruff_only": len(ruff_right - eco_right),
            "both": len(eco_right & ruff_right)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedders", default="bow,static,minilm")
    ap.add_argument("--sample-only", action="store_true")
    ap.add_argument("--real", nargs="*", type=Path, default=None)
    ap.add_argument("--max-commits", type=int, default=80)
    ap.add_argument("--json-out", default=str(HERE / "results" / "match_quality.json"))
    args = ap.parse_args()
    embedders = args.embedders.split(",")
    work = Path(tempfile.mkdtemp(prefix="eco-bench-match-"))
    result: dict = {"sample": [], "real": []}
    try:
        sample = sample_repo(work)
        if sample:
            for emb in embedders:
                row = run_sample(emb, *sample)
                result["sample"].append(row)
                print(json.dumps(row), flush=True)
        if not args.sample_only:
            for git_dir in (args.real if args.real is not None else [p for p in DEFAULT_REAL if p.exists()]):
                dest, records = collect_real(git_dir, work, args.max_commits)
                for emb in embedders:
                    row = {"repo": git_dir.parent.name, **run_real(emb, dest, records)}
                    if emb == embedders[0]:
                        row.update(ruff_side_by_side(dest, records, set(map(tuple, row["eco_right_fns"]))))
                    row.pop("eco_right_fns")
                    result["real"].append(row)
                    print(json.dumps(row), flush=True)
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
