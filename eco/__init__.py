"""eco: learn performance fixes from a repository's history and apply them to its hot code."""

__version__ = "0.1.0"
