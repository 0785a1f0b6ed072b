"""Fill the prompt templates in ``prompts/`` for one request, redacted and bounded in size.

Templates are data (``string.Template``, ``$var``); this module only computes the variables:
the anti-pattern and its example, precedents of the same category, the context the function
needs (module imports, the enclosing class header, callers' names), and the function itself.
Everything passes through one :class:`~eco.llm.redact.Redactor`, so the caller can restore
secrets in the reply. When the prompt is longer than ``max_chars``, context is trimmed step by
step (callers, evidence, precedents, imports, class, example, description); the function is
never trimmed, and when it alone does not fit the request is refused with :class:`PromptTooLarge`.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from string import Template
from typing import Callable

from eco.draft.base import AntiPatternInfo, DraftRequest
from eco.errors import EcoError
from eco.llm.redact import Redactor
from eco.resources import prompt_path

RECIPES = {
    "zero-shot": "draft_zero_shot",
    "few-shot": "draft_few_shot",
    "chain-of-thought": "draft_chain_of_thought",
}
TRIMMED = "... (trimmed)"
OMITTED = "(omitted for length)"


class PromptTooLarge(EcoError):
    """The function alone does not fit ``llm_max_prompt_chars``."""


class PromptError(EcoError):
    """A prompt template is missing or names a variable eco does not supply."""


@lru_cache(maxsize=None)
def load_template(name: str) -> str:
    try:
        return prompt_path(name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PromptError(str(exc)) from None


def render(name: str, variables: dict[str, str]) -> str:
    try:
        return Template(load_template(name)).substitute(variables)
    except KeyError as exc:
        raise PromptError(f"prompt {name!r} uses ${exc.args[0]}, which eco does not provide") from None
    except ValueError as exc:
        raise PromptError(f"prompt {name!r}: {exc}") from None


def recipe_template(recipe: str) -> str:
    try:
        return RECIPES[recipe]
    except KeyError:
        raise EcoError(f"unknown llm_recipe {recipe!r}; choose one of {', '.join(RECIPES)}") from None


@lru_cache(maxsize=None)
def _checklists() -> dict[str, list[str]]:
    try:
        with prompt_path("review_checklists.toml").open("rb") as fh:
            data = tomllib.load(fh)
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return {}
    return {k: [str(x) for x in v] for k, v in data.items() if isinstance(v, list)}


def checklist_for(kind: str) -> str:
    items = _checklists().get(kind) or _checklists().get("default") or []
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, start=7))


# --- context taken from the file --------------------------------------------------------------

def module_imports(file_source: str, language: str) -> str:
    """The module's import statements (top level, including inside if/try), one per line."""
    if language == "python":
        try:
            tree = ast.parse(file_source)
        except (SyntaxError, ValueError):
            tree = None
        if tree is not None:
            out: list[str] = []
            lines = file_source.splitlines()  # ast.get_source_segment re-splits the file per call

            def walk(body: list[ast.stmt]) -> None:
                for node in body:
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        seg = "\n".join(lines[node.lineno - 1 : node.end_lineno])
                        seg = " ".join(seg.split())
                        if seg not in out:
                            out.append(seg)
                    elif isinstance(node, (ast.If, ast.Try, ast.With)):
                        for part in ("body", "orelse", "finalbody", "handlers"):
                            for child in getattr(node, part, []) or []:
                                walk(child.body if isinstance(child, ast.ExceptHandler) else [child])

            walk(tree.body)
            return "\n".join(out)
    pattern = r"^\s*(?:import\s|from\s+\S+\s+import\s|#include\s|using\s|require\()"
    return "\n".join(line.rstrip() for line in file_source.splitlines() if re.match(pattern, line))


def class_header(file_source: str, qualname: str, language: str, max_lines: int = 12) -> str:
    """The enclosing class line plus its class-level attributes (not its methods)."""
    parts = [p for p in qualname.split(".") if p != "<locals>"]
    if len(parts) < 2 or language != "python":
        return "(module level)"
    try:
        tree = ast.parse(file_source)
    except (SyntaxError, ValueError):
        return "(unknown)"
    body: list[ast.stmt] = tree.body
    cls: ast.ClassDef | None = None
    for name in parts[:-1]:
        cls = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == name), None)
        if cls is None:
            return "(module level)" if name == parts[0] else "(unknown)"
        body = cls.body
    assert cls is not None
    lines = file_source.splitlines()
    first = min([cls.lineno] + [d.lineno for d in cls.decorator_list])
    header_end = cls.body[0].lineno - 1 if cls.body else cls.lineno
    out = lines[first - 1 : max(header_end, cls.lineno)]
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        out.extend(lines[node.lineno - 1 : node.end_lineno])
        if len(out) >= max_lines:
            break
    methods = [n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    text = textwrap.dedent("\n".join(out[:max_lines]))
    if methods:
        text += f"\n    # methods: {', '.join(methods)}"
    return text


def format_example(ap: AntiPatternInfo, language: str) -> str:
    """Before/after pair, or the mined diff with its commit message, or both."""
    parts: list[str] = []
    if ap.before_code or ap.after_code:
        parts.append(f"Before:\n```{language}\n{ap.before_code.rstrip()}\n```\nAfter:\n```{language}\n{ap.after_code.rstrip()}\n```")
    if ap.diff:
        head = f"Precedent commit {ap.commit_sha[:12]}" if ap.commit_sha else "Precedent change"
        message = (ap.message or ap.subject or "").strip()
        if message:
            head += ":\n" + textwrap.indent(message, "    ")
        parts.append(f"{head}\n```diff\n{ap.diff.rstrip()}\n```")
    return "\n\n".join(parts) if parts else "(no example available)"


def pick_precedents(request: DraftRequest, count: int = 2) -> list[AntiPatternInfo]:
    """Up to ``count`` precedents, the finding's own category first, other than the anti-pattern itself."""
    category = request.antipattern.category
    pool = [p for p in request.precedents if p.key != request.antipattern.key]
    same = [p for p in pool if p.category == category]
    rest = [p for p in pool if p.category != category]
    return (same + rest)[:count]


def format_precedents(precedents: list[AntiPatternInfo], language: str) -> str:
    if not precedents:
        return "(no precedents available)"
    return "\n\n".join(
        f"### Precedent {i}: {p.title or p.kind} ({p.kind})\n\n{format_example(p, language)}"
        for i, p in enumerate(precedents, start=1)
    )


def format_evidence(evidence: dict) -> str:
    if not evidence:
        return "(none recorded)"
    try:
        return json.dumps(evidence, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(evidence)


# --- assembly and bounding ----------------------------------------------------------------------

@dataclass
class Prompt:
    """The messages to send, and the redactor that restores secrets in the reply."""

    system: str
    user: str
    redactor: Redactor
    trimmed: list[str]  # which context pieces were cut to fit

    @property
    def messages(self) -> list[tuple[str, str]]:
        return [("system", self.system), ("user", self.user)]

    def __len__(self) -> int:
        return len(self.system) + len(self.user)


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit)].rstrip() + "\n" + TRIMMED


def base_variables(request: DraftRequest) -> dict[str, str]:
    ap = request.antipattern
    language = request.language
    return {
        "language": language,
        "path": request.path,
        "qualname": request.qualname,
        "function_name": request.qualname.split(".")[-1],
        "antipattern_kind": ap.kind,
        "antipattern_title": ap.title or ap.kind,
        "antipattern_category": ap.category,
        "antipattern_description": ap.description.strip() or "(no description)",
        "example": format_example(ap, language),
        "precedents": format_precedents(pick_precedents(request), language),
        "imports": module_imports(request.file_source, language) or "(none)",
        "class_header": class_header(request.file_source, request.qualname, language),
        "callers": ", ".join(request.callers) if request.callers else "(unknown)",
        "evidence": format_evidence(request.evidence),
        "function": textwrap.dedent(request.code).rstrip("\n"),
    }


# Trim steps, in order: each returns the reduced value (or None when it cannot reduce further).
_Step = tuple[str, Callable[[str], str]]
TRIM_STEPS: list[_Step] = [
    ("callers", lambda v: _truncate(v, 200)),
    ("callers", lambda v: OMITTED),
    ("evidence", lambda v: OMITTED),
    ("precedents", lambda v: v.split("\n\n### Precedent 2")[0] if "### Precedent 2" in v else _truncate(v, len(v) // 2)),
    ("precedents", lambda v: _truncate(v, len(v) // 2)),
    ("precedents", lambda v: OMITTED),
    ("imports", lambda v: _truncate(v, 1500)),
    ("imports", lambda v: OMITTED),
    ("class_header", lambda v: v.splitlines()[0] if v else v),
    ("example", lambda v: _truncate(v, len(v) // 2)),
    ("example", lambda v: _truncate(v, len(v) // 2)),
    ("example", lambda v: OMITTED),
    ("antipattern_description", lambda v: _truncate(v, 400)),
    ("new_imports", lambda v: _truncate(v, 300)),
    ("checklist", lambda v: _truncate(v, 300)),
]


def build_prompt(
    template: str,
    variables: dict[str, str],
    max_chars: int,
    redactor: Redactor | None = None,
) -> Prompt:
    """Redact every variable, render, and trim context until the prompt fits ``max_chars``."""
    redactor = redactor or Redactor()
    values = {k: redactor.redact(v) for k, v in variables.items()}
    system = render("system", {})
    trimmed: list[str] = []

    def size() -> int:
        return len(system) + len(render(template, values))

    for key, step in TRIM_STEPS:
        if size() <= max_chars:
            break
        if key not in values:
            continue
        reduced = step(values[key])
        if reduced != values[key]:
            values[key] = reduced
            if key not in trimmed:
                trimmed.append(key)
    total = size()
    if total > max_chars:
        raise PromptTooLarge(
            f"prompt is {total} characters after trimming context, over llm_max_prompt_chars={max_chars}; "
            f"the function alone is {len(values.get('function', ''))} characters"
        )
    return Prompt(system, render(template, values), redactor, trimmed)
