"""libcst codemods for anti-patterns with a safe mechanical fix, registered by catalog kind id.

Importing this package registers every codemod module listed in ``_MODULES``.
"""

from __future__ import annotations

import importlib

from eco.draft.codemods.base import REGISTRY, Codemod, FunctionContext, Refusal, Rewrite, codemod
from eco.draft.codemods.modctx import ModuleContext, module_context

_MODULES = (
    "dict_keys_membership",
    "comprehension_to_generator",
    "sort_for_min_max",
    "sort_for_top_k",
    "list_membership",
    "string_concat",
    "list_pop_front",
    "regex_compile",
    "missing_cache",
    "loop_invariant_set",
    "list_concat",
    "count_in_loop",
    "list_insert_front",
    "list_index",
    "needless_list_copy",
    "deepcopy_readonly",
    "nested_loop_join",
    "startswith_chain",
    "list_first_key",
)

for _m in _MODULES:
    importlib.import_module(f"eco.draft.codemods.{_m}")

__all__ = ["REGISTRY", "Codemod", "FunctionContext", "ModuleContext", "Refusal", "Rewrite", "codemod",
           "module_context"]
