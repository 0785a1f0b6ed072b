"""tree-sitter grammars, from the single-language wheels (no download at run time)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePath

from tree_sitter import Language, Parser

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".java": "java",
    ".go": "go",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
}

LANGUAGES = ("python", "c", "cpp", "java", "go", "javascript")


def detect_language(path: str | PurePath) -> str | None:
    """The language of a file by its extension, or None when eco does not parse it."""
    return EXTENSIONS.get(PurePath(path).suffix.lower())


@lru_cache(maxsize=None)
def language(name: str) -> Language:
    if name == "python":
        import tree_sitter_python as mod
    elif name == "c":
        import tree_sitter_c as mod
    elif name == "cpp":
        import tree_sitter_cpp as mod
    elif name == "java":
        import tree_sitter_java as mod
    elif name == "go":
        import tree_sitter_go as mod
    elif name == "javascript":
        import tree_sitter_javascript as mod
    else:
        raise ValueError(f"unsupported language {name!r}")
    return Language(mod.language())


def parser_for(name: str) -> Parser:
    """A fresh parser (parsers are not thread-safe; languages are cached)."""
    return Parser(language(name))
