"""Shared pieces of the command line: the app, consoles, JSON output, common options."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from eco import __version__

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    name="eco",
    help=(
        "eco finds and fixes performance anti-patterns in a git repository: it mines the history for "
        "performance fixes, ranks code by profiles, matches hot functions against known anti-patterns, "
        "drafts and validates edits, and hands you patches to review. Everything it keeps lives in REPO/.eco/."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Positional REPO for top-level commands, --repo PATH for subcommands of groups (DESIGN.md).
RepoArg = Annotated[Path, typer.Argument(help="Target git repository (default: current directory).", show_default=False)]
RepoOpt = Annotated[Path, typer.Option("--repo", help="Target git repository (default: current directory).", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout instead of a table.")]
PipelineOpt = Annotated[
    str, typer.Option("--pipeline", help="Pipeline file from pipelines/ (default, offline, ci) or a path to a .toml file.")
]
OptStr = Optional[str]


def print_json(data: Any) -> None:
    """JSON on stdout, nothing else, so scripts can pipe it."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def print_jsonl(row: Any) -> None:
    sys.stdout.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _version(value: bool) -> None:
    if value:
        console.print(f"eco {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """eco: performance anti-patterns, found in your history and fixed in your hot code."""
