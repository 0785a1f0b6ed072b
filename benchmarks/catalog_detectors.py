#!/usr/bin/env python3
"""Detector quality on the sample repository's HEAD functions, against GROUND_TRUTH.toml.

    PYTHONPATH=. python benchmarks/catalog_detectors.py [--sample sample_repo]

Prints, per catalog kind, true positives (findings on functions labelled with that kind) and
false positives (findings anywhere else), the labelled functions that were missed, and overall
precision and recall. Findings of kinds that the ground truth never uses are counted as false
positives here; the second precision figure leaves them out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eco.detect.evaluate import check_fix_pairs, load_labels, score_tree  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, default=ROOT / "sample_repo", help="the sample_repo folder")
    args = ap.parse_args()
    truth = args.sample / "GROUND_TRUTH.toml"
    if not truth.is_file():
        print(f"no ground truth at {truth}", file=sys.stderr)
        return 2
    labels = load_labels(truth)
    t0 = time.perf_counter()
    score = score_tree(args.sample, labels)
    elapsed = time.perf_counter() - t0

    kinds = sorted(set(score.true_pos) | set(score.false_pos) | {lab.kind for lab in labels})
    labelled = {k: sum(1 for lab in labels if lab.kind == k) for k in kinds}
    print(f"{'kind':36} {'labelled':>8} {'TP':>4} {'FP':>4}")
    for k in kinds:
        print(f"{k:36} {labelled[k]:>8} {score.true_pos[k]:>4} {score.false_pos[k]:>4}")
    print()
    print(f"functions scanned: {score.functions} in {elapsed:.2f}s ({score.functions / elapsed:.0f} functions/s)")
    print(f"labelled slow functions: {len(labels)}, recalled with their kind: {len(labels) - len(score.missed)}")
    print(f"precision (all findings): {score.precision:.3f}")
    print(f"precision (kinds used by the ground truth): {score.precision_on_labelled_kinds():.3f}")
    print(f"recall: {score.recall:.3f}")
    if score.missed:
        print("missed:")
        for lab in score.missed:
            print(f"  {lab.path}::{lab.function} [{lab.kind}]")
    if score.false_findings:
        print("findings not in the ground truth:")
        for path, fn, kind, line in score.false_findings:
            print(f"  {path}::{fn} line {line} [{kind}]")

    builder = args.sample / "build_history.py"
    if builder.is_file():
        import subprocess
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            dest = Path(tmp) / "sample"
            subprocess.run([sys.executable, str(builder), str(dest)], check=True, capture_output=True, timeout=600)
            checks = check_fix_pairs(dest, truth)
        print()
        print("historical performance fixes (detector of the fixed kind on the function before / after the fix):")
        for c in checks:
            print(f"  {c.kind:34} {c.function:28} before={'fires' if c.before_fires else 'silent':6} "
                  f"after={'fires' if c.after_fires else 'silent':6} {'ok' if c.ok else 'WRONG'}")
        print(f"fix pairs right: {sum(c.ok for c in checks)}/{len(checks)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
