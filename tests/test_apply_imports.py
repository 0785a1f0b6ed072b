"""Splicing a drafted function back into its file, imports included."""

from __future__ import annotations

from eco.apply import missing_imports, splice as splice_function

SOURCE = '''"""Module doc."""

from __future__ import annotations

import re
from collections import Counter


def a():
    return 1


class K:
    def m(self):
        return [1]
'''


def test_replaces_only_the_function_lines_and_adds_imports_after_the_last_import() -> None:
    new = "    def m(self):\n        return deque([1])"
    out = splice_function(SOURCE, 14, 15, new, ["from collections import deque", "import re"])
    assert out.splitlines()[6] == "from collections import deque"
    assert "        return deque([1])\n" in out and "return [1]" not in out
    assert out.count("import re\n") == 1
    compile(out, "<out>", "exec")


def test_existing_import_is_not_repeated_and_docstring_only_module_gets_imports_after_it() -> None:
    assert missing_imports(SOURCE, ["from collections import Counter", "import heapq"]) == ["import heapq"]
    out = splice_function('"""Doc."""\n\n\ndef f():\n    return 1\n', 4, 5, "def f():\n    return heapq.nlargest(1, [1])",
                          ["import heapq"])
    assert out.startswith('"""Doc."""\nimport heapq\n')
    compile(out, "<out>", "exec")
