"""Built-in mining rule: explicit performance annotations and measured results in the message."""

from __future__ import annotations

import re

from eco.mine.rules import CommitView, Rule, RuleHit

CONVENTIONAL = re.compile(r"^perf(?:\([^)]*\))?!?:\s", re.I)
# gitmoji (gitmoji.dev): ⚡️ / :zap: "Improve performance"; :racehorse: in the older Atom convention.
GITMOJI = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:\u26a1\ufe0f?|:zap:|\U0001f40e|:racehorse:)")
TRAILERS = {"performance", "perf", "speedup", "benchmark", "benchmarks"}
_UNIT = r"(?:ns|µs|μs|us|ms|s|sec|secs|seconds?|mins?|minutes?|hours?|[kmg]i?b|bytes)"
# A rate: more of it is better ("489 -> 710 MB/s", "from 2k to 5k req/s").
_RATE = r"(?:[kmgt]i?b|bytes|ops|requests|reqs?|rows|items|it|calls|files|chunks|msgs|messages|records|lines|queries)\s*/\s*(?:s|sec|second)\b"
_RATE_NUMBER = r"~?\d+(?:[.,]\d+)?\s*[kmg]?"
_RATE_CHANGE = rf"({_RATE_NUMBER})\s*(?:{_RATE})?\s*(?:->|→|=>|to)\s*({_RATE_NUMBER})\s*{_RATE}"  # groups: before, after
MEASURED = re.compile(
    rf"""
    \d+(?:\.\d+)?\s*(?:x|×|times)\s+(?:\([^)\n]{{1,40}}\)\s+)?(?:faster|quicker|speed[- ]?up|less|fewer|smaller|improvement|better)
  | \+\d+(?:\.\d+)?\s*%\s+(?:\([^)\n]{{1,40}}\)\s+)?(?:[\w-]+\s+)?(?:throughput|speed)\b
  | (?:from\s+)?{_RATE_CHANGE}
  | (?:speed[- ]?up|faster)\s+(?:of|by)\s+(?:about\s+|~|roughly\s+)?\d+(?:\.\d+)?\s*(?:x|×|%|times)
  | \b(?:sped|speeds?)\s+up\s+(?:\S+\s+){{0,10}}?by\s+(?:about\s+|~|roughly\s+)?\d+(?:\.\d+)?\s*(?:x|×|%|times)
  | \d+(?:\.\d+)?\s*%\s+(?:faster|quicker|speed[- ]?up|less\s+(?:time|memory)|fewer|reduction|improvement|decrease\s+in\s+(?:time|runtime|memory))
  | from\s+~?\d+(?:[.,]\d+)?\s*{_UNIT}\s+(?:down\s+)?to\s+~?\d+(?:[.,]\d+)?\s*{_UNIT}\b
  | \d+(?:\.\d+)?\s*{_UNIT}\s*(?:->|→|=>)\s*\d+(?:\.\d+)?\s*{_UNIT}\b
  | \b(?:twice|(?:two|three|four|five|ten|\d+(?:\.\d+)?)\s*(?:x|×|times))\s+as\s+fast\b | \b(?:two|three|four|five|ten)\s+times\s+(?:faster|quicker)\b
  | \bbefore\s*[:=]\s*~?\d+(?:[.,]\d+)?\s*(?:{_RATE}|{_UNIT}\b)[^\n]{{0,40}}\n?[ \t]*\bafter\s*[:=]\s*~?\d+(?:[.,]\d+)?\s*(?:{_RATE}|{_UNIT}\b)
    """,
    re.I | re.X,
)
_DIGIT = re.compile(r"\d")
_AS_FAST = re.compile(r"\btwice\s+as\s+fast|\btimes\s+(?:as\s+fast|faster|quicker)", re.I)
_QUANTITY = re.compile(rf"(\d+(?:[.,]\d+)?)\s*({_UNIT})\b", re.I)
_TIME = {"ns": 1e-9, "µs": 1e-6, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0,
         "seconds": 1.0, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0, "hour": 3600.0, "hours": 3600.0}
_SIZE = {"bytes": 1.0, "kb": 1e3, "kib": 1024.0, "mb": 1e6, "mib": 1024.0**2, "gb": 1e9, "gib": 1024.0**3}


_SETTING = re.compile(
    r"\b(?:timeouts?|intervals?|delays?|sleeps?|waits?|ttl|deadlines?|retention|expir\w*|backoff|retr(?:y|ies)|limit\w*|throttl\w*|quotas?)\b", re.I
)


def _number(text: str) -> float:
    """"1,500" is fifteen hundred, "1,5" one and a half."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


_RATE_PAIR = re.compile(_RATE_CHANGE, re.I)
_RATE_QUANTITY = re.compile(rf"({_RATE_NUMBER})\s*{_RATE}", re.I)
_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9}
# A size that shrank is a result only when the message speaks of memory; otherwise it is a setting ("buffer 10 MB -> 8 MiB").
_MEMORY = re.compile(r"\b(?:memory|rss|ram|heap|footprint|peak|resident|allocat\w*|usage|consum\w*|disk\s+space|smaller|shrink\w*)\b", re.I)


def _rate(text: str) -> float:
    """"2.5k" is 2500: rates are often written with a thousands suffix."""
    text = text.strip().lstrip("~").strip()
    suffix = text[-1:].lower() if text[-1:].isalpha() else ""
    return _number(text[: len(text) - len(suffix)].strip()) * _SCALE[suffix]


def _before_after(text: str) -> tuple[float, float] | None:
    """The two quantities of a "from A to B" or "A -> B" measure in one unit, or None when they cannot be compared.

    Rates come back negated, so that for every measure the second number is smaller when things improved.
    """
    rate = _RATE_PAIR.search(text)
    if rate is not None:
        return -_rate(rate.group(1)), -_rate(rate.group(2))
    rates = _RATE_QUANTITY.findall(text)  # "Before: 5475 requests/sec  After: 5832 requests/sec"
    if len(rates) == 2:
        return -_rate(rates[0]), -_rate(rates[1])
    found = _QUANTITY.findall(text)
    if len(found) != 2:
        return None
    (a, ua), (b, ub) = found
    for family in (_TIME, _SIZE):
        sa, sb = family.get(ua.lower()), family.get(ub.lower())
        if sa is not None and sb is not None:
            return _number(a) * sa, _number(b) * sb
    return None


def _is_size(text: str) -> bool:
    return any(u.lower() in _SIZE for _, u in _QUANTITY.findall(text))


# A message that reports its numbers to show nothing changed ("no performance change", "all within +-1%").
_NO_CHANGE = re.compile(
    r"\bno\s+(?:measurable\s+|noticeable\s+|significant\s+)?(?:performance|perf|speed)\s+(?:change|impact|difference|regression)s?\b"
    r"|\bperformance\s+(?:is\s+|stays\s+|remains\s+)?unchanged\b|\bunchanged\s+(?:\w+\s+and\s+)?performance\b|\bwithin\s+(?:the\s+)?noise\b",
    re.I,
)
_ABOUT_TESTS = re.compile(r"\btest(?:s|ing|[_ -]?suite)?\b|/tests?/|\btest\w*\.py\b|\bci\b|\b(?:builds?|docs)\s+(?:time|run)", re.I)
NOISE = 0.03  # a measure that moved by less than 3% is noise, not a result


def measured(message: str) -> re.Match[str] | None:
    """The first measured improvement in the message; a "from 23 ms to 39 ms" that got worse is not one."""
    if _NO_CHANGE.search(message):
        return None
    for m in MEASURED.finditer(message):
        pair = _before_after(m.group(0))
        if pair is not None and pair[1] >= pair[0] - NOISE * abs(pair[0]):
            continue
        if pair is not None and _SETTING.search(message, max(0, m.start() - 40), m.start()):
            continue  # "reduce the timeout from 30s to 5s" changes a setting, it measures nothing
        if pair is not None and pair[0] > 0 and _is_size(m.group(0)) and not _MEMORY.search(message):
            continue
        if _ABOUT_TESTS.search(message, max(0, m.start() - 40), m.end()):
            continue  # "speeds up mypy/test/testcheck.py by 5%" measures the test suite
        return m
    return None
REVERT = re.compile(r"^revert\b", re.I)
# A new feature (`feat:`, ✨) that talks about speed describes the feature ("lazy indexing", "coalesces reads"):
# its speed words count for half. Projects that use conventional types file speedups under `perf:`.
FEATURE = re.compile(
    r"^\s*(?:\u2728\ufe0f?\s*)?feat(?:\([^)]*\))?!?:|^\s*(?:\u2728|:sparkles:)"
    # "Add support for X": 444 labelled commits say so, 3 of them are speedups
    r"|^\s*(?:\[[^\]]*\]\s*|[\w/ ().-]{0,30}:\s*)?(?:add(?:s|ed)?\s+(?:\w+\s+)?support|support(?:s|ed)?|add(?:s|ed)?\s+(?:a\s+|new\s+)?feature)\b"
    # "Add `order` kwarg to encoders": a new option, whose benchmark describes what the option buys
    r"|^\s*(?:\[[^\]]*\]\s*|[\w/ ().-]{0,30}:\s*)?add(?:s|ed)?\s+(?:an?\s+|the\s+)?(?:new\s+)?(?:\S+\s+){0,2}?(?:kwargs?|keyword\s+arguments?|options?|parameters?|arguments?|flags?|settings?)\b",
    re.I,
)
# A subject that names speed as its purpose overrides what its type says about a feature
# ("feat: make X a cached_property to accelerate execution", "feat(gcpubsub): optimize topic existence check").
SPEED_PURPOSE = re.compile(
    r"\b(?:speed(?:s|ed)?[- ]?up|speedups?|faster|quicker|accelerat\w*|performance|perf|optimi[sz](?:e|es|ed|ing|ation)|more\s+efficient(?:ly)?)\b", re.I
)
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
        if FEATURE.search(commit.subject) and not SPEED_PURPOSE.search(commit.subject):
            return RuleHit(-0.5, "a new feature (feat:, 'add support'): its speed words describe the feature")
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
        m = measured(commit.message) if _DIGIT.search(commit.message) or _AS_FAST.search(commit.message) else None  # a measure has a digit, or says "twice as fast"
        if m:
            score += 1.0
            reasons.append(f"measured result {m.group(0).strip()!r}")
        if not reasons:
            return None
        return RuleHit(min(score, 2.0), "; ".join(reasons))
