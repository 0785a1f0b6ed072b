"""Drafters: turn a finding into an edited function (LLM or offline codemods)."""

from eco.draft.base import AntiPatternInfo, DraftRequest, DraftResult, Drafter

__all__ = ["AntiPatternInfo", "DraftRequest", "DraftResult", "Drafter"]
