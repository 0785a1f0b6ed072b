"""Reply parsing: every fence style, prose around code, refusals of other files and other functions."""

from __future__ import annotations

import pytest

from eco.llm.parse import fenced_blocks, parse_imports, parse_reply

GOOD = "def f(xs, ys):\n    s = set(ys)\n    return [x for x in xs if x in s]\n"


@pytest.mark.parametrize(
    "reply",
    [
        f"Here you go:\n```python\n{GOOD}```\nDone.",
        f"```py\n{GOOD}```",
        f"```Python3\n{GOOD}```",
        f"```\n{GOOD}```",
        f"~~~python\n{GOOD}~~~",
        f"````python\n{GOOD}````",
        f"  ```python\n  {GOOD.replace(chr(10), chr(10) + '  ').rstrip()}\n  ```",
        GOOD,
        f"Sure, the fix:\n\n{GOOD}\nThis avoids the linear scan.",
        f"```python\n{GOOD}",  # unterminated fence
    ],
)
def test_fence_variants(reply: str) -> None:
    parsed = parse_reply(reply, "mod.f", "pkg/mod.py")
    assert parsed.problem == ""
    assert parsed.code == GOOD


def test_last_matching_block_wins_over_the_repeated_original() -> None:
    original = "def f(xs, ys):\n    return [x for x in xs if x in ys]\n"
    reply = f"Original:\n```python\n{original}```\nRewritten:\n```python\n{GOOD}```"
    assert parse_reply(reply, "f", "a.py").code == GOOD


def test_non_python_blocks_are_ignored() -> None:
    reply = f"```text\nsome output\n```\n```python\n{GOOD}```"
    assert parse_reply(reply, "f", "a.py").code == GOOD


def test_imports_lifted_from_block_and_section() -> None:
    reply = (
        "```python\nfrom collections import deque\n\ndef f(q):\n    d = deque(q)\n    return d.popleft()\n```\n"
        "IMPORTS:\n- `import heapq`\n- from itertools import islice\n"
    )
    parsed = parse_reply(reply, "f", "a.py")
    assert parsed.code is not None and parsed.code.startswith("def f(q):")
    assert "import" not in parsed.code.splitlines()[0]
    assert set(parsed.imports) == {"from collections import deque", "import heapq", "from itertools import islice"}


def test_imports_none_and_garbage() -> None:
    assert parse_imports("IMPORTS: none") == []
    assert parse_imports("IMPORTS: import os; rm -rf /") == ["import os"]


def test_method_from_whole_class_reply() -> None:
    reply = "```python\nclass C:\n    x = 1\n\n    @staticmethod\n    def f():\n        return 3\n```"
    parsed = parse_reply(reply, "C.f", "a.py")
    assert parsed.code == "@staticmethod\ndef f():\n    return 3\n"


def test_other_function_is_refused() -> None:
    parsed = parse_reply("```python\ndef g(xs):\n    return xs\n```", "mod.f", "a.py")
    assert parsed.code is None
    assert parsed.problem.startswith("refused") and "g" in parsed.problem


@pytest.mark.parametrize(
    "reply",
    [
        "--- a/other.py\n+++ b/other.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n",
        "diff --git a/lib/other.py b/lib/other.py\n",
        f"```python\n# file: other.py\n{GOOD}```",
        f"```python\n# path: src/elsewhere.py\n{GOOD}```",
    ],
)
def test_other_file_is_refused(reply: str) -> None:
    parsed = parse_reply(reply, "f", "pkg/mod.py")
    assert parsed.code is None
    assert parsed.problem.startswith("refused: reply edits another file")


def test_markdown_rules_and_tables_are_not_diff_headers() -> None:
    reply = f"Analysis\n---\nSome prose\n\n| a | b |\n--- | ---\n\n```python\n{GOOD}```\n---\nDone"
    assert parse_reply(reply, "f", "pkg/mod.py").code == GOOD


def test_same_file_marker_is_accepted() -> None:
    parsed = parse_reply(f"```python\n# file: pkg/mod.py\n{GOOD}```", "f", "pkg/mod.py")
    assert parsed.code == GOOD


@pytest.mark.parametrize("reply", ["", "   ", "I cannot help with that.", "```python\ndef f(:\n```"])
def test_malformed(reply: str) -> None:
    parsed = parse_reply(reply, "f", "a.py")
    assert parsed.code is None
    assert parsed.problem.startswith("malformed")


def test_extra_top_level_code_is_kept_for_the_checks_to_see() -> None:
    reply = "```python\ndef helper():\n    pass\n\ndef f():\n    return helper()\n```"
    parsed = parse_reply(reply, "f", "a.py")
    assert parsed.code is not None and "def helper" in parsed.code


def test_fenced_blocks_positions() -> None:
    blocks = fenced_blocks("a\n```py\nx = 1\n```\nb\n~~~\ny\n~~~\n")
    assert [(b.info, b.code) for b in blocks] == [("py", "x = 1\n"), ("", "y\n")]
