"""Detectors on the sample repository: its known slow functions and its historical fixes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eco.code import extract_functions
from eco.detect import detect
from eco.detect.evaluate import check_fix_pairs, load_labels, score_tree

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_repo"
TRUTH = SAMPLE / "GROUND_TRUTH.toml"
LABELS = load_labels(TRUTH)


def test_ground_truth_has_slow_functions() -> None:
    assert len(LABELS) >= 10


@pytest.mark.parametrize("label", LABELS, ids=lambda lab: f"{lab.function}-{lab.kind}")
def test_detector_flags_each_known_slow_function(label) -> None:
    source = (SAMPLE / label.path).read_text(encoding="utf-8")
    [fn] = [f for f in extract_functions(source, "python", label.path) if f.qualname == label.function]
    found = detect(label.kind, fn.code)
    assert found, f"{label.path}::{label.function} not flagged as {label.kind}"
    assert all(fn.start_line <= fn.start_line + ev.line - 1 <= fn.end_line for ev in found)


def test_detect_all_precision_and_recall_on_sample_head() -> None:
    score = score_tree(SAMPLE, LABELS)
    print(f"\nsample HEAD: {score.functions} functions, precision {score.precision:.3f} "
          f"(ground-truth kinds {score.precision_on_labelled_kinds():.3f}), recall {score.recall:.3f}")
    for path, fn, kind, line in score.false_findings:
        print(f"  not in ground truth: {path}::{fn} line {line} [{kind}]")
    assert score.functions > 50
    assert score.recall == 1.0, score.missed
    # every finding of a kind the ground truth uses is on a labelled function
    assert score.precision_on_labelled_kinds() == 1.0
    # the only other findings are micro-optimisation kinds the ground truth does not label
    assert {kind for _, _, kind, _ in score.false_findings} <= {"manual-list-comprehension"}


def test_historical_fix_pairs(tmp_path: Path) -> None:
    """Each labelled performance fix: the detector fires on the function before, not after."""
    dest = tmp_path / "sample"
    subprocess.run([sys.executable, str(SAMPLE / "build_history.py"), str(dest)], check=True,
                   capture_output=True, timeout=300)
    checks = check_fix_pairs(dest, TRUTH)
    assert len(checks) >= 10
    wrong = [c for c in checks if not c.ok]
    assert wrong == []
