"""Precision and recall of eco's perf verdict against hand labels and the sample history.

Usage: ``python benchmarks/mine_quality.py [--mirror-root DIR] [--show-errors]``

* every ``benchmarks/labels/<project>.toml`` (labels by reading message and diff; see the file
  header): the project is cloned from ``--mirror-root/<owner>+<name>/repo`` when present, else from
  its ``url``, into a temp folder at the labelled ``head``;
* the sample history, when ``sample_repo/`` is in this checkout: built with
  ``sample_repo/build_history.py`` and compared with ``GROUND_TRUTH.toml`` ``perf_commits``.

Each history is mined into a fresh temp store with the built-in rules (the real thing), and with
the message-keyword rule alone as a baseline. No fetched code is kept.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eco.mine.miner import mine  # noqa: E402
from eco.mine.rules import RuleSet, load_rules  # noqa: E402
from eco.workspace import open_workspace  # noqa: E402


# Label files whose stem ends with one of these were labelled blind (the labeller never ran eco or read its rules)
# and their errors have not been read since the rules last changed: their pooled score is the honest estimate on
# unseen histories. Rounds 7 and 8 both measure the rules as of ffa5455. Replace them when the rules change.
UNSEEN_SUFFIXES = ("blind24",)


def predictions(repo: Path, rev: str | None, rules: RuleSet, max_commits: int | None = None, *, llm_judge: bool = False) -> dict[str, dict]:
    shutil.rmtree(repo / ".eco", ignore_errors=True)
    rows: dict[str, dict] = {}
    with open_workspace(repo) as ws:
        mine(ws, rev_range=rev, rules=rules, max_commits=max_commits, on_commit=lambda r: rows.__setitem__(r["sha"], r),
             llm_judge=llm_judge)
    shutil.rmtree(repo / ".eco", ignore_errors=True)
    return rows


def score(truth: dict[str, bool], pred: dict[str, dict]) -> dict:
    tp = sum(1 for s, t in truth.items() if t and pred[s]["perf"])
    fp = sum(1 for s, t in truth.items() if not t and pred[s]["perf"])
    fn = sum(1 for s, t in truth.items() if t and not pred[s]["perf"])
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"n": len(truth), "pos": tp + fn, "tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r}


def commits_to_cover(repo: Path, head: str, window: int) -> int:
    """How many commits (merges too, as the miner counts them) ``git log head`` lists down to the window's oldest.

    Mining only that far keeps the benchmark fast and independent of damage deeper in a snapshot's history.
    """
    def revs(*extra: str) -> list[str]:
        return subprocess.run(["git", "rev-list", *extra, head], cwd=repo, check=True, capture_output=True, text=True).stdout.split()

    oldest = revs("--no-merges", "-n", str(window))[-1]
    return revs().index(oldest) + 1


def clone(src: str, dest: Path, head: str) -> None:
    subprocess.run(["git", "clone", "-q", "--no-checkout", src, str(dest)], check=True)
    subprocess.run(["git", "-c", "advice.detachedHead=false", "checkout", "-q", head], cwd=dest, check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--show-errors", action="store_true", help="list every false positive and false negative of the tuning windows")
    ap.add_argument("--show-unseen-errors", action="store_true",
                    help=f"also list those of the {'/'.join('*' + u for u in UNSEEN_SUFFIXES)} windows (after which they are tuning windows)")
    ap.add_argument("--only", metavar="GLOB", default="*",
                    help="score only the label files whose stem matches (e.g. '*blind9'); the sample history runs with '*' alone")
    ap.add_argument("--llm-judge", action="store_true",
                    help="also ask the LLM at OPENAI_BASE_URL about commits the rules leave short (eco mine --llm-judge); one request each")
    args = ap.parse_args(argv)
    builtin = load_rules()
    keywords = RuleSet([r for r in builtin.rules if r.name == "message-keywords"])
    results: list[tuple[str, dict, dict, dict, bool]] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="eco-quality-") as tmp:
        sample = ROOT / "sample_repo"
        if (sample / "build_history.py").is_file() and args.only == "*":
            dest = Path(tmp) / "sample"
            subprocess.run([sys.executable, str(sample / "build_history.py"), str(dest)], check=True, capture_output=True)
            gt = tomllib.loads((sample / "GROUND_TRUTH.toml").read_text())
            perf = set(gt["perf_commits"])
            full = predictions(dest, None, builtin)
            # perf_commits may name commits by SHA or by subject: accept both.
            truth = {s: (s in perf or r["subject"] in perf or any(s.startswith(p) for p in perf)) for s, r in full.items()}
            results.append(("sample history", score(truth, full), score(truth, predictions(dest, None, keywords)), score(truth, full), False))
            errors += [f"sample {'FP' if full[s]['perf'] else 'FN'} {s[:10]} {full[s]['subject']}" for s, t in truth.items() if t != full[s]["perf"]]
        for labels_file in sorted((ROOT / "benchmarks" / "labels").glob(f"{args.only}.toml")):
            data = tomllib.loads(labels_file.read_text())
            owner_name = data["project"]
            mirror = args.mirror_root / owner_name.replace("/", "+") / "repo"
            src = str(mirror) if mirror.is_dir() else data["url"]
            dest = Path(tmp) / labels_file.stem
            clone(src, dest, data["head"])
            truth = {sha: bool(v["perf"]) for sha, v in data["labels"].items()}
            cover = commits_to_cover(dest, data["head"], int(data["window"]))
            full = predictions(dest, data["head"], builtin, cover, llm_judge=args.llm_judge)
            base = predictions(dest, data["head"], keywords, cover)
            missing = set(truth) - set(full)
            if missing:
                raise SystemExit(f"{labels_file.name}: {len(missing)} labelled commits were not mined")
            # Every window but the newest blind round has had its errors read while the rules were tuned: those are
            # tuning windows now, whatever they were when labelled (RESULTS.md keeps each round's score at its freeze).
            unseen = labels_file.stem.endswith(UNSEEN_SUFFIXES)
            label = f"{owner_name} (`{labels_file.stem}`{', unseen' if unseen else ''})"
            clear = {s: t for s, t in truth.items() if not (t and data["labels"][s]["reason"].startswith("hard:"))}
            results.append((label, score(truth, full), score(truth, base), score(clear, full), unseen))
            for s, t in truth.items():
                if t != full[s]["perf"] and (not unseen or args.show_unseen_errors):
                    errors.append(f"{labels_file.stem} {'FP' if full[s]['perf'] else 'FN'} {s[:10]} score={full[s]['score']} "
                                  f"rules={full[s]['rules']} :: {data['labels'][s]['reason']}")
    print("| history | commits | perf (labelled) | eco precision | eco recall | TP/FP/FN | recall, clear cases | keywords-only precision | keywords-only recall |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for name, s, b, c, _ in results:
        print(f"| {name} | {s['n']} | {s['pos']} | {s['precision']:.2f} | {s['recall']:.2f} | {s['tp']}/{s['fp']}/{s['fn']} | {c['recall']:.2f} | {b['precision']:.2f} | {b['recall']:.2f} |")
    pools = {
        "real projects, pooled (tuning windows)": [r for r in results if r[0] != "sample history" and not r[4]],
        f"real projects, pooled ({'+'.join(UNSEEN_SUFFIXES)}: labelled blind, errors not yet read)": [r for r in results if r[4]],
    }
    for title, rows in pools.items():
        if not rows:
            continue
        tp, fp, fn = (sum(r[1][k] for r in rows) for k in ("tp", "fp", "fn"))
        ctp, cfn = (sum(r[3][k] for r in rows) for k in ("tp", "fn"))
        print(f"| {title} | {sum(r[1]['n'] for r in rows)} | {tp + fn} | {tp / max(1, tp + fp):.2f} | {tp / max(1, tp + fn):.2f} | {tp}/{fp}/{fn} "
              f"| {ctp / max(1, ctp + cfn):.2f} | | |")
    if args.show_errors:
        print()
        for e in errors:
            print("-", e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
