"""What an LLM judge on the mining rules' near misses could do at best, and what it must get right.

Usage: ``python benchmarks/judge_ceiling.py [--dataset /tmp/eco-commit-dataset.jsonl] [--holdout blind20,blind21]``

No endpoint exists where eco is developed, so the judge (``eco mine --llm-judge``) could not be measured.
What can be measured is the room it has. From the labelled dataset of ``commit_dataset.py`` (every labelled
commit with the miner's score and verdict), for each floor of ``mine_llm_judge_min``:

* how many commits the judge would be asked about (not already a fix, score at least the floor, not skipped);
* how many of the fixes the rules miss are among them, and the recall a judge that is always right would reach;
* the judge recall needed for an overall recall of ``--recall`` (0.85), and how many of the non-fixes it is
  asked about it may call fixes while eco's precision stays at ``--precision`` (0.9).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from commit_dataset import DEFAULT_OUT, load  # noqa: E402


def ceiling(rows: list[dict], floor: float, recall: float, precision: float) -> dict[str, float]:
    fixes = sum(r["perf"] for r in rows)
    tp = sum(r["perf"] and r["mined_perf"] for r in rows)
    fp = sum(not r["perf"] and r["mined_perf"] for r in rows)
    asked = [r for r in rows if not r["mined_perf"] and r["mined_score"] >= floor and not r["skipped"]]
    pos = sum(r["perf"] for r in asked)
    neg = len(asked) - pos
    needed = max(0.0, recall * fixes - tp) / pos if pos else float("inf")
    found = min(needed, 1.0) * pos
    allowed = (tp + found) * (1 - precision) / precision - fp  # false "yes" answers the precision can absorb
    return {"commits": len(rows), "fixes": fixes, "rules_tp": tp, "rules_fp": fp, "asked": len(asked), "asked_fixes": pos,
            "perfect_recall": (tp + pos) / fixes if fixes else 0.0, "judge_recall_needed": needed,
            "false_yes_allowed": max(0.0, allowed), "false_yes_rate": max(0.0, allowed) / neg if neg else 0.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--holdout", default="", metavar="SUFFIXES", help="also report the label files with these suffixes apart")
    ap.add_argument("--recall", type=float, default=0.85)
    ap.add_argument("--precision", type=float, default=0.9)
    args = ap.parse_args(argv)
    rows = load(args.dataset)
    suffixes = tuple(s for s in args.holdout.split(",") if s)
    groups = {"all labelled windows": rows}
    if suffixes:
        groups[f"{'+'.join(suffixes)} only"] = [r for r in rows if r["file"].endswith(suffixes)]
    print(f"| windows | floor | commits asked | fixes among them (rules miss) | recall, judge always right | judge recall for overall "
          f"{args.recall} | false 'yes' allowed for precision {args.precision} |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, group in groups.items():
        for floor in (0.5, 0.25, 0.0):
            c = ceiling(group, floor, args.recall, args.precision)
            need = f"{c['judge_recall_needed']:.2f}" if c["judge_recall_needed"] <= 1 else "out of reach"
            print(f"| {name} | {floor} | {c['asked']:,} of {c['commits']:,} | {c['asked_fixes']} ({c['fixes'] - c['rules_tp']}) "
                  f"| {c['perfect_recall']:.2f} | {need} | {c['false_yes_allowed']:.0f} ({c['false_yes_rate']:.2%}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
