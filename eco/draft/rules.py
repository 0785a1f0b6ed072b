"""The offline drafter: libcst codemods, one per catalog anti-pattern with a safe mechanical fix.

Each codemod states its preconditions and refuses when they do not hold; a refusal is returned
as a ``DraftResult`` with ``new_code=None`` and the reason in ``notes``, so the pipeline records an
``empty_edit`` that says why rather than a silent nothing.
"""

from __future__ import annotations

import logging
import textwrap

from eco.draft.base import AntiPatternInfo, DraftRequest, DraftResult
from eco.draft.codemods import REGISTRY, Codemod, FunctionContext, Refusal, module_context

log = logging.getLogger(__name__)


def codemods_for(kind: str) -> list[Codemod]:
    return list(REGISTRY.get(kind, ()))


def supported_kinds() -> list[str]:
    return sorted(REGISTRY)


def apply_codemod(mod: Codemod, code: str, file_source: str = "", qualname: str = "") -> DraftResult:
    """Run one codemod on one function's code; never raises for a refusal."""
    drafter = f"rules:{mod.name}"
    try:
        ctx = FunctionContext(code, module_context(file_source or textwrap.dedent(code)), qualname=qualname)
        notes = mod.run(ctx)
        if not ctx.edited():
            raise Refusal("nothing to rewrite")
        new_code = ctx.render()
    except Refusal as exc:
        log.info("%s refused %s: %s", drafter, qualname, exc)
        return DraftResult(drafter=drafter, new_code=None, notes=f"not applied: {exc}")
    except Exception as exc:  # a codemod bug must cost one empty edit, never the run
        log.warning("%s failed on %s: %r", drafter, qualname, exc, exc_info=True)
        return DraftResult(drafter=drafter, new_code=None, notes=f"not applied: codemod error ({type(exc).__name__}: {exc})")
    if new_code == code:
        return DraftResult(drafter=drafter, new_code=None, notes="not applied: the rewrite changed nothing")
    try:
        indented = new_code[:1] in (" ", "\t")
        compile(("if True:\n" if indented else "") + new_code + "\n", "<codemod>", "exec")
    except SyntaxError as exc:  # a codemod bug; report it as an empty edit rather than a broken patch
        log.warning("%s produced code that does not compile: %s", drafter, exc)
        return DraftResult(drafter=drafter, new_code=None, notes=f"not applied: rewrite did not compile ({exc.msg})")
    return DraftResult(drafter=drafter, new_code=new_code, imports=list(ctx.imports),
                       notes=f"{mod.summary} Checked: {notes}")


class RulesDrafter:
    """Drafter "rules": the registered codemods for ``request.antipattern.kind``, most conservative first."""

    name = "rules"

    def __init__(self, settings: object | None = None) -> None:
        self.settings = settings  # accepted for symmetry with the LLM drafter; codemods need none

    def draft(self, request: DraftRequest) -> list[DraftResult]:
        kind = request.antipattern.kind
        if request.language != "python":
            return [DraftResult(drafter="rules", new_code=None, notes=f"not applied: no codemods for {request.language}")]
        mods = codemods_for(kind)
        if not mods:
            return [DraftResult(drafter="rules", new_code=None, notes=f"not applied: no codemod for kind {kind!r}")]
        results = [apply_codemod(m, request.code, request.file_source, request.qualname) for m in mods]
        good = [r for r in results if r.new_code is not None]
        if good:
            return good
        return [DraftResult(drafter=results[0].drafter if len(results) == 1 else "rules", new_code=None,
                            notes="; ".join(r.notes for r in results))]


def draft_function(source: str, path: str, qualname: str, kind: str) -> tuple[object, DraftResult]:
    """Draft one function of a file by qualified name against a catalog kind (tests, benchmarks, demos).

    Returns the extracted ``eco.code.Function`` and the first result; raises KeyError if the
    function is not in the file.
    """
    from eco.code import extract_functions

    fn = next((f for f in extract_functions(source, "python", path) if f.qualname == qualname), None)
    if fn is None:
        raise KeyError(f"{path}: no function {qualname}")
    req = DraftRequest(finding_id=0, path=path, qualname=qualname, language="python", code=fn.code,
                       start_line=fn.start_line, end_line=fn.end_line, file_source=source, base_sha="",
                       antipattern=AntiPatternInfo(key=f"catalog:{kind}", kind=kind, source="catalog"))
    return fn, RulesDrafter().draft(req)[0]
