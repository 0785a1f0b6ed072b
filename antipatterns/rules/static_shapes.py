"""Built-in mining rule: before/after code of a changed function has the shape of a known performance fix."""

from __future__ import annotations

from eco.mine.rules import CommitView, Rule, RuleHit
from eco.mine.shapes import transforms


class StaticShapes(Rule):
    """Parsed before/after functions show a known transformation (list->set, pop(0)->deque, += -> join, ...)."""

    name = "static-shapes"
    needs_code = True
    max_score = 0.9  # never a performance fix on its own: refactors have these shapes too

    def score(self, commit: CommitView) -> RuleHit | None:
        kinds: dict[str, str] = {}
        for fn in commit.functions:
            if fn.language != "python" or fn.before is None or fn.after is None:
                continue
            found = transforms(fn.before, fn.after)
            if found:
                kinds[fn.key] = found[0]
        if not kinds:
            return None
        distinct = sorted(set(kinds.values()))
        score = min(0.7 + 0.1 * (len(kinds) - 1), self.max_score)
        names = ", ".join(f"{k.split('::', 1)[1]} ({v})" for k, v in list(kinds.items())[:3])
        return RuleHit(score, f"{len(kinds)} function(s) with known fix shapes: {names}" + (f" (+{len(kinds) - 3} more)" if len(kinds) > 3 else ""), kinds)
