"""Built-in mining rule: before/after code of a changed function has the shape of a known performance fix."""

from __future__ import annotations

import re

from eco.mine.rules import CommitView, Rule, RuleHit
from eco.mine.shapes import line_signature, transforms


# Words that appear on a changed line of every transformation in eco.mine.shapes.
TOKENS = re.compile(
    rb"^[-+](?![-+]{2} )[^\n]*?(?:\bset\(|frozenset|\bin\b|deque|popleft|appendleft|\.pop\(0\)|\.insert\(0|join\(|StringIO"
    rb"|cache|memoi|heapq|nlargest|nsmallest|\bmin\(|\bmax\(|sorted\(|\.sort\(|Counter|\.count\(|\.index\("
    rb"|\bany\(|\ball\(|\bsum\(|\.keys\(\)|\bre\.|compile|\{|dict\(|defaultdict|setdefault|deepcopy|\.copy\(|list\(|\[:\]|\+=|\bfor\b)",
    re.M,
)


_CHANGED = re.compile(rb"^([-+])(?![-+]{2} )(.*)$", re.M)


def changed_shape_tokens(diff: bytes) -> bool:
    """Whether removed and added lines differ in shape tokens; if not, no function can show a transformation."""
    removed: list[str] = []
    added: list[str] = []
    for sign, text in _CHANGED.findall(diff):
        if text.lstrip().startswith((b"#", b"//")):
            continue  # a comment is never the transformation
        (removed if sign == b"-" else added).append(text.decode("utf-8", "replace"))
    return line_signature(removed) != line_signature(added)


class StaticShapes(Rule):
    """Parsed before/after functions show a known transformation (list->set, pop(0)->deque, += -> join, ...)."""

    name = "static-shapes"
    needs_code = True
    max_score = 0.9  # never a performance fix on its own: refactors have these shapes too

    def score(self, commit: CommitView) -> RuleHit | None:
        # Cheap gate on the raw diff: no changed line mentions anything a known fix is made of.
        if not TOKENS.search(commit.diff_bytes) or not changed_shape_tokens(commit.diff_bytes):
            return None
        kinds: dict[str, str] = {}
        for fn in commit.functions:
            if fn.language != "python" or fn.before is None or fn.after is None:
                continue
            found = transforms(fn.before, fn.after)
            if found:
                kinds[fn.key] = found[0]
        if not kinds:
            return None
        score = min(0.7 + 0.1 * (len(kinds) - 1), self.max_score)
        names = ", ".join(f"{k.split('::', 1)[1]} ({v})" for k, v in list(kinds.items())[:3])
        return RuleHit(score, f"{len(kinds)} function(s) with known fix shapes: {names}" + (f" (+{len(kinds) - 3} more)" if len(kinds) > 3 else ""), kinds)
