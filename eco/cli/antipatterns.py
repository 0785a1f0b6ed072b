"""``eco antipatterns list|show``: curated and mined anti-patterns, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich import box
from rich.markdown import Markdown
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from sqlalchemy import select

from eco.cli.common import JsonOpt, RepoOpt, app, console, print_json
from eco.errors import EcoError
from eco.mine.catalog import CATEGORIES, antipattern_dict, find_antipattern, sync_catalog, user_catalog_dirs
from eco.store.models import AntiPattern
from eco.workspace import Workspace, open_workspace

antipatterns_app = typer.Typer(
    help=(
        "Known slow shapes: the curated catalog (antipatterns/catalog/*.toml plus your catalog_dirs) and the "
        "function-level before/after pairs mined from history. Both commands sync the catalog into the store first."
    ),
    no_args_is_help=True,
)
app.add_typer(antipatterns_app, name="antipatterns")

SourceOpt = Annotated[str, typer.Option("--source", help="Which entries: catalog, mined or all.")]
CategoryOpt = Annotated[
    Optional[str], typer.Option("--category", help=f"Only this category ({', '.join(CATEGORIES)}).", show_default=False)
]


def _open_synced(repo: Path) -> Workspace:
    ws = open_workspace(repo)
    try:
        sync_catalog(ws.store, user_catalog_dirs(ws.root, ws.settings.catalog_dirs))
    except Exception:
        ws.close()
        raise
    return ws


@antipatterns_app.command("list")
def list_command(
    repo: RepoOpt = Path("."),
    source: SourceOpt = "all",
    category: CategoryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List anti-patterns with their kind, category, source and how often history showed them."""
    if source not in {"catalog", "mined", "all"}:
        raise EcoError(f"--source must be catalog, mined or all, not {source!r}")
    if category is not None and category not in CATEGORIES:
        raise EcoError(f"unknown category {category!r}; known: {', '.join(CATEGORIES)}")
    with _open_synced(repo) as ws, ws.store.session() as s:
        query = select(AntiPattern)
        if source != "all":
            query = query.where(AntiPattern.source == source)
        if category is not None:
            query = query.where(AntiPattern.category == category)
        rows = list(s.scalars(query.order_by(AntiPattern.source, AntiPattern.category, AntiPattern.key)))
        if json_out:
            print_json([antipattern_dict(r) for r in rows])
            return
        table = Table(title=f"{len(rows)} anti-patterns", box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("key", overflow="fold")
        table.add_column("kind", overflow="fold")
        table.add_column("category", overflow="fold")
        table.add_column("source", no_wrap=True)
        table.add_column("occ.", justify="right", no_wrap=True)
        table.add_column("title", overflow="fold")
        for r in rows:
            table.add_row(r.key, r.kind, r.category, r.source, str(r.occurrences), r.title)
        console.print(table)


@antipatterns_app.command("show")
def show_command(
    ident: Annotated[str, typer.Argument(metavar="ID", help="A key (catalog:<id>, mined:<hash>) or a bare catalog id.")],
    repo: RepoOpt = Path("."),
    json_out: JsonOpt = False,
) -> None:
    """Show one anti-pattern: documentation, example or mined diff, and the precedent commit."""
    with _open_synced(repo) as ws:
        row = find_antipattern(ws.store, ident)
        if row is None:
            raise EcoError(f"no anti-pattern {ident!r}; see `eco antipatterns list`")
        if json_out:
            print_json(antipattern_dict(row, full=True))
            return
        console.print(f"[bold]{row.title}[/]  [dim]{row.key} · {row.category} · {row.source} · "
                      f"occurrences {row.occurrences} · weight {row.weight:g}[/]")
        if row.description:
            console.print(Markdown(row.description))
        if row.source == "mined" and row.commit_sha:
            console.print(Panel(
                f"{row.commit_sha[:12]} {row.subject or ''}\n{row.path or ''} :: {row.qualname or ''}"
                + (f"\n{row.author_date:%Y-%m-%d}" if row.author_date else "")
                + (f"\nscore {row.score:g}; rules: {', '.join(str(r.get('rule', r)) if isinstance(r, dict) else str(r) for r in row.rules or [])}"),
                title="precedent commit",
            ))
        if row.before_code:
            console.print(Panel(Syntax(row.before_code.strip("\n"), row.language or "python", line_numbers=False), title="before"))
        if row.after_code:
            console.print(Panel(Syntax(row.after_code.strip("\n"), row.language or "python", line_numbers=False), title="after"))
        if row.diff:
            console.print(Panel(Syntax(row.diff, "diff"), title="diff"))
        if row.detector:
            detector = row.detector.get("name") or "tree-sitter query"
            console.print(f"[dim]structural detector: {row.detector.get('kind')} {detector}[/]")
