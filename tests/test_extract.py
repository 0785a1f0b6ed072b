"""tree-sitter extraction: qualified names and line ranges in every supported language."""

from __future__ import annotations

from eco.code import detect_language, extract_functions, function_at, functions_in_ranges

PY = '''import functools


class Parser:
    @functools.lru_cache(maxsize=None)
    def parse_line(self, line):
        def clean(x):
            return x.strip()
        return clean(line)


def top(a, b):
    return a + b
'''


def test_python_qualnames_and_ranges() -> None:
    fns = {f.qualname: f for f in extract_functions(PY, "python", "p.py")}
    assert set(fns) == {"Parser.parse_line", "Parser.parse_line.clean", "top"}
    parse = fns["Parser.parse_line"]
    assert (parse.start_line, parse.def_line, parse.end_line) == (5, 6, 9)
    assert parse.code.lstrip().startswith("@functools.lru_cache")
    assert fns["top"].code == "def top(a, b):\n    return a + b"
    assert function_at(fns.values(), 8).qualname == "Parser.parse_line.clean"
    assert [f.qualname for f in functions_in_ranges(fns.values(), [(12, 13), (9, 9)])] == ["Parser.parse_line", "top"]


def test_python_with_syntax_error_still_extracts_what_parses() -> None:
    src = "def good():\n    return 1\n\ndef bad(:\n    pass\n"
    names = [f.qualname for f in extract_functions(src, "python")]
    assert "good" in names


def test_content_hash_changes_with_code() -> None:
    a = extract_functions("def f():\n    return 1\n", "python")[0]
    b = extract_functions("def f():\n    return 2\n", "python")[0]
    assert a.content_hash != b.content_hash


def test_other_languages() -> None:
    cases = {
        "c": (b"static int *foo(int a) { return 0; }\nvoid bar(void) {}\n", ["foo", "bar"]),
        "cpp": (b"namespace ns { class A { int f(int x){ return x; } }; }\nint A::g() { return 1; }\n", ["ns.A.f", "A.g"]),
        "java": (b"class A { void m() {} A() {} class B { int z() { return 1; } } }\n", ["A.m", "A.A", "A.B.z"]),
        "go": (b"package m\nfunc (s *S) F() {}\nfunc G() {}\n", ["S.F", "G"]),
        "javascript": (b"class A { m() {} }\nfunction f() {}\nconst g = () => 1;\n", ["A.m", "f", "g"]),
    }
    for lang, (src, expected) in cases.items():
        assert [f.qualname for f in extract_functions(src, lang)] == expected, lang


def test_detect_language() -> None:
    assert detect_language("x/y.py") == "python"
    assert detect_language("a.hpp") == "cpp"
    assert detect_language("README.md") is None


def test_form_feed_does_not_shift_lines() -> None:
    src = "def a():\n    return 1\n\x0c\ndef b():\n    return 2\n"
    fns = {f.qualname: f for f in extract_functions(src, "python")}
    assert fns["b"].code == "def b():\n    return 2"
    assert fns["b"].start_line == 4
