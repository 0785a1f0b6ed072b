"""Mining rules: what a performance fix looks like, as small pluggable classes.

A rule has a ``name``, a docstring, and ``score(commit) -> RuleHit | None``. Scores of all rules
that fire are added; a commit at or above the ``mine_threshold`` setting is a performance fix.
Rules come from three places, so a team can tune mining without forking eco:

* built-ins: ``antipatterns/rules/*.py`` (one file a rule);
* folders named in the ``rules_dirs`` setting (relative to the repository root);
* the entry-point group ``eco.mining_rules`` (an object that is a rule class or instance).

A rule that sets ``needs_code = True`` reads before/after functions, which costs blob reads and
parsing; the miner runs those only when the cheap rules leave the commit within reach of the
threshold (``cheap score + reach >= threshold``), which keeps mining near ``git log -p`` speed.
``reach`` is the rule's ``max_score``, or, when the rule has a ``reach(commit[, need]) -> float``
method, what it says it could add for this commit judging by the diff text alone (0 when no changed
line could be part of anything it recognises): a cheap pre-filter that decides which commits need
code. ``need`` is what the commit still lacks to pass the threshold, so a pre-filter can answer 0
at its first cheap "cannot give that much".
A rule that raises is reported with its name and counted; the other rules keep running.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import inspect
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

from eco.code import functions_in_ranges
from eco.errors import ConfigError
from eco.mine.gitlog import BlobReader, FileDiff, RawCommit
from eco.mine.pyfuncs import forget_nodes, functions_near
from eco.resources import data_dir

ENTRY_POINT_GROUP = "eco.mining_rules"

# Paths whose changes never make the product faster: tests, docs, examples and benchmarks (any case: fontTools
# keeps Tests/, CPython Doc/), and the build and task files beside the code. Rules share it, so they agree on
# what product code is; the non-code-only veto adds data, config and CI files on top.
NOT_PRODUCT = re.compile(
    r"(?:^|/)(?i:tests?|testing|docs?|examples?|benchmarks?|bench)/|(?:^|/)(?:test_[^/]*|[^/]*_tests?|tests?|conftest|setup|noxfile)\.py$"
)


def is_product_path(path: str) -> bool:
    """Whether a change to ``path`` can be a change to what users run (see :data:`NOT_PRODUCT`)."""
    return NOT_PRODUCT.search(path) is None
_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s+(.+)$")


@dataclass
class RuleHit:
    """A rule's opinion of a commit. ``kinds`` maps ``path::qualname`` to a catalog kind id."""

    score: float
    reason: str
    kinds: dict[str, str] = field(default_factory=dict)


class Rule:
    """Base class for mining rules (subclassing is optional: any object with ``name`` and ``score`` works)."""

    name: str = ""
    needs_code: bool = False
    max_score: float = 1.0  # the most this rule can add; used to decide whether deep rules are worth running

    # Optional, for rules with needs_code: ``def reach(self, commit, need=None) -> float`` (text-only, cheap).

    def score(self, commit: "CommitView") -> RuleHit | None:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class FunctionChange:
    """One function changed by a commit, with its code on both sides (None where it does not exist)."""

    path: str
    qualname: str
    language: str
    before: str | None
    after: str | None
    old_path: str | None = None

    @property
    def key(self) -> str:
        return f"{self.path}::{self.qualname}"

    @property
    def diff(self) -> str:
        """Unified diff of this function alone."""
        a = (self.before or "").splitlines(keepends=True)
        b = (self.after or "").splitlines(keepends=True)
        lines = difflib.unified_diff(a, b, f"a/{self.old_path or self.path}", f"b/{self.path}", n=3)
        return "".join(ln if ln.endswith("\n") else ln + "\n" for ln in lines)


class CommitView:
    """What a rule sees of a commit: message, trailers, diffs, and (lazily) changed functions."""

    def __init__(self, raw: RawCommit, blobs: BlobReader | None = None) -> None:
        self.raw = raw
        self._blobs = blobs

    sha = property(lambda self: self.raw.sha)
    message = property(lambda self: self.raw.message)
    author = property(lambda self: self.raw.author)
    author_date = property(lambda self: self.raw.author_date)
    parents = property(lambda self: self.raw.parents)
    is_merge = property(lambda self: self.raw.is_merge)
    diff_bytes = property(lambda self: self.raw.diff)

    @cached_property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @cached_property
    def body(self) -> str:
        parts = self.message.split("\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""

    @cached_property
    def trailers(self) -> dict[str, list[str]]:
        """``Key: value`` lines of the last paragraph, keys lower-cased."""
        out: dict[str, list[str]] = {}
        body = self.body
        if ":" not in body:
            return out  # every trailer line has a colon: most messages are done here
        paragraphs = [p for p in body.split("\n\n") if p.strip()]
        if not paragraphs:
            return out
        lines = [ln for ln in paragraphs[-1].splitlines() if ln.strip()]
        matches = [_TRAILER.match(ln.strip()) for ln in lines]
        if lines and all(matches):
            for m in matches:
                assert m is not None
                out.setdefault(m[1].lower(), []).append(m[2].strip())
        return out

    @property
    def files(self) -> list[FileDiff]:
        return self.raw.files

    @property
    def paths(self) -> list[str]:
        return self.raw.paths

    def code_blobs(self) -> list[str | None]:
        """Object ids :attr:`functions` will read, so a caller can fetch many commits' at once."""
        return [b for f in self.files if f.language is not None and not f.binary and not f.submodule and f.hunks
                for b in (f.old_blob, f.new_blob)]

    @cached_property
    def functions(self) -> list[FunctionChange]:
        """Functions whose lines the diff touches, paired by qualified name across both sides."""
        if self._blobs is None:
            return []
        forget_nodes()  # earlier commits' trees are not compared again
        out: list[FunctionChange] = []
        code_files = [f for f in self.files if f.language is not None and not f.binary and not f.submodule and f.hunks]
        contents = self._blobs.read_many([b for f in code_files for b in (f.old_blob, f.new_blob)])
        for f in code_files:
            lang = f.language
            assert lang is not None
            old = contents.get(f.old_blob or "") if f.status != "A" else None
            new = contents.get(f.new_blob or "") if f.status != "D" else None
            old_spans, new_spans = _changed_spans(f.hunks)
            before = functions_near(old, lang, f.old_path or f.path, old_spans) if old is not None else []
            after = functions_near(new, lang, f.path, new_spans) if new is not None else []
            removed = [r for h in f.hunks for r in h.removed_ranges()]
            added = [r for h in f.hunks for r in h.added_ranges()]
            # A pure insertion between two lines of a function touches it too: widen by one line.
            touched_b = {fn.qualname for fn in functions_in_ranges(before, removed)}
            touched_a = {fn.qualname for fn in functions_in_ranges(after, added)}
            by_b = {fn.qualname: fn for fn in before}
            by_a = {fn.qualname: fn for fn in after}
            for q in sorted(touched_b | touched_a, key=lambda q: (by_a.get(q) or by_b[q]).start_line):
                fb, fa = by_b.get(q), by_a.get(q)
                if fb is not None and fa is not None and fb.code == fa.code:
                    continue
                out.append(
                    FunctionChange(
                        path=f.path, qualname=q, language=lang,
                        before=fb.code if fb else None, after=fa.code if fa else None,
                        old_path=f.old_path if f.old_path != f.path else None,
                    )
                )
        # Keep the trees of the changed functions only: the shape comparison asks for those.
        forget_nodes({c for fn in out for c in (fn.before, fn.after) if c is not None})
        return out


def _changed_spans(hunks: list) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Per side, the lines each run of changes occupies, one line wider each way (1-based, inclusive).

    Not the whole hunk: its context lines often reach into the next definition, which would then be
    cut out and parsed on both sides only to be found unchanged. A run that exists on one side only
    (a pure insertion or deletion) still marks its position on the other side.
    """
    old_spans: list[tuple[int, int]] = []
    new_spans: list[tuple[int, int]] = []
    for h in hunks:
        o, n = h.old_start, h.new_start
        run: list[int] | None = None  # [old_first, new_first, old_count, new_count]
        for text in h.lines + [" "]:
            tag = text[:1]
            if tag in ("-", "+"):
                if run is None:
                    run = [o, n, 0, 0]
                if tag == "-":
                    run[2] += 1
                    o += 1
                else:
                    run[3] += 1
                    n += 1
                continue
            if run is not None:
                old_spans.append((max(1, run[0] - 1), run[0] + run[2]))
                new_spans.append((max(1, run[1] - 1), run[1] + run[3]))
                run = None
            o += 1
            n += 1
    return old_spans, new_spans


@dataclass
class LoadedRule:
    rule: Any
    source: str  # "builtin" | "user:<dir>" | "entry point:<name>"
    origin: str  # file or entry-point value

    @property
    def name(self) -> str:
        return str(getattr(self.rule, "name", "") or type(self.rule).__name__)

    @property
    def doc(self) -> str:
        doc = inspect.getdoc(self.rule) or ""
        return doc.strip().split("\n", 1)[0] if doc else ""

    @cached_property
    def needs_code(self) -> bool:
        return bool(getattr(self.rule, "needs_code", False))

    @cached_property
    def max_score(self) -> float:
        return float(getattr(self.rule, "max_score", 1.0))

    @cached_property
    def reach_takes_need(self) -> bool:
        """Whether the rule's ``reach`` accepts ``(commit, need)``: the score the commit still needs from it."""
        fn = getattr(self.rule, "reach", None)
        try:
            return callable(fn) and len(inspect.signature(fn).parameters) >= 2
        except (TypeError, ValueError):
            return False


@dataclass
class RuleSet:
    rules: list[LoadedRule]
    errors: list[str] = field(default_factory=list)  # rule files that failed to load

    def get(self, name: str) -> LoadedRule | None:
        return next((r for r in self.rules if r.name == name), None)

    def parts(self) -> "_Parts":
        """The rules split for judging, worked out once per rule list (judging runs per commit)."""
        key = (id(self.rules), len(self.rules))
        cached = self.__dict__.get("_parts")
        if cached is None or cached[0] != key:
            cheap = [lr for lr in self.rules if not lr.needs_code]
            deep = [lr for lr in self.rules if lr.needs_code]
            maxes = [max(0.0, lr.max_score) for lr in deep]
            # what the deep rules after the i-th could still add, for each i
            after = [sum(maxes[i + 1 :]) for i in range(len(deep))]
            cached = (key, _Parts(cheap, deep, sum(maxes), after))
            self.__dict__["_parts"] = cached
        return cached[1]


@dataclass
class _Parts:
    cheap: list[LoadedRule]
    deep: list[LoadedRule]
    deep_reach: float  # the most the code-reading rules can add together
    reach_after: list[float]  # per deep rule: the most the deep rules after it can add


def _is_rule(obj: Any) -> bool:
    return callable(getattr(obj, "score", None)) and bool(getattr(obj, "name", ""))


def _rules_in_module(mod: ModuleType) -> list[Any]:
    found = []
    for value in vars(mod).values():
        if inspect.isclass(value) and value.__module__ == mod.__name__ and value is not Rule and _is_rule(value):
            found.append(value())
    return found


def _load_file(path: Path) -> list[Any]:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    modname = f"eco_mining_rules_{digest}_{path.stem}"
    spec = importlib.util.spec_from_file_location(modname, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(modname, None)
        raise
    return _rules_in_module(mod)


def _load_dir(folder: Path, source: str, into: dict[str, LoadedRule], errors: list[str]) -> None:
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        try:
            rules = _load_file(path)
        except Exception as exc:  # a broken user file must not stop mining
            errors.append(f"{path}: {type(exc).__name__}: {exc}")
            continue
        for rule in rules:
            lr = LoadedRule(rule, source, str(path))
            into[lr.name] = lr


def load_rules(rules_dirs: Iterable[str] = (), root: Path | None = None, *, entry_point_group: str = ENTRY_POINT_GROUP) -> RuleSet:
    """Built-ins, then entry points, then user folders; a later rule of the same name replaces an earlier one."""
    found: dict[str, LoadedRule] = {}
    errors: list[str] = []
    _load_dir(data_dir("antipatterns") / "rules", "builtin", found, errors)
    for ep in entry_points(group=entry_point_group):
        try:
            obj = ep.load()
            rule = obj() if inspect.isclass(obj) else obj
            if not _is_rule(rule):
                raise TypeError("not a rule (needs a name and a score method)")
        except Exception as exc:
            errors.append(f"entry point {ep.name} = {ep.value}: {type(exc).__name__}: {exc}")
            continue
        lr = LoadedRule(rule, f"entry point:{ep.name}", ep.value)
        found[lr.name] = lr
    for d in rules_dirs:
        folder = Path(d).expanduser()
        if not folder.is_absolute() and root is not None:
            folder = root / folder
        if not folder.is_dir():
            raise ConfigError(f"rules_dirs: {folder} is not a folder")
        _load_dir(folder, f"user:{d}", found, errors)
    return RuleSet(list(found.values()), errors)


@dataclass
class Verdict:
    score: float
    perf: bool
    hits: list[tuple[str, RuleHit]]
    errors: list[tuple[str, str]]  # (rule name, error)
    deep: bool  # whether code-reading rules ran
    reach: float | None = None  # what the code-reading rules could still add (from judge_cheap)
    llm_answer: bool | None = None  # the LLM judge's answer, when it was asked and answered (mine_llm_judge)

    @property
    def rule_names(self) -> list[str]:
        return [name for name, hit in self.hits if hit.score > 0]

    def kinds(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for _name, hit in self.hits:
            for key, kind in hit.kinds.items():
                out.setdefault(key, kind)
        return out

    def as_json(self) -> list[dict[str, Any]]:
        return [{"rule": n, "score": round(h.score, 3), "reason": h.reason} for n, h in self.hits]


def run_rule(lr: LoadedRule, view: CommitView, hits: list[tuple[str, RuleHit]], errors: list[tuple[str, str]]) -> None:
    """Score one commit with one rule: a hit goes to ``hits`` (coerced to a RuleHit), a raise to ``errors``."""
    try:
        hit = lr.rule.score(view)
    except Exception as exc:
        errors.append((lr.name, f"{type(exc).__name__}: {exc}"))
        return
    if hit is None:
        return
    if not isinstance(hit, RuleHit):
        try:
            hit = RuleHit(float(hit.score), str(hit.reason), dict(getattr(hit, "kinds", {}) or {}))
        except Exception:
            errors.append((lr.name, f"returned {type(hit).__name__}, not a RuleHit"))
            return
    hits.append((lr.name, hit))


def _reach(lr: LoadedRule, view: CommitView, need: float | None) -> float:
    fn = getattr(lr.rule, "reach", None)
    if not callable(fn):
        return max(0.0, lr.max_score)
    try:
        got = fn(view, need) if lr.reach_takes_need else fn(view)
        return max(0.0, min(float(got), lr.max_score))
    except Exception:  # a broken pre-filter must not hide the rule: assume the most it can give
        return max(0.0, lr.max_score)


def judge_cheap(view: CommitView, rules: RuleSet, threshold: float | None = None) -> Verdict:
    """The rules that read only the message and the diff text, and what the others could add.

    With ``threshold``, the pre-filters are skipped when even the code rules' maximum cannot tip it.
    """
    hits: list[tuple[str, RuleHit]] = []
    errors: list[tuple[str, str]] = []
    parts = rules.parts()
    for lr in parts.cheap:
        run_rule(lr, view, hits, errors)
    score = sum(h.score for _, h in hits)
    deep = parts.deep
    reach = parts.deep_reach
    if threshold is None or score + reach >= threshold:
        # Each pre-filter is told how much the commit still needs, so it can stop at its cheapest "no".
        got = 0.0
        for i, lr in enumerate(deep):
            others = parts.reach_after[i]
            need = None if threshold is None else threshold - score - got - others
            got += _reach(lr, view, need)
        reach = got
    return Verdict(score=score, perf=False, hits=hits, errors=errors, deep=False, reach=reach)


def wants_code(verdict: Verdict, rules: RuleSet, threshold: float) -> bool:
    """Whether the code-reading rules could still tip the verdict (or the cheap ones already did)."""
    parts = rules.parts()
    if not parts.deep:
        return False
    reach = verdict.reach if verdict.reach is not None else parts.deep_reach
    return verdict.score + reach >= threshold


def judge_code(view: CommitView, rules: RuleSet, verdict: Verdict, threshold: float) -> Verdict:
    """Add the code-reading rules to a cheap verdict, and decide."""
    if not wants_code(verdict, rules, threshold):
        return settle(verdict, threshold)
    hits, errors = list(verdict.hits), list(verdict.errors)
    for lr in rules.parts().deep:
        run_rule(lr, view, hits, errors)
    score = sum(h.score for _, h in hits)
    return Verdict(score=score, perf=score >= threshold, hits=hits, errors=errors, deep=True)


def settle(verdict: Verdict, threshold: float) -> Verdict:
    """A cheap verdict decided as it stands: what :func:`judge_code` gives when the code rules cannot tip it."""
    hits, errors = list(verdict.hits), list(verdict.errors)
    score = sum(h.score for _, h in hits)
    return Verdict(score=score, perf=score >= threshold, hits=hits, errors=errors, deep=False)


def judge(view: CommitView, rules: RuleSet, threshold: float) -> Verdict:
    """Run the cheap rules, then the code-reading ones if they could still tip the verdict."""
    return judge_code(view, rules, judge_cheap(view, rules, threshold), threshold)
