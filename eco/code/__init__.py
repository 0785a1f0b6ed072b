"""Source code as functions: language detection and tree-sitter extraction."""

from eco.code.extract import Function, extract_functions, function_at, functions_in_ranges
from eco.code.languages import detect_language, parser_for

__all__ = ["Function", "extract_functions", "function_at", "functions_in_ranges", "detect_language", "parser_for"]
