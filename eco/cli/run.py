"""``eco run`` and ``eco demo``."""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from eco.cli.common import JsonOpt, PipelineOpt, RepoArg, app, console, err_console, print_json
from eco.pipeline import RunSummary, run_pipeline
from eco.store.models import OUTCOMES
from eco.workspace import open_workspace

LimitOpt = Annotated[Optional[int], typer.Option("--limit", min=0, help="Draft at most N findings in this run.")]
RevalidateOpt = Annotated[
    Optional[int],
    typer.Option("--revalidate", metavar="ID", help=(
        "Instead of a normal run: carry pending patch ID onto the current HEAD, validate and measure it again, "
        "and rewrite its file (after the file was deleted or edited, or HEAD moved).")),
]


class _Bars:
    """One Rich progress bar per stage, on stderr; silent when stderr is not a terminal and --json is set."""

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(
            SpinnerColumn(), TextColumn("[bold]{task.fields[stage]:<9}"), BarColumn(), TextColumn("{task.fields[count]}"),
            TextColumn("{task.description}", style="dim"), TimeElapsedColumn(), console=err_console, transient=False,
            disable=not enabled,
        )
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int | None, note: str = "") -> None:
        count = f"{done}/{total}" if total is not None else ""  # "0/None" says nothing
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(note[:50], stage=stage, total=total, count=count)
        self.progress.update(self.tasks[stage], completed=done, total=total, description=note[:50], count=count)

    def __enter__(self) -> "_Bars":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)


def _sigterm_as_interrupt() -> None:
    """A killed run still removes its worktrees and keeps what the store has (finally blocks run)."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        pass


def outcome_table(summary: RunSummary) -> Table:
    table = Table(title="Outcomes (every draft of this repository)", show_lines=False)
    table.add_column("outcome")
    table.add_column("drafts", justify="right")
    table.add_column("this run", justify="right")
    for outcome in OUTCOMES:
        table.add_row(outcome, str(summary.outcomes.get(outcome, 0)), str(summary.run_outcomes.get(outcome, 0)))
    if summary.outcomes.get("in_flight"):
        table.add_row("in flight", str(summary.outcomes["in_flight"]), "")
    return table


def patch_table(summary: RunSummary) -> Table:
    table = Table(title=f"Patches in {summary.patches_dir}")
    for col in ("#", "function", "anti-pattern", "speedup (95% CI)", "status"):
        table.add_column(col)
    for p in summary.patches:
        sp = "-" if p["speedup"] is None else f"{p['speedup']:+.0%} ({p['ci_low']:+.0%} .. {p['ci_high']:+.0%})"
        table.add_row(str(p["number"]), p["qualname"], p["kind"], sp, p["status"])
    return table


def _report(summary: RunSummary, json_out: bool, extra: dict[str, Any] | None = None) -> None:
    if json_out:
        print_json({**summary.as_dict(), **(extra or {})})
        return
    if summary.patches:
        console.print(patch_table(summary))
    console.print(outcome_table(summary))
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in summary.stage_seconds.items())
    console.print(f"stages: {stages}")
    console.print(f"{len(summary.patches)} patch(es) in [bold]{summary.patches_dir}[/] ({len(summary.new_patches)} new this run)")


def _run(repo: Path, pipeline: str, limit: int | None, revalidate: int | None, json_out: bool) -> RunSummary:
    _sigterm_as_interrupt()
    with open_workspace(repo, pipeline=pipeline) as ws:
        with _Bars(enabled=not json_out or err_console.is_terminal) as bars:
            summary = run_pipeline(ws, limit=limit, progress=bars, revalidate=revalidate)
    if summary.drafter_note:
        err_console.print(f"eco: {summary.drafter_note}", highlight=False)
    return summary


@app.command("run")
def run_command(
    repo: RepoArg = Path("."),
    pipeline: PipelineOpt = "default",
    limit: LimitOpt = None,
    revalidate: RevalidateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run every stage (mine, catalog, index, find, draft, review, validate, emit) and write validated
    patches to REPO/.eco/patches/. Resumable: run it again after an interruption and it finishes the
    work without drafting a finding twice or duplicating a patch."""
    summary = _run(repo, pipeline, limit, revalidate, json_out)
    if revalidate is not None and not json_out:
        what = summary.stage_counts.get("revalidate", {})
        if what.get("withdrawn"):
            console.print(f"patch {revalidate} no longer passes on HEAD and was withdrawn: {what.get('reason', '')}")
        else:
            row = next((p for p in summary.patches if p.get("patch_id") == revalidate), None)
            where = f" to {summary.patches_dir}/{row['file']}" if row else ""
            console.print(f"patch {revalidate} revalidated on {str(what.get('base_sha', ''))[:12]} and rewritten{where}; "
                          f"accept it with: eco review accept {revalidate} --repo {repo}")
        return
    _report(summary, json_out)


def _build_sample(dest: Path) -> None:
    import runpy
    import sys

    from eco.errors import EcoError
    from eco.resources import data_dir

    try:
        script = data_dir("sample_repo") / "build_history.py"
    except FileNotFoundError:
        raise EcoError("the sample repository is missing from this installation") from None
    if not script.is_file():
        raise EcoError(f"{script}: missing; cannot build the sample repository")
    import contextlib

    argv = sys.argv
    try:
        sys.argv = [str(script), str(dest)]
        with contextlib.redirect_stdout(sys.stderr):  # stdout is for the result (--json)
            runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise EcoError(f"building the sample repository failed (exit {exc.code})") from None
    finally:
        sys.argv = argv


def _profile_sample(dest: Path, json_out: bool) -> str:
    """Profile the sample's workload so findings are ranked by real hotness, as on a real project
    after `eco profile run -- python workload.py`. A failure is one line and the demo goes on."""
    from eco.errors import EcoError
    from eco.profile import run_and_ingest

    if not (dest / "workload.py").is_file():
        return ""
    if not json_out:
        err_console.print("eco demo: profiling the sample workload (eco profile run -- python workload.py --scale 0.5)")
    try:
        with open_workspace(dest, pipeline="offline") as ws:
            summary = run_and_ingest(ws, ["python", "workload.py", "--scale", "0.5"])
    except EcoError as exc:
        err_console.print(f"eco demo: profiling skipped: {exc}", highlight=False)
        return ""
    hot = getattr(summary, "hot_functions", None)
    return f"hot functions from the profile: eco hot {dest}" + (f" ({hot} functions)" if hot else "")


@app.command("demo")
def demo_command(
    keep: Annotated[Optional[Path], typer.Option("--keep", help="Build the sample repository in DIR and keep it.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Build the bundled sample repository (a log-analytics library with a real-looking history)
    in a temporary folder and run the offline pipeline on it end to end."""
    from eco.errors import EcoError

    if keep is not None:
        dest = keep.expanduser().resolve()
        if dest.exists() and any(dest.iterdir()):
            raise EcoError(f"{dest}: exists and is not empty; pick a new folder for --keep")
    else:
        dest = Path(tempfile.mkdtemp(prefix="eco-demo-")) / "sample"
    t0 = time.perf_counter()
    if not json_out:
        err_console.print(f"eco demo: building the sample repository in {dest}")
    _build_sample(dest)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    hot_note = _profile_sample(dest, json_out)
    profile_s = time.perf_counter() - t1
    summary = _run(dest, "offline", None, None, json_out)
    summary.stage_seconds = {"build_sample": round(build_s, 3), "profile": round(profile_s, 3), **summary.stage_seconds}
    _report(summary, json_out, {"total_seconds": round(time.perf_counter() - t0, 3), "sample_repo": str(dest)})
    if not json_out:
        if hot_note:
            console.print(hot_note)
        console.print(f"next: eco review list --repo {dest}   (then eco review show ID, eco review accept ID, "
                      f"eco review reject ID --reason TEXT; eco hot {dest}; eco stats {dest}; "
                      f"eco report {dest} --html report.html)")
