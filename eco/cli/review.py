"""``eco review``, ``eco stats`` and ``eco report``: the human end of the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich import box
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from eco import decisions
from eco.cli.common import JsonOpt, RepoArg, RepoOpt, app, console, print_json
from eco.report import write_report
from eco.stats import COLUMNS, HEADERS, SHORT, SHORT_LEGEND, funnel
from eco.workspace import open_workspace

review_app = typer.Typer(
    help="Review emitted patches: list, show, accept (onto a new branch), reject (with a reason).",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(review_app, name="review")

IdArg = Annotated[int, typer.Argument(metavar="ID", help="Patch id, as shown by `eco review list`.", show_default=False)]


def _hot(share: float, long: bool = False) -> str:
    """A share of profiled time; "-" when the function is in no profile (or none was ingested)."""
    if share:
        return f"{share:.1%}" + (" of profiled time" if long else "")
    return "- (not in any profile; see `eco profile`)" if long else "-"


def _list(repo: Path, json_out: bool, all_: bool) -> None:
    with open_workspace(repo) as ws:
        views = decisions.list_patches(ws, status=None if all_ else "pending")
    if json_out:
        print_json([v.as_dict() for v in views])
        return
    if not views:
        console.print("no pending patches" if not all_ else "no patches yet (run `eco run`)")
        return
    table = Table(title="pending patches" if not all_ else "patches")
    cols = ["id", "file", "function", "anti-pattern", "speedup [95% CI]", "hotness", "drafter", "age"]
    if all_:  # the pending list needs no status column
        cols.append("status")
    for col in cols:
        table.add_column(col, justify="right" if col in {"id", "hotness", "age"} else "left",
                         no_wrap=col in {"id", "speedup [95% CI]", "hotness", "age", "status"},
                         overflow="fold" if col in {"file", "function"} else "ellipsis")
    for v in views:
        row = [str(v.id), v.path, v.qualname, v.kind, v.speedup_text(), _hot(v.hotness), v.drafter.removeprefix("rules:"), v.age]
        table.add_row(*row, *([v.status] if all_ else []))
    console.print(table)


@review_app.callback()
def review_default(
    ctx: typer.Context,
    repo: RepoOpt = Path("."),
    json_out: JsonOpt = False,
) -> None:
    """Without a subcommand, list the pending patches."""
    if ctx.invoked_subcommand is None:
        _list(repo, json_out, all_=False)


@review_app.command("list")
def review_list(
    repo: RepoOpt = Path("."),
    json_out: JsonOpt = False,
    all_: Annotated[bool, typer.Option("--all", help="Include accepted and rejected patches.")] = False,
) -> None:
    """List pending patches: id, file and function, anti-pattern, speedup with interval, hotness, drafter, age."""
    _list(repo, json_out, all_)


@review_app.command("show")
def review_show(patch_id: IdArg, repo: RepoOpt = Path("."), json_out: JsonOpt = False) -> None:
    """Show a patch: the diff, the precedent it follows, and the evidence."""
    with open_workspace(repo) as ws:
        view = decisions.get_patch(ws, patch_id)
        text = decisions.read_patch_text(ws, view)
    if json_out:
        print_json({**view.as_dict(), "patch": text})
        return
    prec = view.precedent or {}
    if prec.get("source") == "mined":
        body = (prec.get("message") or "").strip()
        if body.startswith(prec.get("subject") or "\0"):  # the message repeats the subject on its first line
            body = body[len(prec.get("subject") or ""):].strip()
        precedent = f"mined precedent {str(prec.get('commit'))[:12]}: {prec.get('subject')}\n\n{body}".rstrip()
    else:
        precedent = f"catalog entry {prec.get('id')}: {prec.get('title')}\n\n{prec.get('description') or ''}".rstrip()
    evidence = (
        f"function   {view.path} :: {view.qualname}\n"
        f"pattern    {view.kind} ({view.category})\n"
        f"tests      {view.tests or '-'}\n"
        f"speedup    {view.speedup_text()}\n"
        f"hotness    {_hot(view.hotness, long=True)}\n"
        f"drafter    {view.drafter}\n"
        f"base       {view.base_sha[:12]}\n"
        f"status     {view.status}" + (f" ({view.decision_reason})" if view.decision_reason else "")
    )
    console.print(Panel(evidence, title=f"patch {view.id}: {view.slug}"))
    console.print(Panel(precedent, title="precedent"))
    console.print(Syntax(text, "diff", word_wrap=False))


@review_app.command("accept")
def review_accept(
    patch_id: IdArg,
    repo: RepoOpt = Path("."),
    branch: Annotated[Optional[str], typer.Option("--branch", help="Branch to create (default eco/<slug>).")] = None,
    here: Annotated[bool, typer.Option("--here", help="Apply on the current branch instead (needs a clean working tree).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Accept a patch: a new branch from its base commit gets it with `git am`; your checkout stays as it is."""
    with open_workspace(repo) as ws:
        result = decisions.accept(ws, patch_id, branch=branch, here=here)
    if json_out:
        print_json(result)
        return
    console.print(f"accepted patch {patch_id}: commit {result['commit'][:12]} on branch [bold]{result['branch']}[/]")
    if result.get("base_moved"):
        console.print("note: HEAD has moved since the patch was made; rebase the branch before merging")


@review_app.command("reject")
def review_reject(
    patch_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="Why: recorded, and it lowers this anti-pattern's weight.")],
    repo: RepoOpt = Path("."),
    json_out: JsonOpt = False,
) -> None:
    """Reject a patch with a reason; eco ranks this anti-pattern lower from now on."""
    with open_workspace(repo) as ws:
        result = decisions.reject(ws, patch_id, reason)
    if json_out:
        print_json(result)
    else:
        console.print(f"rejected patch {patch_id}")


@app.command("stats")
def stats_command(repo: RepoArg = Path("."), json_out: JsonOpt = False) -> None:
    """The outcome funnel per category and per anti-pattern, as in ECO's outcome table."""
    with open_workspace(repo) as ws:
        data = funnel(ws)
    if json_out:
        print_json(data)
        return
    labels = data.get("labels", {})
    total = data["total"]
    narrow = console.width < 130  # full outcome names need the room; abbreviate with a legend instead
    for title, groups in (("by category", data["by_category"]), ("by anti-pattern", data["by_antipattern"])):
        table = Table(title=f"outcomes {title}", caption=SHORT_LEGEND if narrow else None, caption_justify="left",
                      box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD, collapse_padding=narrow, pad_edge=not narrow)
        table.add_column(title.split()[-1], min_width=12, max_width=44, overflow="fold")
        for col in COLUMNS:
            table.add_column(SHORT[col] if narrow else HEADERS[col], justify="right", no_wrap=narrow)
        for name, counts in groups.items():
            table.add_row(labels.get(name, name), *[str(counts[c]) for c in COLUMNS])
        table.add_section()
        table.add_row("all", *[str(total[c]) for c in COLUMNS], style="bold")
        table.add_row("% of drafted", *["" if c == "drafted" else f"{total['pct'][c]:.0f}%" for c in COLUMNS], style="dim")
        console.print(table)


@app.command("report")
def report_command(
    repo: RepoArg = Path("."),
    html_out: Annotated[Path, typer.Option("--html", help="Where to write the self-contained HTML report.")] = Path("eco-report.html"),
) -> None:
    """Write one self-contained HTML file: hot functions, findings, every patch with its diff and evidence, the funnel."""
    with open_workspace(repo) as ws:
        out = write_report(ws, html_out)
    console.print(f"report written to [bold]{out}[/]")
