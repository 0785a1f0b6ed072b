"""Built-in mining rule: module-level imports move into the functions that use them (start-up time)."""

from __future__ import annotations

import re

from eco.mine.phrases import IMPORT_CYCLE, WITHOUT_EXTRA
from eco.mine.rules import CommitView, Rule, RuleHit, is_product_path

# A removed import at column 0 is a module-level one; an added, indented import of the same module may be in a function.
_TOP_REMOVED = re.compile(rb"^-(?:import|from)[ \t]+([\w.]+)", re.M)
_INNER_ADDED = re.compile(rb"^\+[ \t]+(?:import|from)[ \t]+([\w.]+)", re.M)
_TYPE_CHECKING = re.compile(rb"^\+[ \t]*if[ \t]+(?:typing\.)?TYPE_CHECKING[ \t]*:", re.M)
_FILE = re.compile(rb"^diff --git a/.*? b/(.*)$", re.M)
# The message names the laziness: deferring, first use, start-up or import time.
LAZY = re.compile(
    r"\bdefer\w*|\blazy\b|\blazily\b|\bon[- ]demand\b|\b(?:on|at|until)\s+first\s+(?:use|access|call|need)\b|\buse[- ]sites?\b"
    r"|\bstart-?up\b|\bimport[- ]time\b|\bimport\s+(?:cost|overhead)\b|\bwhen\s+(?:actually\s+|first\s+)?(?:needed|used|required)\b"
    r"|\bonly\s+(?:if|when)\s+(?:needed|used|required)\b|\b(?:avoid|without|instead\s+of|skip|stop|no\s+longer)\w*\s+importing\b",
    re.I,
)
# Imports move into functions for other reasons too: to break an import cycle, or because the module is optional.
# A subject that says so settles it; in the body, only a cycle does (a body that explains a deferral often adds
# that the module is optional or guarded by ImportError).
OTHER_REASON = re.compile(
    r"\bcircular\b|\bcycl(?:e|es|ic)\b|\bimport\s+loops?\b|\boptional\b|\bImportError\b|\bModuleNotFoundError\b"
    r"|\bmissing\s+(?:dependenc\w*|modules?|packages?)\b|\bnot\s+installed\b|" + WITHOUT_EXTRA + r"|\brevert\w*|\bcompat\w*|\bmonkey[- ]?patch\w*",
    re.I,
)
CYCLE = IMPORT_CYCLE
ALONE = 1.0  # moved imports and a message that says why


def moved_imports(diff: bytes) -> dict[str, set[str]]:
    """Per Python product file, the modules whose module-level import is removed while an indented one is added."""
    out: dict[str, set[str]] = {}
    if b"\n-import " not in diff and b"\n-from " not in diff:
        return out  # most diffs: no module-level import removed
    heads = list(_FILE.finditer(diff))
    for i, head in enumerate(heads):
        path = head.group(1).decode("utf-8", "replace").strip('"')
        if not path.endswith((".py", ".pyi")) or not is_product_path(path):
            continue
        block = diff[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(diff)]
        removed = {m.decode("utf-8", "replace") for m in _TOP_REMOVED.findall(block)}
        if not removed:
            continue
        moved = removed & {m.decode("utf-8", "replace") for m in _INNER_ADDED.findall(block)}
        if moved:
            out[path] = moved
    return out


def type_checking_files(diff: bytes) -> set[str]:
    """Python files whose diff adds an ``if TYPE_CHECKING:`` block: an import moved there is no longer run at all."""
    out: set[str] = set()
    heads = list(_FILE.finditer(diff))
    for i, head in enumerate(heads):
        block = diff[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(diff)]
        if _TYPE_CHECKING.search(block):
            out.add(head.group(1).decode("utf-8", "replace").strip('"'))
    return out


def _imports(code: str, module: str) -> bool:
    return re.search(rf"^[ \t]+(?:import|from)[ \t]+{re.escape(module)}\b", code, re.M) is not None


def other_reason(commit: CommitView) -> bool:
    """Whether the message explains the moved imports by something other than speed."""
    if OTHER_REASON.search(commit.subject):
        return True
    return CYCLE.search(commit.body) is not None and LAZY.search(commit.subject) is None


class DeferredImports(Rule):
    """Module-level imports that move into the functions using them: a deferred import, for start-up time.

    1.0 when the parsed after-code has the import inside a function that did not have it (or the diff
    puts it under a new ``if TYPE_CHECKING:``), and the message speaks of deferring, laziness, first use
    or start-up. Nothing when the message is silent (imports move for tidiness too, and a second
    code-only signal must not make a fix of a silent commit), or gives another reason (an import
    cycle, an optional dependency).
    """

    name = "deferred-imports"
    needs_code = True
    max_score = ALONE

    def reach(self, commit: CommitView, need: float | None = None) -> float:
        diff = commit.diff_bytes
        if b"\n-import " not in diff and b"\n-from " not in diff:
            return 0.0  # most commits: no module-level import removed, so no message needs reading
        if other_reason(commit) or not LAZY.search(commit.message):
            return 0.0
        return ALONE if moved_imports(diff) else 0.0

    def score(self, commit: CommitView) -> RuleHit | None:
        why = LAZY.search(commit.message)
        if why is None or other_reason(commit):
            return None
        moved = moved_imports(commit.diff_bytes)
        if not moved:
            return None
        typed = type_checking_files(commit.diff_bytes)
        # Confirm on the parsed code: the import now sits in a function's body (not a module-level try/if block).
        into: dict[str, str] = {}
        for fn in commit.functions:
            if fn.language != "python" or fn.after is None or fn.path not in moved:
                continue
            for module in sorted(moved[fn.path]):
                if _imports(fn.after, module) and not (fn.before is not None and _imports(fn.before, module)):
                    into.setdefault(module, fn.qualname)
        for path, modules in moved.items():
            if path in typed:
                for module in sorted(modules - set(into)):
                    into.setdefault(module, "if TYPE_CHECKING")
        if not into:
            return None
        names = ", ".join(f"{m} (into {q})" for m, q in list(into.items())[:3])
        more = f" (+{len(into) - 3} more)" if len(into) > 3 else ""
        return RuleHit(ALONE, f"module-level imports move into functions: {names}{more}; the message says {why.group(0)!r}")
