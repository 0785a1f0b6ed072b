"""``eco init``."""

from __future__ import annotations

from pathlib import Path

from eco.cli.common import JsonOpt, RepoArg, app, console, print_json
from eco.workspace import open_workspace


@app.command("init")
def init_command(repo: RepoArg = Path("."), json_out: JsonOpt = False) -> None:
    """Create REPO/.eco (store, index, patches) and hide it from git status. Safe to run again."""
    with open_workspace(repo) as ws:
        if json_out:
            print_json({"repo": str(ws.root), "eco_dir": str(ws.target.eco_dir), "store": ws.store.url})
        else:
            console.print(f"initialised eco in [bold]{ws.target.eco_dir}[/] (store: {ws.store.url})")
