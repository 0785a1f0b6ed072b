"""Built-in mining rule: before/after code of a changed function has the shape of a known performance fix."""

from __future__ import annotations

import re

from eco.code import detect_language
from eco.mine.rules import CommitView, Rule, RuleHit, is_product_path
from eco.mine.shapes import BOUND_METHOD_LINE, SELF_EVIDENT, changed_lines, same_signature, hinted_kinds, line_signature, transforms


# Words that appear on a changed line of every transformation in eco.mine.shapes.
TOKENS = re.compile(
    rb"^[-+](?![-+]{2} )[^\n]*?(?:\bset\(|frozenset|\bin\b|deque|popleft|appendleft|\.pop\(0\)|\.insert\(0|join\(|StringIO|bytearray|b[\"']{2}"
    rb"|cache|memoi|heapq|nlargest|nsmallest|\bmin\(|\bmax\(|sorted\(|\.sort\(|Counter|\.count\(|\.index\("
    rb"|\bany\(|\ball\(|\bsum\(|\.keys\(\)|\bre\.|compile|\{|dict\(|defaultdict|setdefault|deepcopy|\.copy\(|list\(|\[:\]|\+=|\bfor\b)",
    re.M,
)


BOUND_METHOD = re.compile(rb"^\+" + BOUND_METHOD_LINE[1:].encode(), re.M)  # an added line of the diff
_CHANGED = re.compile(rb"^([-+])(?![-+]{2} )(.*)$", re.M)

# A subject that states another purpose (a bug fix, a feature, compatibility) explains the change better than
# its shapes do; the shapes then only support a message that also speaks of speed.
_OTHER_PURPOSE = re.compile(
    r"\b(?:fix(?:es|ed|ing)?|bugs?|bugfix|crash\w*|errors?|exceptions?|regressions?|issues?|support\w*|add(?:s|ed|ing)?|new"
    r"|features?|feat|deprecat\w*|warn\w*|compat\w*|handle[sd]?|allow\w*|revert\w*|merge[sd]?|bump\w*|release\w*|version)\b",
    re.I,
)
# A message that names a linter, a formatter or a style goal explains a mechanical rewrite better than speed does.
_MECHANICAL = re.compile(
    r"\b(?:lint\w*|ruff|flake8|pylint|pyupgrade|black|isort|mypy|pyright|format\w*|style|typing|type\s+hints?|annotations?"
    r"|readab\w*|simplif\w*|clean[- ]?ups?|tidy|refactor\w*|moderni[sz]\w*|idiomatic|rewrit\w*|pre-commit|autofix\w*)\b",
    re.I,
)

_MANUAL_MEMO = re.compile(rb"^\s*if\s+(?:not\s+hasattr\(\s*self\s*,|self\.\w+\s+is\s+None\b)", re.M)
_CACHE_DECORATOR = re.compile(rb"^\s*@\s*(?:functools\.)?(?:lru_cache|cache|cached_property|cachedmethod|cached|memoi[sz]ed?)\b", re.M)
ADDED_SUPPORT = 0.6  # with a hinting message (0.5) this passes the threshold; alone it does not

MAX_FOCUSED_LINES = 20  # changed lines, in product code, of a commit whose shapes can speak for themselves
MAX_FOCUSED_FUNCTIONS = 3
SUPPORT_MAX = 0.9  # the most shapes give when the message has to agree
MAX_GROWTH = 3  # lines a transformed function may grow by (a hoisted constant, a deque import inside it)


def _split(diff: bytes) -> tuple[list[str], list[str]]:
    removed: list[str] = []
    added: list[str] = []
    for sign, text in _CHANGED.findall(diff):
        if text.lstrip().startswith((b"#", b"//")):
            continue  # a comment is never the transformation
        (removed if sign == b"-" else added).append(text.decode("utf-8", "replace"))
    return removed, added


def changed_shape_tokens(diff: bytes) -> bool:
    """Whether removed and added lines differ in shape tokens; if not, no function can show a transformation."""
    removed, added = _split(diff)
    return line_signature(removed) != line_signature(added)


_FILE = re.compile(rb"^diff --git ", re.M)
_NEW_PATH = re.compile(rb"^(?:\+\+\+ b/|--- a/|rename to )(.*)$", re.M)


def _product_lines(commit: CommitView) -> tuple[bytes, bytes, int]:
    """Removed and added lines of Python product files (not tests/docs), and how many changed lines of
    product code there are in any language (blank ones ignored).

    Works on the diff bytes directly: this runs for every commit that passes the gate, so no hunk parsing.
    """
    diff = commit.diff_bytes
    starts = [m.start() for m in _FILE.finditer(diff)]
    removed: list[bytes] = []
    added: list[bytes] = []
    other = 0
    for i, start in enumerate(starts):
        block = diff[start : starts[i + 1] if i + 1 < len(starts) else len(diff)]
        m = _NEW_PATH.search(block)
        path = (m.group(1) if m else block[11 : block.find(b"\n")]).rstrip(b"\t").decode("utf-8", "replace").strip('"')
        if not is_product_path(path):
            continue
        python = path.endswith((".py", ".pyi", ".pyx"))
        if not python and detect_language(path) is None:
            continue  # data, docs, config: not code
        for sign, text in _CHANGED.findall(block):
            if not text.strip():
                continue
            if python:
                (removed if sign == b"-" else added).append(text)
            else:
                other += 1  # other languages' changes count towards the size, never as a shape
    return b"\n".join(removed), b"\n".join(added), len(removed) + len(added) + other


class StaticShapes(Rule):
    """Parsed before/after functions show a known transformation (list->set, pop(0)->deque, += -> join, ...).

    0.7 for a commit with such a shape somewhere (refactors and features have these shapes too, so
    the message has to agree); 1.0, enough on its own, for a small commit that is nothing but
    self-evident transformations, whose message does not call it a refactor or a style fix.
    """

    name = "static-shapes"
    needs_code = True
    max_score = 1.0

    def _gate(self, commit: CommitView) -> bool:
        # Cheap gate on the raw diff: some changed line mentions what a known fix is made of, and moves it,
        # or an added line binds a method to a local of its name (`append = out.append`).
        diff = commit.diff_bytes
        return (bool(TOKENS.search(diff)) and changed_shape_tokens(diff)) or BOUND_METHOD.search(diff) is not None

    def _could_speak_alone(self, commit: CommitView) -> bool:
        if _MECHANICAL.search(commit.subject) or _OTHER_PURPOSE.search(commit.subject):
            return False
        removed, added, n = _product_lines(commit)
        if not 0 < n <= MAX_FOCUSED_LINES:
            return False
        return bool(hinted_kinds(removed, added))

    def reach(self, commit: CommitView, need: float | None = None) -> float:
        """Text-only pre-filter: 0 when no function can show a shape, 1.0 when a small diff hints at one.

        When the commit needs more than a supporting shape can give (its message says nothing), only
        the "speaks alone" path matters, and its cheap checks (subject, size, hints) run before the gate.
        """
        if need is not None and need > SUPPORT_MAX:
            return 1.0 if self._could_speak_alone(commit) and self._gate(commit) else 0.0
        if not self._gate(commit):
            return 0.0
        return 1.0 if self._could_speak_alone(commit) else SUPPORT_MAX

    def score(self, commit: CommitView) -> RuleHit | None:
        if not self._gate(commit):
            return None
        kinds: dict[str, str] = {}
        product = [fn for fn in commit.functions if fn.language == "python" and is_product_path(fn.path)]
        for fn in commit.functions:
            if fn.language != "python" or fn.before is None or fn.after is None:
                continue
            found = transforms(fn.before, fn.after)
            if found:
                kinds[fn.key] = found[0]
        if not kinds:
            return self._added_cache(commit)
        names = ", ".join(f"{k.split('::', 1)[1]} ({v})" for k, v in list(kinds.items())[:3])
        more = f" (+{len(kinds) - 3} more)" if len(kinds) > 3 else ""
        if self._focused(product, kinds) and self._could_speak_alone(commit):
            return RuleHit(1.0, f"a small change that is only known fix shapes: {names}{more}", kinds)
        score = min(0.7 + 0.1 * (len(kinds) - 1), SUPPORT_MAX)
        return RuleHit(score, f"{len(kinds)} function(s) with known fix shapes: {names}{more}", kinds)

    @staticmethod
    def _added_cache(commit: CommitView) -> RuleHit | None:
        """A cache decorator that product code gains outside any before/after pair.

        Caching a new helper is how many fixes look when no existing function changes shape; a
        feature adds caches too, so this only supports a message that hints. (``__slots__`` was
        tried as well and dropped: libraries built around slots add them with every new class.)
        """
        removed, added, _n = _product_lines(commit)
        gained = len(_CACHE_DECORATOR.findall(added)) - len(_CACHE_DECORATOR.findall(removed))
        # decorators that replace hand-written memos (`if self._x is None: self._x = ...`) cache nothing new
        if gained > 0 and gained > len(_MANUAL_MEMO.findall(removed)) - len(_MANUAL_MEMO.findall(added)):
            return RuleHit(ADDED_SUPPORT, "product code gains a cache decorator")
        return None

    @staticmethod
    def _focused(product: list, kinds: dict[str, str]) -> bool:
        """Every changed product function is a self-evident transformation (or a one-line companion edit).

        A transformation replaces code with a cheaper equivalent; a function that grows by more than a
        few lines gained behaviour too, and the shape may be incidental to that.
        """
        if not product or len(product) > MAX_FOCUSED_FUNCTIONS:
            return False
        shaped = 0
        for fn in product:
            if fn.before is None or fn.after is None:
                return False
            removed, added = changed_lines(fn.before, fn.after)
            if kinds.get(fn.key) in SELF_EVIDENT and added <= removed + MAX_GROWTH and same_signature(fn.before, fn.after):
                shaped += 1
            elif removed + added > 2:
                return False
        return shaped > 0
