"""Built-in mining rule: explicit performance annotations and measured results in the message."""

from __future__ import annotations

import re

from eco.mine.rules import CommitView, Rule, RuleHit

CONVENTIONAL = re.compile(r"^perf(?:\([^)]*\))?!?:\s", re.I)
TRAILERS = {"performance", "perf", "speedup", "benchmark", "benchmarks"}
_UNIT = r"(?:ns|µs|μs|us|ms|s|sec|secs|seconds?|mins?|minutes?|hours?|[kmg]i?b|bytes)"
MEASURED = re.compile(
    rf"""
    \d+(?:\.\d+)?\s*(?:x|×|times)\s+(?:faster|quicker|speed[- ]?up|less|fewer|smaller|improvement|better)
  | (?:speed[- ]?up|faster)\s+(?:of|by)\s+(?:about\s+|~|roughly\s+)?\d+(?:\.\d+)?\s*(?:x|×|%|times)
  | \d+(?:\.\d+)?\s*%\s+(?:faster|quicker|speed[- ]?up|less\s+(?:time|memory)|fewer|reduction|improvement|decrease\s+in\s+(?:time|runtime|memory))
  | from\s+~?\d+(?:[.,]\d+)?\s*{_UNIT}\s+(?:down\s+)?to\s+~?\d+(?:[.,]\d+)?\s*{_UNIT}\b
  | \d+(?:\.\d+)?\s*{_UNIT}\s*(?:->|→|=>)\s*\d+(?:\.\d+)?\s*{_UNIT}\b
    """,
    re.I | re.X,
)
_DIGIT = re.compile(r"\d")
REVERT = re.compile(r"^revert\b", re.I)
# Conventional-commit types that say "not a change to how fast the product runs".
# NumPy-style prefixes (TST:, DOC:, BLD:, CI:, STY:, REL:, also "TST/MAINT:") say the same in the scientific Python world.
OTHER_TYPE = re.compile(
    r"^(?:refactor|docs?|tests?|ci|chore|build|style|release)(?:\([^)]*\))?!?:\s|^perf\((?:tests?|ci|docs?|build|bench\w*)\)!?:"
    r"|^(?-i:TST|DOC|BLD|CI|STY|REL)(?:/[A-Z]+)*:\s",
    re.I,
)


class PerfAnnotations(Rule):
    """A `perf:` conventional-commit type, a `Performance:` trailer, or a measured result ("2.3x faster"); `refactor:`, `docs:`, `perf(tests):` count against."""

    name = "perf-annotations"
    max_score = 2.0
    # negative for other conventional types: a refactor that mentions speed is usually not a fix

    def score(self, commit: CommitView) -> RuleHit | None:
        if REVERT.search(commit.subject):
            return None
        if OTHER_TYPE.search(commit.subject):
            return RuleHit(-1.0, f"conventional-commit type {commit.subject.split(':', 1)[0]!r} is not a product change")
        score, reasons = 0.0, []
        if CONVENTIONAL.search(commit.subject):
            score += 1.5
            reasons.append("conventional-commit type perf:")
        named = sorted(TRAILERS & commit.trailers.keys())
        if named:
            score += 1.0
            reasons.append(f"trailer {named[0].title()}:")
        m = MEASURED.search(commit.message) if _DIGIT.search(commit.message) else None  # every measure has a digit
        if m:
            score += 1.0
            reasons.append(f"measured result {m.group(0).strip()!r}")
        if not reasons:
            return None
        return RuleHit(min(score, 2.0), "; ".join(reasons))
