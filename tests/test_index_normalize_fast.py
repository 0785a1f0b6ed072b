"""Normalised text worked out from the scan's file parse must equal what a parse of the function alone gives."""

from __future__ import annotations

import textwrap

import pytest

from eco.code import extract_functions, parser_for
from eco.index import normalize as N

SOURCE = textwrap.dedent(
    '''
    """Module docstring."""
    import re  # trailing comment


    def top(x, y=3.5):
        """Docstring
    with a line further left than the body."""
        # a comment
        s = "text"  # another
        return x + y + 10


    class Box:
        """Class doc."""

        def method(self, items):
            \'\'\'Method doc.\'\'\'
            total = 0
    # a comment at column 0 inside the method
            for i in items:
                if i:
                    "not a docstring? first statement of the if block"
                    total += i * 2
            return total

        def other(self):
            data = """
            multi-line string

                further right
            """
            return data

        @staticmethod
        def deco(a, b):  # on the def line
            return f"{a} and {b}"
    '''
).lstrip("\n")


def _fast_and_slow(source: str, mask: bool) -> list[tuple[str, str | None, str]]:
    data = source.encode()
    tree = parser_for("python").parse(data)
    fns = extract_functions(data, "python", "m.py", tree=tree)
    N.forget_scan()
    N.normalize_from_file(data, tree, fns, "python", mask)
    out = []
    for f in fns:
        fast = N._from_scan.get((f.code, "python", mask))
        N._normalize_parsed.cache_clear()
        out.append((f.qualname, fast, N._normalize_parsed(f.code, "python", mask)))
    N.forget_scan()
    return out


@pytest.mark.parametrize("mask", [False, True])
def test_file_parse_gives_the_same_text_as_a_parse_of_each_function(mask: bool) -> None:
    rows = _fast_and_slow(SOURCE, mask)
    assert [q for q, _f, _s in rows] == ["top", "Box.method", "Box.other", "Box.deco"]
    done = {q: fast for q, fast, _slow in rows if fast is not None}
    # Box.method has a line left of its def: dedent keeps a smaller margin, so it goes the slow way.
    assert set(done) == {"top", "Box.other", "Box.deco"}
    for q, fast, slow in rows:
        if fast is not None:
            assert fast == slow, q
    assert "Docstring" not in done["top"] and "comment" not in done["top"]
    assert done["Box.deco"].startswith("@staticmethod\ndef deco(a, b):")
    if mask:
        assert '"S"' in done["Box.other"] and "return x + y + 0" in done["top"]


def test_syntax_errors_and_carriage_returns_go_the_slow_way() -> None:
    bad = "def f(x):\n    return x +\n\ndef g():\n    return 1\n"
    assert all(fast is None for _q, fast, _s in _fast_and_slow(bad, False))
    crlf = "def f(x):\r\n    # c\r\n    return x\r\n"
    rows = _fast_and_slow(crlf, False)
    assert rows and all(fast is None for _q, fast, _s in rows)


def test_normalize_code_uses_the_scan_text_until_forgotten() -> None:
    data = b"def f(x):\n    # note\n    return x\n"
    tree = parser_for("python").parse(data)
    fns = extract_functions(data, "python", "m.py", tree=tree)
    assert N.normalize_from_file(data, tree, fns, "python", False) == 1
    N._from_scan[(fns[0].code, "python", False)] = "planted"
    assert N.normalize_code(fns[0].code) == "planted"
    N.forget_scan()
    assert N.normalize_code(fns[0].code) == "def f(x):\n    return x"
