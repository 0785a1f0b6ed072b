#!/usr/bin/env python3
"""How the offline codemods do on the sample repository's known slow functions.

    python benchmarks/codemods_sample.py [--sample sample_repo] [--scale 0.3] [--repeat 3]

For every ``[[slow_functions]]`` entry with ``fixable_offline = true`` in GROUND_TRUTH.toml:
draft with the rules drafter, splice the result into a fresh copy of the sample, run the
sample's tests there (subprocess), and time the workload stage named after the function in
the original and the patched copy (``workload.py --timings``, best of ``--repeat`` runs each,
interleaved). Finally everything is applied at once: tests, whole-workload time, and the
workload checksum, which must not change. Prints a table; ``--json`` writes the numbers.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eco.draft.rules import draft_function  # noqa: E402
from eco.apply import splice as splice_function  # noqa: E402

ENV = {**{k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def entries(sample: Path, gt: Path | None) -> list[dict]:
    data = tomllib.loads((gt or sample / "GROUND_TRUTH.toml").read_text())
    out = []
    for e in data.get("slow_functions", []):
        if e.get("fixable_offline"):
            out.append({"path": e["path"], "function": e.get("function") or e.get("qualname"),
                        "kind": e.get("kind") or e.get("antipattern")})
    return out


def run_tests(copy: Path) -> tuple[bool, str]:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"], cwd=copy,
                          env=ENV, capture_output=True, text=True, timeout=600)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip().splitlines()[-1:][0] if proc.stdout else ""


def workload(copy: Path, scale: float) -> tuple[dict[str, float], float, str]:
    proc = subprocess.run([sys.executable, "workload.py", "--timings", "--scale", str(scale)], cwd=copy, env=ENV,
                          capture_output=True, text=True, timeout=600, check=True)
    stages = {m.group(1): float(m.group(2)) for m in re.finditer(r"^\s+(\S+)\s+([\d.]+) ms$", proc.stdout, re.M)}
    head = re.search(r"time=([\d.]+)s.*?checksum=(\w+)", proc.stdout)
    assert head, proc.stdout
    return stages, float(head.group(1)), head.group(2)


def best_of(copies: list[Path], scale: float, repeat: int) -> list[tuple[dict[str, float], float, set[str]]]:
    """Interleaved runs; per copy: best time per stage, best total, the checksums seen."""
    best: list[tuple[dict[str, float], float, set[str]]] = [({}, float("inf"), set()) for _ in copies]
    for _ in range(repeat):
        for i, c in enumerate(copies):
            stages, total, chk = workload(c, scale)
            b_stages, b_total, b_chk = best[i]
            for k, v in stages.items():
                b_stages[k] = min(v, b_stages.get(k, float("inf")))
            best[i] = (b_stages, min(total, b_total), b_chk | {chk})
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, default=ROOT / "sample_repo")
    ap.add_argument("--ground-truth", type=Path, default=None)
    ap.add_argument("--scale", type=float, default=0.3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="eco-codemods-bench-"))
    try:
        base = work / "base"
        shutil.copytree(args.sample, base, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        rows, patched_all = [], work / "all"
        shutil.copytree(base, patched_all)
        t0 = time.perf_counter()
        drafted = []
        for e in entries(args.sample, args.ground_truth):
            src = (base / e["path"]).read_text()
            row = {**e, "drafted": False, "tests": None, "drafter": "", "notes": ""}
            try:
                fn, res = draft_function(src, e["path"], e["function"], e["kind"])
            except KeyError as exc:
                row["notes"] = str(exc)
                rows.append(row)
                continue
            row.update(drafter=res.drafter, notes=res.notes)
            if res.new_code is not None:
                row["drafted"] = True
                copy = work / f"fn{len(rows)}"
                shutil.copytree(base, copy)
                (copy / e["path"]).write_text(splice_function(src, fn.start_line, fn.end_line, res.new_code, res.imports))
                row["tests"], row["test_line"] = run_tests(copy)
                row["copy"] = copy
                drafted.append((fn, res, e))
            rows.append(row)
        draft_seconds = time.perf_counter() - t0
        # All drafts at once, bottom-up within each file so line numbers stay valid.
        by_file: dict[str, list] = {}
        for fn, res, e in drafted:
            by_file.setdefault(e["path"], []).append((fn, res))
        for path, items in by_file.items():
            text = (patched_all / path).read_text()
            for fn, res in sorted(items, key=lambda x: -x[0].start_line):
                text = splice_function(text, fn.start_line, fn.end_line, res.new_code, res.imports)
            (patched_all / path).write_text(text)
        all_tests, all_line = run_tests(patched_all)
        copies = [base, patched_all] + [r["copy"] for r in rows if r.get("copy")]
        timed = best_of(copies, args.scale, args.repeat)
        (b_stages, b_total, b_chk), (a_stages, a_total, a_chk) = timed[0], timed[1]
        print(f"{'function':<28} {'kind':<32} {'drafted':<8} {'tests':<6} {'stage ms before -> after':>26}  speedup")
        per_copy = iter(timed[2:])
        for r in rows:
            stage = r["function"].rsplit(".", 1)[-1]
            sp = ""
            if r.get("copy"):
                st, total, chk = next(per_copy)
                r["checksum_same"] = chk == b_chk
                if stage in b_stages and stage in st:
                    r["stage_ms_before"], r["stage_ms_after"] = b_stages[stage], st[stage]
                    r["speedup"] = b_stages[stage] / max(st[stage], 1e-6)
                    sp = f"{b_stages[stage]:9.1f} -> {st[stage]:9.1f}  {r['speedup']:6.2f}x"
                else:  # not a stage of its own: compare the whole workload
                    r["workload_before"], r["workload_after"] = b_total, total
                    r["speedup"] = b_total / max(total, 1e-9)
                    sp = f"whole {b_total * 1000:5.0f} -> {total * 1000:9.1f}  {r['speedup']:6.2f}x"
            print(f"{r['function']:<28} {r['kind']:<32} {str(r['drafted']):<8} {str(r['tests']):<6} {sp}")
            if not r["drafted"]:
                print(f"    {r['notes'][:160]}")
        print(f"\ndrafted {sum(r['drafted'] for r in rows)}/{len(rows)} in {draft_seconds:.1f}s (incl. test runs); "
              f"all applied: tests {'pass' if all_tests else 'FAIL'} ({all_line}); "
              f"workload {b_total:.3f}s -> {a_total:.3f}s ({b_total / a_total:.2f}x) at scale {args.scale}; "
              f"checksum {'unchanged' if a_chk == b_chk else f'CHANGED {b_chk} -> {a_chk}'}")
        if args.json:
            for r in rows:
                r.pop("copy", None)
            args.json.write_text(json.dumps({"rows": rows, "all_tests": all_tests, "workload_before": b_total,
                                             "workload_after": a_total, "checksum_same": a_chk == b_chk},
                                            indent=2, default=str))
        return 0 if all_tests and a_chk == b_chk else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
