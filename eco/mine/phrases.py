"""Phrases that more than one built-in mining rule reads, written once so that the rules cannot drift apart.

An import moved into a function for an import cycle or for an optional extra is moved for correctness, not
start-up time: the deferred-imports rule must not score it, and the message-keywords rule must not read its
"lazy"/"defer" words as a speed claim.
"""

from __future__ import annotations

import re

IMPORT_CYCLE = re.compile(r"\bcircular\b|\bimport\s+cycles?\b|\bcyclic\s+imports?\b|\bimport\s+loops?\b", re.I)
# Pattern text, for rules that combine it into a larger alternation: "works without the redis extra".
WITHOUT_EXTRA = r"\bwithout\s+(?:the\s+)?[\w.-]+\s+extras?\b"
