"""Self-review: every draft is checked before it costs a test run, and criticised when an LLM is at hand.

The structural checks apply to every drafter and need nothing but the source: the edit parses,
is one definition of the same function (so it touches only the candidate), introduces no name
that is not defined anywhere it could come from, and actually changes something. With an LLM,
the review prompt then asks the checklist questions of the anti-pattern (behaviour, exceptions,
ordering, mutation, return type, real speed) and returns accept, revise or reject; a revision
goes through the structural checks again, for at most ``review_rounds`` rounds.

Usage from the pipeline::

    verdict = self_review(request, result, settings)      # chat_model=... in tests
    if verdict.verdict == "accept":
        final = verdict.revised or result                  # validate this one
    else:
        record("rejected_by_self_review", verdict.reasons)
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import symtable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from eco.config import Settings
from eco.draft.base import DraftRequest, DraftResult
from eco.draft.codetext import dedent_code, leading_indent, parse_code, reindent, same_code

_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
_MODULE_DUNDERS = {
    "__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__", "__builtins__",
    "__path__", "__annotations__", "__dict__", "__class__", "__debug__", "__qualname__", "__module__",
}
VERDICTS = ("accept", "revise", "reject")


# --- names ---------------------------------------------------------------------------------------

def _symtable(code: str) -> symtable.SymbolTable | None:
    try:
        return symtable.symtable(code, "<eco>", "exec")
    except (SyntaxError, ValueError):
        return None


def module_names(file_source: str) -> tuple[set[str], bool]:
    names, star = _module_names(file_source)
    return set(names), star


@lru_cache(maxsize=32)  # the same file is checked for every draft of every function in it
def _module_names(file_source: str) -> tuple[frozenset[str], bool]:
    """Names bound at module level (and globals assigned inside functions); and whether a star import hides more."""
    star = bool(re.search(r"^\s*from\s+\S+\s+import\s+\*", file_source, re.MULTILINE))
    table = _symtable(file_source)
    if table is None:
        return frozenset(), True  # cannot know: behave as if anything may exist
    names = {
        s.get_name() for s in table.get_symbols()
        if s.is_assigned() or s.is_imported() or s.is_namespace() or getattr(s, "is_type_parameter", lambda: False)()
    }
    stack = list(table.get_children())
    while stack:
        t = stack.pop()
        for s in t.get_symbols():
            if s.is_declared_global() and s.is_assigned():
                names.add(s.get_name())
        stack.extend(t.get_children())
    return frozenset(names), star


@lru_cache(maxsize=32)
def class_body_names(file_source: str, qualname: str) -> frozenset[str]:
    """Names bound in the enclosing class body (visible to decorators and defaults of a method)."""
    parts = [p for p in qualname.split(".") if p != "<locals>"]
    if len(parts) < 2:
        return frozenset()
    try:
        tree = ast.parse(file_source)
    except (SyntaxError, ValueError):
        return frozenset()
    body: list[ast.stmt] = tree.body
    cls = None
    for name in parts[:-1]:
        cls = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == name), None)
        if cls is None:
            return frozenset()
        body = cls.body
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        for sub in ast.walk(node) if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) else ():
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
    return frozenset(names)


def free_global_names(code: str) -> tuple[set[str], set[str]]:
    """Names the code reads from outside itself: (from inside functions, from its own top level).

    Scope rules come from :mod:`symtable`, so comprehension variables, nested functions, lambdas,
    ``global`` and ``nonlocal`` are resolved the way Python resolves them.
    """
    table = _symtable(code)
    if table is None:
        return set(), set()
    top_bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    top_refs = {s.get_name() for s in table.get_symbols() if s.is_referenced() and s.get_name() not in top_bound}
    inner: set[str] = set()
    declared_assigned: set[str] = set()
    stack = list(table.get_children())
    while stack:
        t = stack.pop()
        for s in t.get_symbols():
            if s.is_global():
                if s.is_declared_global() and s.is_assigned():
                    declared_assigned.add(s.get_name())
                elif s.is_referenced():
                    inner.add(s.get_name())
        stack.extend(t.get_children())
    inner -= top_bound | declared_assigned
    return inner, top_refs - declared_assigned


def import_names(statements: list[str]) -> set[str]:
    names: set[str] = set()
    for stmt in statements:
        try:
            tree = ast.parse(stmt)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names.update((a.asname or a.name.split(".")[0]) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                names.update((a.asname or a.name) for a in node.names if a.name != "*")
    return names


def undefined_names(request: DraftRequest, code: str, imports: list[str]) -> set[str]:
    """Names ``code`` uses that nothing defines (module, builtins, new imports, enclosing class)."""
    known, star = module_names(request.file_source)
    if star:
        return set()
    known |= set(dir(builtins)) | _MODULE_DUNDERS | import_names(imports)
    inner, top = free_global_names(dedent_code(code))
    class_names = class_body_names(request.file_source, request.qualname)
    return (inner - known) | (top - known - class_names)


# --- structural checks ---------------------------------------------------------------------------

def _describe(node: ast.stmt) -> str:
    if isinstance(node, (*_FUNCTION_NODES, ast.ClassDef)):
        kind = "class" if isinstance(node, ast.ClassDef) else "function"
        return f"{kind} {node.name} (line {node.lineno})"
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return f"an import statement at line {node.lineno} (imports go in the imports list)"
    return f"a top-level {type(node).__name__} statement at line {node.lineno}"


def structural_checks(request: DraftRequest, result: DraftResult) -> list[str]:
    """Problems that disqualify an edit from any drafter; an empty list means it may go on."""
    code = result.new_code
    if code is None or not code.strip():
        return ["empty edit: the draft has no code"]
    name = request.qualname.split(".")[-1]
    if request.language != "python":
        problems = []
        if name not in code:
            problems.append(f"the draft does not mention the function name {name}")
        if same_code(code, request.code):
            problems.append("identical to the original (modulo whitespace)")
        return problems
    try:
        tree = parse_code(code)
    except SyntaxError as exc:
        return [f"does not parse: line {exc.lineno}: {exc.msg}"]
    except ValueError as exc:
        return [f"does not parse: {exc}"]
    problems: list[str] = []
    functions = [n for n in tree.body if isinstance(n, _FUNCTION_NODES)]
    target = next((n for n in functions if n.name == name), None)
    if not functions:
        problems.append(f"defines no function (expected {name})")
    elif target is None:
        problems.append(f"defines {', '.join(n.name for n in functions)}, not {name}")
    extras = [n for n in tree.body if n is not target]
    if target is not None and extras:
        problems.append(
            "touches more than the candidate function: also " + "; ".join(_describe(n) for n in extras[:5])
        )
    for stmt in result.imports:
        try:
            parsed = ast.parse(stmt.strip())
        except SyntaxError:
            problems.append(f"not an import statement: {stmt!r}")
            continue
        if len(parsed.body) != 1 or not isinstance(parsed.body[0], (ast.Import, ast.ImportFrom)):
            problems.append(f"not an import statement: {stmt!r}")
    if same_code(code, request.code):
        problems.append("identical to the original (modulo whitespace)")
    if target is not None and not extras:
        added = undefined_names(request, code, result.imports) - undefined_names(request, request.code, [])
        if added:
            problems.append(f"uses undefined name{'s' if len(added) > 1 else ''}: {', '.join(sorted(added))}")
    return problems


# --- self-review -----------------------------------------------------------------------------------

@dataclass
class ReviewVerdict:
    """``accept`` or ``reject`` with reasons; ``revised`` is the draft to validate when the review rewrote it."""

    verdict: str
    reasons: list[str] = field(default_factory=list)
    revised: DraftResult | None = None
    rounds: int = 0  # LLM review calls made
    used_llm: bool = False
    retries: list[Any] = field(default_factory=list)  # eco.llm.client.RetryEvent of the review calls

    @property
    def accepted(self) -> bool:
        return self.verdict == "accept"


def parse_verdict(text: str) -> dict[str, Any] | None:
    """The review's JSON object, found in raw JSON, a fenced block or prose; None when absent."""
    decoder = json.JSONDecoder()
    candidates: list[Any] = []
    stripped = text.strip()
    try:
        candidates.append(json.loads(stripped))
    except (json.JSONDecodeError, ValueError):
        for i, ch in enumerate(text):
            if ch == "{":
                try:
                    obj, _ = decoder.raw_decode(text, i)
                except json.JSONDecodeError:
                    continue
                candidates.append(obj)
    for obj in candidates:
        if not isinstance(obj, dict):
            continue
        verdict = str(obj.get("verdict", "")).strip().lower()
        if verdict not in VERDICTS:
            continue
        reasons = obj.get("reasons", [])
        if isinstance(reasons, str):
            reasons = [reasons]
        revised = obj.get("revised_code")
        return {
            "verdict": verdict,
            "reasons": [str(r) for r in reasons if str(r).strip()] if isinstance(reasons, list) else [str(reasons)],
            "revised_code": revised if isinstance(revised, str) and revised.strip() else None,
        }
    m = re.search(r"\bverdict\b\W{0,5}(accept|revise|reject)\b", text, re.IGNORECASE)
    if m:
        return {"verdict": m.group(1).lower(), "reasons": [" ".join(text.split())[:300]], "revised_code": None}
    return None


def _use_llm(settings: Settings, chat_model: Any) -> bool:
    from eco.llm.client import llm_configured

    mode = settings.self_review
    if mode == "structural":
        return False
    if mode == "llm":
        return True
    if mode != "auto":
        from eco.errors import ConfigError

        raise ConfigError(f"self_review must be auto, llm or structural, got {mode!r}")
    return chat_model is not None or llm_configured(settings)


def self_review(
    request: DraftRequest,
    result: DraftResult,
    settings: Settings,
    chat_model: Any = None,
) -> ReviewVerdict:
    """Structural checks, then (with an LLM) the review prompt and up to ``review_rounds`` revisions.

    Raises :class:`eco.llm.client.LLMError` when the endpoint fails after retries (the pipeline
    records that as ``error``, not as a rejection).
    """
    problems = structural_checks(request, result)
    if problems:
        return ReviewVerdict("reject", problems)
    if not _use_llm(settings, chat_model):
        return ReviewVerdict("accept", ["structural checks passed"])

    from eco.llm.client import ChatClient

    client = ChatClient.from_settings(settings, chat_model)
    verdict = _review_loop(request, result, settings, client)
    verdict.retries = list(client.events)
    return verdict


def _review_loop(request: DraftRequest, result: DraftResult, settings: Settings, client: Any) -> ReviewVerdict:
    from eco.llm.parse import parse_reply
    from eco.llm.prompts import PromptTooLarge, base_variables, build_prompt, checklist_for
    from eco.llm.redact import Redactor

    current = result
    reasons_so_far: list[str] = []
    rounds = max(0, settings.review_rounds)
    for round_no in range(rounds + 1):
        redactor = Redactor()
        variables = base_variables(request)
        variables.update(
            new_function=dedent_code(current.new_code or "").rstrip("\n"),
            new_imports=", ".join(current.imports) if current.imports else "(none)",
            checklist=checklist_for(request.antipattern.kind),
            drafter=current.drafter,
        )
        done = round_no + 1
        try:
            prompt = build_prompt("review", variables, settings.llm_max_prompt_chars, redactor)
        except PromptTooLarge as exc:
            return ReviewVerdict("reject", reasons_so_far + [f"cannot review: {exc}"], rounds=round_no, used_llm=True)
        text = client.complete(prompt.messages, want_json=True)
        verdict = parse_verdict(text)
        if verdict is None:
            return ReviewVerdict("reject", ["malformed review reply: no verdict found"], rounds=done, used_llm=True)
        reasons = verdict["reasons"]
        if verdict["verdict"] == "accept":
            revised = current if current is not result else None
            return ReviewVerdict("accept", reasons_so_far + reasons, revised, rounds=done, used_llm=True)
        if verdict["verdict"] == "reject":
            return ReviewVerdict("reject", reasons_so_far + reasons, rounds=done, used_llm=True)
        # revise
        if not verdict["revised_code"]:
            return ReviewVerdict(
                "reject", reasons_so_far + reasons + ["review asked for a revision but gave no code"],
                rounds=done, used_llm=True,
            )
        if round_no >= rounds:
            return ReviewVerdict(
                "reject", reasons_so_far + reasons + [f"still asks for revision after {rounds} revision round(s)"],
                rounds=done, used_llm=True,
            )
        code_text = verdict["revised_code"]
        if "```" not in code_text and "~~~" not in code_text:
            code_text = f"```python\n{code_text}\n```"
        parsed = parse_reply(code_text, request.qualname, request.path)
        if parsed.code is None:
            return ReviewVerdict(
                "reject", reasons_so_far + reasons + [f"revised code unusable: {parsed.problem}"],
                rounds=done, used_llm=True,
            )
        new_code = reindent(redactor.restore(parsed.code) or "", leading_indent(request.code))
        imports = list(current.imports)
        for imp in parsed.imports:
            restored = redactor.restore(imp) or imp
            if restored not in imports:
                imports.append(restored)
        current = DraftResult(
            drafter=result.drafter,
            new_code=new_code,
            imports=imports,
            notes=(result.notes + f"\nrevised by self-review round {done}: " + "; ".join(reasons)).strip(),
            raw=result.raw,
        )
        problems = structural_checks(request, current)
        if problems:
            return ReviewVerdict(
                "reject", reasons_so_far + reasons + [f"revised code fails checks: {p}" for p in problems],
                rounds=done, used_llm=True,
            )
        reasons_so_far += [f"round {done}: {r}" for r in reasons]
    return ReviewVerdict("reject", reasons_so_far + ["review did not converge"], rounds=rounds + 1, used_llm=True)
