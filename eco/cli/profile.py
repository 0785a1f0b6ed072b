"""``eco profile ingest``, ``eco profile run`` and ``eco hot``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from eco.cli.common import JsonOpt, RepoArg, RepoOpt, app, console, err_console, print_json
from eco.profile import IngestSummary, hot_as_dict, hot_functions, ingest_files, run_and_ingest
from eco.profile.detect import normalise_format
from eco.workspace import open_workspace

profile_app = typer.Typer(
    help=(
        "Read profiles into eco's hot-function view. Formats: cProfile/pstats, py-spy (speedscope JSON "
        "and collapsed stacks), pyinstrument (JSON and session), and perf script folded into collapsed "
        "stacks. Cost in library, stdlib and builtin frames is rolled up to the nearest calling function "
        "of the repository. Several profiles merge into one view, each profile weighing the same."
    ),
    no_args_is_help=True,
)
app.add_typer(profile_app, name="profile")

FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="auto (detect from content), pstats, speedscope, collapsed (py-spy raw, perf folded) or pyinstrument.")
]


def _report(summary: IngestSummary) -> None:
    for f in summary.files:
        if f.already_ingested:
            console.print(f"[dim]{f.source}: already ingested (profile #{f.profile_id}), unchanged[/]")
            continue
        console.print(
            f"[bold]{f.source}[/] ({f.format}, {f.total:g} {f.unit}): {f.frames} distinct frames, "
            f"{f.mapped_frames} mapped to {f.functions} repository functions, {f.library_frames} library/runtime, "
            f"{f.frames_without_line} without line numbers; {f.unattributed:.1%} of the cost has no repository frame"
        )
        if f.mapped_by_name:
            console.print(f"  {f.mapped_by_name} frames mapped by name because their lines moved since the profiled commit")
        for reason, n in f.unmapped.items():
            examples = "; ".join(f.unmapped_examples.get(reason, [])[:2])
            console.print(f"  [yellow]{n} repository-looking frames not mapped: {reason}[/] (e.g. {examples})", highlight=False)
        if f.skipped_lines:
            console.print(f"  [yellow]{f.skipped_lines} malformed lines skipped[/]")
    console.print(
        f"{summary.hot_functions} hot functions from {summary.profiles} stored profiles"
        + (f"; {summary.capped:.1%} of the total cut by the roll-up cap" if summary.capped > 0 else "")
        + ". See them with: eco hot"
    )


@profile_app.command("ingest")
def ingest_command(
    files: Annotated[list[Path], typer.Argument(help="Profile files to ingest (merged into one view).", show_default=False)],
    fmt: FormatOpt = "auto",
    repo: RepoOpt = Path("."),
    json_out: JsonOpt = False,
) -> None:
    """Ingest profile files; ingesting the same file again changes nothing."""
    normalise_format(fmt)
    with open_workspace(repo) as ws:
        summary = ingest_files(ws, files, fmt)
    print_json(summary.as_dict()) if json_out else _report(summary)


@profile_app.command(
    "run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def run_command(
    command: Annotated[Optional[list[str]], typer.Argument(help="After --: a script, -m module, or pytest, with its arguments.", show_default=False)] = None,
    repo: RepoOpt = Path("."),
    json_out: JsonOpt = False,
) -> None:
    """Run a Python command under cProfile in the repository and ingest the profile.

    Example: eco profile run --repo . -- python workload.py --scale 0.3
    """
    with open_workspace(repo) as ws:
        summary = run_and_ingest(ws, list(command or []))
    if summary.exit_code:
        err_console.print(f"eco: note: the profiled command exited with code {summary.exit_code}; its profile was ingested anyway")
    if json_out:
        print_json(summary.as_dict())
    else:
        console.print(f"profile written to {summary.profile_path}")
        _report(summary)


@app.command("hot")
def hot_command(
    repo: RepoArg = Path("."),
    top: Annotated[Optional[int], typer.Option("--top", "-n", help="Show the N hottest functions.", min=1)] = 20,
    json_out: JsonOpt = False,
) -> None:
    """Hot functions of REPO from all ingested profiles, ranked by self + rolled-up cost.

    Costs are fractions of the merged profile total: self is time in the function's own code,
    rolled_up is time in library/builtin code it called directly or through other libraries.
    """
    with open_workspace(repo) as ws:
        rows = [hot_as_dict(r) for r in hot_functions(ws, top)]
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print("no hot functions yet: ingest a profile with eco profile ingest FILE or eco profile run -- CMD")
        return
    table = Table(title="Hot functions (share of merged profile total)")
    for col in ("#", "function", "path:line", "self", "rolled up", "inclusive", "self+rolled", "calls"):
        table.add_column(col, justify="right" if col not in ("function", "path:line") else "left", overflow="fold")
    for i, r in enumerate(rows, 1):
        table.add_row(
            str(i), r["qualname"], f"{r['path']}:{r['start_line']}", f"{r['self']:.1%}", f"{r['rolled_up']:.1%}",
            f"{r['inclusive']:.1%}", f"{r['share']:.1%}", "" if r["calls"] is None else str(r["calls"]),
        )
    console.print(table)
