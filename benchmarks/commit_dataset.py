"""Build a per-commit dataset of the hand-labelled windows, for training and evaluating learned mining rules.

Usage: ``python benchmarks/commit_dataset.py [--out /tmp/eco-commit-dataset.jsonl] [--mirror-root DIR] [--refresh]``

For every ``benchmarks/labels/*.toml`` window, the project is cloned from its mirror at the labelled
head (as ``mine_quality.py`` does) and:

* mined with eco's built-in rules (the real miner, ``learned-message`` left out so the dataset does not
  depend on the model it trains): the verdict, score and firing rules eco gives today;
* read once more commit by commit, every rule scored on every labelled commit WITHOUT the miner's
  pre-filter (so a combined verdict can be simulated), plus the text a learned model reads (subject,
  body, added release note: ``message_features.py``) and cheap diff facts (paths, added/removed lines of product code, decorators).

One JSON object per labelled commit goes to a JSONL file outside the repository (a cache: an existing
file is reused unless ``--refresh``). Nothing fetched is kept beyond that file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import git

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eco.mine.gitlog import BlobReader, stream_commits  # noqa: E402
from eco.mine.rules import CommitView, RuleSet, load_rules  # noqa: E402
from message_features import message_parts  # noqa: E402
from mine_quality import clone, commits_to_cover, predictions  # noqa: E402

DEFAULT_OUT = Path("/tmp/eco-commit-dataset.jsonl")
LEARNED = "learned-message"  # a learned rule, if one is ever shipped, is left out: the dataset must not depend on it

_PRODUCT = re.compile(r"\.(?:py|pyx|pxd|pyi|c|h|cc|cpp|hpp|rs|go|java|js|ts)$")
_NOT_PRODUCT = re.compile(
    r"(?:^|/)(?:tests?|testing|docs?|examples?|benchmarks?|bench|asv_bench|scripts|tools|misc)/"
    r"|(?:^|/)(?:test_[^/]*|[^/]*_tests?|conftest|setup|noxfile)\.py$"
)
_TEST = re.compile(r"(?:^|/)(?:tests?|testing)/|(?:^|/)(?:test_[^/]*|[^/]*_tests?|conftest)\.py$")
_DECORATOR = re.compile(r"^\s*@\s*([\w.]+)")
MAX_LINES = 300  # product lines kept per side: enough for cheap code features


def diff_facts(view: CommitView) -> dict[str, Any]:
    paths = view.paths
    product = [f for f in view.files if _PRODUCT.search(f.path) and not _NOT_PRODUCT.search(f.path)]
    added = [ln for f in product for ln in f.added]
    removed = [ln for f in product for ln in f.removed]
    decorators = sorted({m.group(1) for ln in added if (m := _DECORATOR.match(ln))})
    return {
        "paths": paths,
        "n_files": len(paths),
        "n_product_files": len(product),
        "n_test_files": sum(1 for p in paths if _TEST.search(p)),
        "product_added": len(added),
        "product_removed": len(removed),
        "added_lines": added[:MAX_LINES],
        "removed_lines": removed[:MAX_LINES],
        "added_decorators": decorators,
        "diff_bytes": len(view.diff_bytes),
    }


def window_rows(labels_file: Path, mirror_root: Path, rules: RuleSet, tmp: Path) -> list[dict[str, Any]]:
    data = tomllib.loads(labels_file.read_text())
    project = data["project"]
    mirror = mirror_root / project.replace("/", "+") / "repo"
    dest = tmp / labels_file.stem
    clone(str(mirror) if mirror.is_dir() else data["url"], dest, data["head"])
    cover = commits_to_cover(dest, data["head"], int(data["window"]))
    mined = predictions(dest, data["head"], rules, cover)
    labels = data["labels"]
    rows: list[dict[str, Any]] = []
    repo = git.Repo(dest)
    blobs = BlobReader(repo)
    try:
        for raw in stream_commits(repo, rev_range=data["head"]):
            if raw.sha not in labels:
                continue
            label = labels[raw.sha]
            m = mined[raw.sha]
            view = CommitView(raw, blobs)
            subject, body, note = message_parts(view)
            scores: dict[str, float] = {}
            errors: dict[str, str] = {}
            if not raw.skipped:
                for lr in rules.rules:
                    try:
                        hit = lr.rule.score(view)
                    except Exception as exc:  # recorded, as the miner would
                        errors[lr.name] = f"{type(exc).__name__}: {exc}"
                        continue
                    if hit is not None:
                        scores[lr.name] = float(hit.score)
            rows.append({
                "file": labels_file.stem, "project": project, "sha": raw.sha,
                "perf": bool(label["perf"]), "hard": str(label["reason"]).startswith("hard:"),
                "subject": subject, "body": body, "note": note, "skipped": raw.skipped,
                "mined_perf": bool(m["perf"]), "mined_score": float(m["score"]), "mined_rules": m["rules"],
                "rule_scores": scores, "rule_errors": errors,
                **diff_facts(view),
            })
            if len(rows) == len(labels):
                break
    finally:
        blobs.close()
    missing = set(labels) - {r["sha"] for r in rows}
    if missing:
        raise SystemExit(f"{labels_file.name}: {len(missing)} labelled commits not found in the history")
    return rows


def build(out: Path, mirror_root: Path) -> list[dict[str, Any]]:
    builtin = load_rules()
    rules = RuleSet([r for r in builtin.rules if r.name != LEARNED], builtin.errors)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="eco-dataset-") as tmp:
        for labels_file in sorted((ROOT / "benchmarks" / "labels").glob("*.toml")):
            got = window_rows(labels_file, mirror_root, rules, Path(tmp))
            print(f"{labels_file.stem}: {len(got)} commits, {sum(r['perf'] for r in got)} perf", file=sys.stderr)
            rows += got
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    return rows


def load(path: Path = DEFAULT_OUT) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--refresh", action="store_true", help="rebuild even if --out exists")
    args = ap.parse_args(argv)
    if args.out.is_file() and not args.refresh:
        rows = load(args.out)
    else:
        rows = build(args.out, args.mirror_root)
    agree = sum(1 for r in rows if (sum(r["rule_scores"].values()) >= 1.0) == r["mined_perf"])
    print(f"{len(rows)} labelled commits ({sum(r['perf'] for r in rows)} perf) in {args.out}; "
          f"ungated rule sum agrees with the miner's verdict on {agree}/{len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
