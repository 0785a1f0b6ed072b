"""``eco index`` and ``eco find``."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Callable, Iterator, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from eco.cli.common import JsonOpt, RepoArg, app, console, err_console, print_json
from eco.errors import EcoError
from eco.workspace import open_workspace

EmbedderOpt = Annotated[
    Optional[str],
    typer.Option("--embedder", help="minilm (default), static, bow, or a local sentence-transformers model name/path."),
]

_LABELS = {"scan": "reading functions at HEAD", "embed": "embedding changed functions", "match": "matching"}


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_LABELS.get(stage, stage), total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        yield update


@app.command("index")
def index_command(repo: RepoArg = Path("."), embedder: EmbedderOpt = None, json_out: JsonOpt = False) -> None:
    """Extract every function at HEAD (tracked files only) and embed the changed ones into the FAISS
    index under REPO/.eco/index/. Incremental: unchanged functions are never embedded again."""
    from eco.index import build_index

    with open_workspace(repo, flags={"embedder": embedder}) as ws, _progress(err_console.is_terminal) as cb:
        summary = build_index(ws, cb)
    for w in summary.warnings:
        err_console.print(f"[yellow]eco: warning:[/] {w}", highlight=False)
    if json_out:
        print_json(summary.as_dict())
        return
    sc = summary.scan
    console.print(
        f"[bold]{sc.functions}[/] functions in {sc.files_seen - sc.skipped_excluded - sc.skipped_large} files "
        f"({', '.join(f'{k} {v}' for k, v in sorted(sc.by_language.items())) or 'no changes parsed'}); "
        f"embedded {summary.embedded}, removed {summary.removed}, index holds {summary.total} "
        f"[{summary.embedder}, {summary.dim}d] in {summary.seconds:.1f}s"
    )
    skipped = {"excluded": sc.skipped_excluded, "over size limit": sc.skipped_large, "not UTF-8 (decoded with replacement)": sc.non_utf8,
               "with syntax errors (indexed what parsed)": sc.syntax_errors}
    notes = [f"{v} {k}" for k, v in skipped.items() if v]
    if notes:
        console.print("files: " + "; ".join(notes))


@app.command("find")
def find_command(
    repo: RepoArg = Path("."),
    top: Annotated[Optional[int], typer.Option("--top", help="Show the N best findings (default: the 'top' setting; 0 = all).")] = None,
    embedder: EmbedderOpt = None,
    json_out: JsonOpt = False,
    sarif: Annotated[Optional[Path], typer.Option("--sarif", help="Also write the findings as SARIF 2.1.0 to FILE (GitHub code scanning).")] = None,
) -> None:
    """Rank functions that still have the shape of a known slow pattern (catalog and mined), confirmed
    structurally where a detector exists and ordered by profile hotness when a profile was ingested.
    Syncs the catalog and updates the index first."""
    from eco.match import finding_to_dict, find_findings
    from eco.sarif import findings_to_sarif

    if top is not None and top < 0:
        raise EcoError("--top must be 0 (all) or a positive number")
    with open_workspace(repo, flags={"embedder": embedder}) as ws, _progress(err_console.is_terminal) as cb:
        findings = find_findings(ws, top=top, progress=cb)
    if sarif is not None:
        try:
            sarif.write_text(json.dumps(findings_to_sarif(findings), indent=2))
        except OSError as exc:
            raise EcoError(f"{sarif}: cannot write SARIF: {exc.strerror}") from None
    rows = [finding_to_dict(f) for f in findings]
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print("no findings")
        return
    table = Table(title=f"{len(rows)} findings", show_lines=False)
    for col in ("score", "anti-pattern", "function", "where", "evidence"):
        table.add_column(col, overflow="fold")
    for r in rows:
        ev = r["evidence"]
        hits = ev.get("detector") or []
        why = hits[0]["message"] if hits else f"cos {max(ev.get('similarity_before', 0), ev.get('similarity_diff', 0)):.2f}"
        if ev.get("hotness_share"):
            why += f"; hot {ev['hotness_share']:.1%}"
        table.add_row(f"{r['score']:.2f}", r["antipattern"], r["qualname"], f"{r['path']}:{r['start_line']}", why)
    console.print(table)
    if sarif is not None:
        console.print(f"SARIF written to {sarif}")
