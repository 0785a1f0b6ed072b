"""Score the detectors against labelled functions (the sample's GROUND_TRUTH.toml).

Shared by the benchmark script and the tests so that both count true and false positives the
same way: a finding is true when its (path, function, kind) is labelled, and a labelled function
is recalled when the detector for its kind fires on it.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from eco.code import extract_functions
from eco.detect import detect_all


@dataclass(frozen=True)
class Label:
    path: str
    function: str
    kind: str


@dataclass
class Score:
    functions: int = 0
    labels: list[Label] = field(default_factory=list)
    true_pos: Counter = field(default_factory=Counter)  # kind -> findings on labelled functions
    false_pos: Counter = field(default_factory=Counter)  # kind -> findings elsewhere
    missed: list[Label] = field(default_factory=list)
    false_findings: list[tuple[str, str, str, int]] = field(default_factory=list)  # path, function, kind, line

    @property
    def precision(self) -> float:
        tp, fp = sum(self.true_pos.values()), sum(self.false_pos.values())
        return tp / (tp + fp) if tp + fp else 1.0

    @property
    def recall(self) -> float:
        return (len(self.labels) - len(self.missed)) / len(self.labels) if self.labels else 1.0

    def precision_on_labelled_kinds(self) -> float:
        """Precision counting only findings of kinds that the labels use at all."""
        kinds = {lab.kind for lab in self.labels}
        tp = sum(n for k, n in self.true_pos.items() if k in kinds)
        fp = sum(n for k, n in self.false_pos.items() if k in kinds)
        return tp / (tp + fp) if tp + fp else 1.0


def load_labels(ground_truth: Path) -> list[Label]:
    data = tomllib.loads(ground_truth.read_text(encoding="utf-8"))
    return [Label(str(e["path"]), str(e["function"]), str(e["antipattern"])) for e in data.get("slow_functions", [])]


def _same_function(label: Label, path: str, qualname: str) -> bool:
    if label.function not in {qualname, qualname.rsplit(".", 1)[-1]}:
        return False
    return path.endswith(label.path) or label.path.endswith(path)


def score_tree(root: Path, labels: list[Label], package_dirs: tuple[str, ...] = ("logalyzer",)) -> Score:
    """Run :func:`detect_all` on every function under ``root/<package_dirs>`` and score it."""
    score = Score(labels=list(labels))
    found: set[tuple[Label, str]] = set()
    for pkg in package_dirs:
        for file in sorted((root / pkg).rglob("*.py")):
            rel = file.relative_to(root).as_posix()
            for fn in extract_functions(file.read_text(encoding="utf-8"), "python", rel):
                score.functions += 1
                mine = [lab for lab in labels if _same_function(lab, rel, fn.qualname)]
                for ev in detect_all(fn.code):
                    hit = [lab for lab in mine if lab.kind == ev.kind]
                    if hit:
                        score.true_pos[ev.kind] += 1
                        found.update((lab, ev.kind) for lab in hit)
                    else:
                        score.false_pos[ev.kind] += 1
                        score.false_findings.append((rel, fn.qualname, ev.kind, ev.line))
    score.missed = [lab for lab in labels if (lab, lab.kind) not in found]
    return score


@dataclass(frozen=True)
class FixCheck:
    """A labelled performance fix: did the detector for its kind fire before and stay silent after?"""

    subject: str
    path: str
    function: str
    kind: str
    sha: str
    before_fires: bool
    after_fires: bool

    @property
    def ok(self) -> bool:
        return self.before_fires and not self.after_fires


def check_fix_pairs(repo: Path, ground_truth: Path) -> list[FixCheck]:
    """For each ``[[perf_fixes]]`` entry, run its kind's detector on the function before and
    after the commit with that subject in the built sample history at ``repo``."""
    import subprocess

    from eco.detect import detect

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout

    def function_at(rev: str, path: str, qualname: str) -> str | None:
        src = git("show", f"{rev}:{path}")
        return next((f.code for f in extract_functions(src, "python", path) if f.qualname == qualname), None)

    data = tomllib.loads(ground_truth.read_text(encoding="utf-8"))
    out = []
    for fix in data.get("perf_fixes", []):
        shas = git("log", "--format=%H", "-F", f"--grep={fix['subject']}").split()
        if not shas:
            raise ValueError(f"no commit with subject {fix['subject']!r} in {repo}")
        before = function_at(shas[0] + "^", fix["path"], fix["function"]) or ""
        after = function_at(shas[0], fix["path"], fix["function"]) or ""
        out.append(FixCheck(
            fix["subject"], fix["path"], fix["function"], fix["antipattern"], shas[0],
            bool(detect(fix["antipattern"], before)), bool(detect(fix["antipattern"], after)),
        ))
    return out
