"""Built-in mining rule: explicit performance annotations and measured results in the message."""

from __future__ import annotations

import re

from eco.mine.rules import CommitView, Rule, RuleHit

CONVENTIONAL = re.compile(r"^perf(?:\([^)]*\))?!?:\s", re.I)
# gitmoji (gitmoji.dev): ⚡️ / :zap: "Improve performance"; :racehorse: in the older Atom convention.
GITMOJI = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:\u26a1\ufe0f?|:zap:|\U0001f40e|:racehorse:)")
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
_QUANTITY = re.compile(rf"(\d+(?:[.,]\d+)?)\s*({_UNIT})\b", re.I)
_TIME = {"ns": 1e-9, "µs": 1e-6, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0,
         "seconds": 1.0, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0, "hour": 3600.0, "hours": 3600.0}
_SIZE = {"bytes": 1.0, "kb": 1e3, "kib": 1024.0, "mb": 1e6, "mib": 1024.0**2, "gb": 1e9, "gib": 1024.0**3}


_SETTING = re.compile(r"\b(?:timeouts?|intervals?|delays?|sleeps?|waits?|ttl|deadlines?|retention|expir\w*|backoff|retr(?:y|ies))\b", re.I)


def _number(text: str) -> float:
    """"1,500" is fifteen hundred, "1,5" one and a half."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def _before_after(text: str) -> tuple[float, float] | None:
    """The two quantities of a "from A to B" or "A -> B" measure in one unit, or None when they cannot be compared."""
    found = _QUANTITY.findall(text)
    if len(found) != 2:
        return None
    (a, ua), (b, ub) = found
    for family in (_TIME, _SIZE):
        sa, sb = family.get(ua.lower()), family.get(ub.lower())
        if sa is not None and sb is not None:
            return _number(a) * sa, _number(b) * sb
    return None


def measured(message: str) -> re.Match[str] | None:
    """The first measured improvement in the message; a "from 23 ms to 39 ms" that got worse is not one."""
    for m in MEASURED.finditer(message):
        pair = _before_after(m.group(0))
        if pair is not None and pair[1] >= pair[0]:
            continue
        if pair is not None and _SETTING.search(message, max(0, m.start() - 40), m.start()):
            continue  # "reduce the timeout from 30s to 5s" changes a setting, it measures nothing
        return m
    return None
REVERT = re.compile(r"^revert\b", re.I)
# A new feature (`feat:`, ✨) that talks about speed describes the feature ("lazy indexing", "coalesces reads"):
# its speed words count for half. Projects that use conventional types file speedups under `perf:`.
FEATURE = re.compile(r"^\s*(?:\u2728\ufe0f?\s*)?feat(?:\([^)]*\))?!?:|^\s*(?:\u2728|:sparkles:)", re.I)
# Conventional-commit types that say "not a change to how fast the product runs".
# NumPy-style prefixes (TST:, DOC:, BLD:, CI:, STY:, REL:, also "TST/MAINT:") say the same in the scientific Python world.
OTHER_TYPE = re.compile(
    r"^(?:refactor|docs?|tests?|ci|chore|build|style|release|lint|typing|types|deps)(?:\([^)]*\))?!?:\s|^perf\((?:tests?|ci|docs?|build|bench\w*)\)!?:"
    r"|^(?-i:TST|DOC|BLD|CI|STY|REL)(?:/[A-Z]+)*:\s",
    re.I,
)


class PerfAnnotations(Rule):
    """A `perf:` conventional-commit type or ⚡️ gitmoji, a `Performance:` trailer, or a measured result ("2.3x faster"); `refactor:`, `docs:`, `perf(tests):` count against, `feat:` half."""

    name = "perf-annotations"
    max_score = 2.0
    # negative for other conventional types: a refactor that mentions speed is usually not a fix

    def score(self, commit: CommitView) -> RuleHit | None:
        if REVERT.search(commit.subject):
            return None
        if OTHER_TYPE.search(commit.subject):
            return RuleHit(-1.0, f"conventional-commit type {commit.subject.split(':', 1)[0]!r} is not a product change")
        if FEATURE.search(commit.subject):
            return RuleHit(-0.5, "a new feature (feat:): its speed words describe the feature")
        score, reasons = 0.0, []
        if CONVENTIONAL.search(commit.subject):
            score += 1.5
            reasons.append("conventional-commit type perf:")
        elif GITMOJI.search(commit.subject):
            score += 1.5
            reasons.append("gitmoji for performance (:zap:)")
        named = sorted(TRAILERS & commit.trailers.keys())
        if named:
            score += 1.0
            reasons.append(f"trailer {named[0].title()}:")
        m = measured(commit.message) if _DIGIT.search(commit.message) else None  # every measure has a digit
        if m:
            score += 1.0
            reasons.append(f"measured result {m.group(0).strip()!r}")
        if not reasons:
            return None
        return RuleHit(min(score, 2.0), "; ".join(reasons))
