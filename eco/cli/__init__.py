"""The ``eco`` command: a thin layer that parses arguments and calls the stages.

Each stage keeps its commands in its own module here and registers them on :data:`app`;
importing them below is what makes them appear.
"""

from __future__ import annotations

import sys

from eco.cli.common import app, err_console
from eco.errors import EcoError

# Command modules register themselves on `app` when imported.
from eco.cli import init as _init  # noqa: F401,E402
from eco.cli import mine as _mine  # noqa: F401,E402
from eco.cli import profile as _profile  # noqa: F401,E402
from eco.cli import index as _index  # noqa: F401,E402
from eco.cli import antipatterns as _antipatterns  # noqa: F401,E402
from eco.cli import review as _review  # noqa: F401,E402
from eco.cli import run as _run  # noqa: F401,E402


def main() -> None:
    """Console entry point: user errors become one line on stderr and a non-zero exit."""
    try:
        app()
    except EcoError as exc:
        err_console.print(f"[bold red]eco: error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("eco: interrupted; finished work is kept in the store, run the command again to resume")
        sys.exit(130)


__all__ = ["app", "main"]
