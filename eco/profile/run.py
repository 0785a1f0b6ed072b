"""``eco profile run``: profile a Python command under cProfile, in a subprocess, in the repository.

The command may be a script (``[python] prog.py ARGS``), a module (``[python] -m pkg ARGS``) or
pytest (``pytest ARGS``). ``python``/``python3`` mean the interpreter eco runs under; an explicit
interpreter path is used as given. The dump goes to ``REPO/.eco/profiles/`` and is ingested. A
non-zero exit still yields a profile (failing tests are still load), and the exit code is reported.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from eco.profile.ingest import IngestSummary, ingest_files
from eco.profile.model import ProfileError
from eco.workspace import Workspace

RUNNER = Path(__file__).with_name("_runner.py")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?(\.exe)?$")


def profile_command(command: list[str], out: Path) -> list[str]:
    """The argv that runs ``command`` under cProfile (through ``_runner.py``), writing ``out``."""
    if not command:
        raise ProfileError("no command to profile: use eco profile run -- python script.py ARGS")
    cmd = list(command)
    interpreter = sys.executable
    name = Path(cmd[0]).name
    if _PYTHON.match(name):
        if os.sep in cmd[0] or "/" in cmd[0]:
            interpreter = cmd[0]
        cmd = cmd[1:]
    elif name in ("pytest", "py.test"):
        cmd = ["-m", "pytest", *cmd[1:]]
    if not cmd:
        raise ProfileError("nothing to run after the interpreter: give a script, -m module, or pytest")
    if cmd[0] == "-m":
        if len(cmd) < 2:
            raise ProfileError("-m needs a module name")
    elif cmd[0].startswith("-"):
        raise ProfileError(f"unsupported interpreter option {cmd[0]!r}: give a script, -m module, or pytest")
    elif not cmd[0].endswith(".py"):
        raise ProfileError(
            f"{command[0]!r} is not a Python command: eco profile run profiles a script (.py), -m module, or pytest"
        )
    return [interpreter, str(RUNNER), str(out), *cmd]


def run_and_ingest(ws: Workspace, command: list[str]) -> IngestSummary:
    """Run ``command`` under cProfile in the repository root and ingest the result."""
    out_dir = ws.target.eco_dir / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    out = out_dir / f"run-{stamp}.prof"
    argv = profile_command(command, out)
    script = argv[3] if argv[3] != "-m" else None
    if script is not None and not (ws.root / script).is_file() and not Path(script).is_file():
        raise ProfileError(f"{script}: no such script in {ws.root}")
    try:
        proc = subprocess.run(
            argv, cwd=ws.root, capture_output=True, text=True, errors="replace",
            timeout=ws.settings.profile_timeout, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise ProfileError(f"profiled command timed out after {ws.settings.profile_timeout:g} s (setting profile_timeout)") from None
    except OSError as exc:
        raise ProfileError(f"cannot run {argv[0]}: {exc.strerror}") from None
    if not out.is_file() or out.stat().st_size == 0:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or ["no output"]
        raise ProfileError(f"command exited with code {proc.returncode} and wrote no profile: {tail[0]}")
    summary = ingest_files(ws, [out], "pstats")
    summary.exit_code = proc.returncode
    summary.profile_path = str(out)
    return summary
