"""Splicing a drafted function back into its file, and the diff that describes it."""

from __future__ import annotations

import ast

import pytest

from eco.apply import is_empty_edit, missing_imports, splice, unified_diff

SOURCE = '''"""Module docstring."""

from __future__ import annotations

import os
from typing import Any


def first(items):
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


class Box:
    def take(self, q):
        # keep this comment
        return q.pop(0)


X = 1
'''


def test_splice_replaces_only_the_function_and_adds_imports_after_leading_imports() -> None:
    new = splice(SOURCE, 9, 14, "def first(items):\n    return list(dict.fromkeys(items))", ["from collections import deque", "import os"])
    ast.parse(new)
    lines = new.splitlines()
    # import after the existing block, not before the docstring / __future__
    assert lines[:7] == ['"""Module docstring."""', "", "from __future__ import annotations", "", "import os",
                         "from typing import Any", "from collections import deque"]
    assert new.count("import os") == 1  # already bound: not added twice
    assert "return list(dict.fromkeys(items))" in new
    assert "if x not in out" not in new
    assert "# keep this comment" in new and new.endswith("X = 1\n")


def test_splice_reindents_a_dedented_method() -> None:
    new = splice(SOURCE, 18, 20, "def take(self, q):\n    return q.popleft()\n", [])
    assert "    def take(self, q):\n        return q.popleft()\n" in new
    ast.parse(new)


def test_splice_rejects_a_range_outside_the_file() -> None:
    with pytest.raises(ValueError):
        splice(SOURCE, 40, 50, "x = 1", [])


def test_missing_imports_and_empty_edits() -> None:
    assert missing_imports(SOURCE, ["import os", "from typing import Any", "import re"]) == ["import re"]
    assert is_empty_edit("def f():\n    return 1", "def f():\n        return 1\n")
    assert is_empty_edit("def f(): pass", None)
    assert not is_empty_edit("def f():\n    return 1", "def f():\n    return 2")


def test_unified_diff_has_git_paths() -> None:
    new = splice(SOURCE, 9, 14, "def first(items):\n    return list(dict.fromkeys(items))", [])
    diff = unified_diff("pkg/mod.py", SOURCE, new)
    assert diff.startswith("--- a/pkg/mod.py\n+++ b/pkg/mod.py\n")
    assert "-        if x not in out:" in diff and "+    return list(dict.fromkeys(items))" in diff
