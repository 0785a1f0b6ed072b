"""The text a learned commit classifier reads: subject, body without trailers, and the release note a commit adds.

Used by ``commit_dataset.py`` (to store it) and ``message_model_loro.py`` (to turn it into features). Pure
Python, cheap per commit (one pass over the message, one regex pass over the diff when release notes changed),
so a model over these features could run inside the miner at ``git log -p`` speed.
"""

from __future__ import annotations

import re

from eco.mine.rules import CommitView

_WORD = re.compile(r"[a-z][a-z0-9_]*|\d+(?:\.\d+)?x\b|\d+")
_TRAILER_LINE = re.compile(r"^\s*(?:signed-off-by|co-authored-by|reviewed-by|\(cherry picked)", re.I)
MAX_BODY_CHARS = 3000  # a long body (a PR template, a pasted log) says nothing more per character

# Where projects keep release notes: changelog files and towncrier-style fragment folders.
_NOTES_PATH = re.compile(
    r"(?:^|/)(?:CHANGES?|CHANGELOG|NEWS|HISTORY|RELEASE[-_]?NOTES|WHATSNEW)(?:\.[^/]*)?$"
    r"|(?:^|/)(?:changes|changelog|changelog\.d|changes\.d|news|newsfragments|whatsnew|release[-_]?notes)/",
    re.I,
)
_FILE = re.compile(rb"^diff --git a/.*? b/(.*)$", re.M)
_PLUS = re.compile(rb"^\+(?!\+\+ )(.*)$", re.M)
MAX_NOTE_LINES = 12  # more than a fragment or two is a release compiling its notes, not this change's entry


def words(text: str) -> list[str]:
    """Lower-case words; numbers become ``<n>``, a factor such as ``2.5x`` becomes ``<nx>``."""
    out = []
    for w in _WORD.findall(text.lower()):
        if w[0].isdigit():
            w = "<nx>" if w.endswith("x") else "<n>"
        out.append(w)
    return out


def release_note(commit: CommitView) -> str:
    """The lines a commit adds to release notes, when it adds a short entry (not a whole release's)."""
    if not any(_NOTES_PATH.search(p) for p in commit.paths):
        return ""
    diff = commit.diff_bytes
    heads = list(_FILE.finditer(diff))
    lines: list[str] = []
    for i, head in enumerate(heads):
        if _NOTES_PATH.search(head.group(1).decode("utf-8", "replace")):
            block = diff[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(diff)]
            lines += [t.decode("utf-8", "replace") for t in _PLUS.findall(block) if t.strip()]
    return "\n".join(lines) if 0 < len(lines) <= MAX_NOTE_LINES else ""


def message_parts(commit: CommitView) -> tuple[str, str, str]:
    """(subject, body without trailers, release-note entry): the text the model reads."""
    body = "\n".join(ln for ln in commit.body.splitlines() if not _TRAILER_LINE.match(ln))[:MAX_BODY_CHARS]
    return commit.subject, body, release_note(commit)


def features(subject: str, body: str, note: str) -> list[str]:
    """Feature names of one commit: subject words and word pairs (``s:``), body and note words and pairs."""
    out: set[str] = set()
    for prefix, text in (("s:", subject), ("b:", body), ("b:", note)):
        ws = words(text)
        out.update(prefix + w for w in ws)
        out.update(f"{prefix}{a} {b}" for a, b in zip(ws, ws[1:]))
    return sorted(out)
