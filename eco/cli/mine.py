"""``eco mine`` and ``eco rules list|test|explain``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from eco.cli.common import JsonOpt, RepoOpt, app, console, err_console, print_json, print_jsonl
from eco.mine.miner import MineSummary, mine_many
from eco.mine.rules import load_rules
from eco.mine.tester import explain_commits, test_rule
from eco.workspace import open_workspace

rules_app = typer.Typer(help="Mining rules: list them, see which commits one fires on, or why a commit is (not) a fix.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

RevRange = Annotated[Optional[str], typer.Option("--rev-range", help="Commits to scan, as git understands them (A..B, a branch). Default: HEAD.")]
Since = Annotated[Optional[str], typer.Option("--since", help="Only commits after this date (any date git log --since accepts).")]


@app.command("mine")
def mine_command(
    repos: Annotated[Optional[list[Path]], typer.Argument(help="Repositories to mine (default: current directory). Several go into ONE store: the first one's, or database_url.", show_default=False)] = None,
    rev_range: RevRange = None,
    since: Since = None,
    max_commits: Annotated[Optional[int], typer.Option("--max-commits", min=0, help="Scan at most N new commits per repository (already mined commits are skipped and not counted).")] = None,
    all_functions: Annotated[bool, typer.Option("--all-functions", help="List changed functions for every commit, not only for performance fixes (reads more file contents; slower).")] = False,
    llm_judge: Annotated[Optional[bool], typer.Option("--llm-judge/--no-llm-judge", help="Ask the configured LLM (OPENAI_BASE_URL) about commits the rules score at least mine_llm_judge_min but below mine_llm_judge_max (default: the threshold; above it, the LLM's 'no' overrules the rules); one request each, mine_llm_judge_concurrency (default 4) at a time. Default: the mine_llm_judge setting (off).", show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON Lines on stdout: one object per scanned commit (sha, subject, perf, score, rules, functions; skipped and llm_judge when they apply).")] = False,
) -> None:
    """Find performance-fix commits in the history and store their function-level before/after pairs.

    Streams `git log -p` once per repository; a run that stops part-way resumes where it stopped.
    """
    paths = list(repos or [Path(".")])
    if json_out:
        summaries = mine_many(paths, rev_range=rev_range, since=since, max_commits=max_commits, on_commit=print_jsonl, all_functions=all_functions,
                              llm_judge=llm_judge)
        _warn(summaries)
        return
    with Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(bar_width=None),
        TextColumn("{task.completed} commits, {task.fields[perf]} perf fixes"), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as progress:
        task = progress.add_task("mining", total=None, perf=0)
        perf = 0

        def tick(row: dict[str, Any]) -> None:
            nonlocal perf
            perf += bool(row["perf"])
            progress.update(task, advance=1, perf=perf)

        summaries = mine_many(paths, rev_range=rev_range, since=since, max_commits=max_commits, on_commit=tick, all_functions=all_functions,
                              llm_judge=llm_judge)
    table = Table(title="eco mine")
    for col in ("repository", "scanned", "known", "perf", "new pairs", "repeats", "merges", "skipped", "rule errors", "s"):
        table.add_column(col, justify="left" if col == "repository" else "right")
    for s in summaries:
        skipped = ", ".join(f"{n} {k}" for k, n in s.skipped.items()) or "0"
        errors = ", ".join(f"{k}: {n}" for k, n in s.rule_errors.items()) or "0"
        table.add_row(s.repo, str(s.scanned), str(s.already_mined), str(s.perf), str(s.antipatterns_added),
                      str(s.antipatterns_repeated), str(s.merges), skipped, errors, f"{s.seconds:.1f}")
    console.print(table)
    for s in summaries:
        if s.llm_judged:
            overruled = f", overruled the rules on {s.llm_overruled}" if s.llm_overruled else ""
            console.print(f"LLM judge: asked about {s.llm_judged} commit(s), called {s.llm_promoted} a performance fix the rules had left short{overruled}")
    _warn(summaries)


def _warn(summaries: list[MineSummary]) -> None:
    for s in summaries:
        for err in s.load_errors:
            err_console.print(f"eco: warning: rule not loaded: {err}", highlight=False, soft_wrap=True)
        for name, n in s.rule_errors.items():
            err_console.print(f"eco: warning: rule {name} raised on {n} commit(s), e.g. {s.rule_error_examples.get(name, '')}", highlight=False, soft_wrap=True)


@rules_app.command("list")
def rules_list(repo: RepoOpt = Path("."), json_out: JsonOpt = False) -> None:
    """Every mining rule eco would use on REPO: built-in, user folders (rules_dirs), entry points."""
    with open_workspace(repo) as ws:
        ruleset = load_rules(ws.settings.rules_dirs, ws.root)
    rows = [{"name": r.name, "source": r.source, "reads_code": r.needs_code, "description": r.doc, "origin": r.origin} for r in ruleset.rules]
    if json_out:
        print_json({"rules": rows, "errors": ruleset.errors})
        return
    table = Table(title="mining rules")
    for col in ("name", "source", "reads code", "description"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["source"], "yes" if r["reads_code"] else "", r["description"])
    console.print(table)
    for err in ruleset.errors:
        err_console.print(f"eco: warning: rule not loaded: {err}", highlight=False, soft_wrap=True)


@rules_app.command("test")
def rules_test(
    rule: Annotated[str, typer.Argument(help="Name of the rule (see `eco rules list`).")],
    repo: RepoOpt = Path("."),
    rev_range: RevRange = None,
    since: Since = None,
    max_commits: Annotated[Optional[int], typer.Option("--max-commits", min=0, help="Look at no more than N commits.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show which commits RULE fires on, with its score and reason (nothing is stored)."""
    with open_workspace(repo) as ws:
        result = test_rule(ws, rule, rev_range=rev_range, since=since, max_commits=max_commits)
    if json_out:
        print_json(result)
        return
    table = Table(title=f"rule {rule}: fired on {len(result['hits'])} of {result['scanned']} commits")
    for col in ("sha", "score", "subject", "reason"):
        table.add_column(col)
    for h in result["hits"]:
        table.add_row(h["sha"][:12], f"{h['score']:+.2f}", h["subject"], h["reason"])
    console.print(table)
    for err in result["errors"][:5]:
        err_console.print(f"eco: warning: {err}", highlight=False, soft_wrap=True)


@rules_app.command("explain")
def rules_explain(
    revs: Annotated[list[str], typer.Argument(help="Commits to explain (SHAs, branches, tags: anything git rev-parse reads).")],
    repo: RepoOpt = Path("."),
    llm_judge: Annotated[bool, typer.Option("--llm-judge", help="Also ask the configured LLM, as `eco mine --llm-judge` would (only for commits the rules leave short).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Why each commit is, or is not, a performance fix: every rule's score and reason against the threshold."""
    with open_workspace(repo) as ws:
        rows = explain_commits(ws, revs, llm_judge=llm_judge)
    if json_out:
        print_json(rows)
        return
    for row in rows:
        verdict = "performance fix" if row["perf"] else "not a performance fix"
        table = Table(title=f"{row['sha'][:12]} {row['subject']}\n{verdict}: score {row['score']:+.2f}, threshold {row['threshold']:.2f}")
        for col in ("rule", "score", "reason"):
            table.add_column(col)
        for hit in row["rules"]:
            table.add_row(hit["rule"], f"{hit['score']:+.2f}", hit["reason"])
        if row.get("skipped"):
            table.add_row("(skipped)", "", row["skipped"])
        elif not row["rules"]:
            table.add_row("(none)", "", "no rule fired")
        console.print(table)
        for err in row["errors"]:
            err_console.print(f"eco: warning: rule raised: {err}", highlight=False, soft_wrap=True)
