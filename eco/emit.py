"""Turn a validated edit into a patch a person can review and ``git am``.

The commit is made in a throw-away worktree of the base commit with a fixed eco identity and the
base commit's date, so the same edit always gives the same patch bytes; ``git format-patch``
writes it. The message carries the evidence: the anti-pattern, the tests, the speedup with its
interval, the hotness share and the drafter. A JSON record sits beside each patch, and
``README.md`` in the patches folder lists them all.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eco.validate import _git, throwaway_worktree

ECO_NAME = "eco"
ECO_EMAIL = "eco@localhost.invalid"


@dataclass
class PatchInfo:
    """Everything the message and the JSON record say about one edit."""

    path: str
    qualname: str
    kind: str  # anti-pattern kind (catalog id)
    antipattern_key: str
    antipattern_title: str
    drafter: str
    base_sha: str
    diff: str
    precedent_sha: str | None = None
    precedent_subject: str | None = None
    tests_summary: str = ""
    speedup: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    benchmark_method: str = ""
    runs: int = 0
    hotness_share: float | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "edit"


def module_of(path: str) -> str:
    stem = path[:-3] if path.endswith(".py") else path
    parts = [p for p in stem.split("/") if p not in {"src", "__init__"}]
    return ".".join(parts) or path


_WHAT = {
    "list-membership-in-loop": "use a set for membership tests",
    "string-concat-in-loop": "build the string with join",
    "list-pop-front": "use a deque for pops from the front",
    "sort-for-min-max": "use min/max instead of sorting",
    "sort-for-top-k": "use heapq for the top k",
    "nested-loop-join": "join through a dict instead of nested loops",
    "regex-compile-in-loop": "compile the regex once",
    "missing-cache-pure-function": "cache a pure function",
    "any-all-list-comprehension": "short-circuit any/all with a generator",
    "sum-list-comprehension": "sum a generator, not a list",
    "dict-keys-membership": "test membership on the dict itself",
    "loop-invariant-set-construction": "build the set once, outside the loop",
    "list-concat-in-loop": "extend the list in place",
    "count-in-loop": "count once with a Counter",
    "list-insert-front": "use a deque for inserts at the front",
    "list-index-in-loop": "look indexes up in a dict",
    "needless-list-copy": "drop a needless list copy",
    "deepcopy-readonly": "drop a deepcopy of read-only data",
}


def summary_line(info: PatchInfo) -> str:
    what = _WHAT.get(info.kind) or (info.antipattern_title or info.kind.replace("-", " ")).rstrip(".").lower()
    line = f"perf({module_of(info.path)}): {what} in {info.qualname}"
    return line if len(line) <= 100 else line[:97] + "..."


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.1%}"


def commit_message(info: PatchInfo) -> str:
    lines = [summary_line(info), ""]
    if info.precedent_sha:
        lines.append(f"Anti-pattern: {info.kind} (mined precedent {info.precedent_sha[:12]}: {info.precedent_subject or ''})".rstrip())
    else:
        lines.append(f"Anti-pattern: {info.kind} ({info.antipattern_key}) {info.antipattern_title}".rstrip())
    lines.append("")
    lines.append("Evidence:")
    lines.append(f"- tests: {info.tests_summary or 'passed'}")
    if info.speedup is not None:
        lines.append(
            f"- speedup of {info.qualname}: {_pct(info.speedup)} (95% CI {_pct(info.ci_low)} .. {_pct(info.ci_high)}, "
            f"{info.runs} interleaved runs each)"
        )
    if info.benchmark_method:
        lines.append(f"- benchmark: {info.benchmark_method}")
    if info.hotness_share:
        lines.append(f"- hotness: {info.hotness_share:.1%} of profiled time")
    lines.append(f"- base: {info.base_sha}")
    lines.append("")
    lines.append(f"Drafted-by: {info.drafter}")
    if info.notes:
        lines.append(f"Drafter-notes: {' '.join(info.notes.split())[:300]}")
    return "\n".join(lines) + "\n"


def format_patch(repo_root: Path, info: PatchInfo) -> str:
    """Apply ``info.diff`` to a worktree of the base, commit it as eco, return the mbox text."""
    date = _git(repo_root, "show", "-s", "--format=%cI", info.base_sha).stdout.strip()
    with throwaway_worktree(repo_root, info.base_sha) as wt:
        proc = subprocess.run(
            ["git", "apply", "--whitespace=nowarn", "-"], cwd=wt, input=info.diff, text=True, capture_output=True, timeout=60
        )
        if proc.returncode != 0:
            raise RuntimeError(f"the diff does not apply to {info.base_sha[:12]}: {proc.stderr.strip()[:300]}")
        _git(wt, "add", "--", info.path)
        env_args = [
            "-c", f"user.name={ECO_NAME}", "-c", f"user.email={ECO_EMAIL}", "-c", "commit.gpgsign=false",
        ]
        import os

        env = {**os.environ, "GIT_AUTHOR_NAME": ECO_NAME, "GIT_AUTHOR_EMAIL": ECO_EMAIL, "GIT_AUTHOR_DATE": date,
               "GIT_COMMITTER_NAME": ECO_NAME, "GIT_COMMITTER_EMAIL": ECO_EMAIL, "GIT_COMMITTER_DATE": date}
        subprocess.run(["git", *env_args, "commit", "-q", "--no-verify", "-F", "-"], cwd=wt, input=commit_message(info),
                       text=True, capture_output=True, check=True, env=env, timeout=60)
        return subprocess.run(
            ["git", "format-patch", "-1", "--stdout", "--no-signature", "HEAD"], cwd=wt, capture_output=True, text=True,
            check=True, timeout=60,
        ).stdout


def write_patch(patches_dir: Path, number: int, slug: str, mbox: str, record: dict[str, Any]) -> tuple[Path, str]:
    """Write ``NNNN-slug.patch`` and its JSON record; returns (patch path, sha256 of the patch)."""
    patches_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{number:04d}-{slug}"
    for stale in patches_dir.glob(f"{number:04d}-*"):  # leftovers of a run killed mid-emit
        stale.unlink()
    patch = patches_dir / f"{stem}.patch"
    patch.write_text(mbox, encoding="utf-8")
    digest = hashlib.sha256(mbox.encode("utf-8")).hexdigest()
    (patches_dir / f"{stem}.json").write_text(json.dumps({**record, "patch": patch.name, "sha256": digest}, indent=2, default=str) + "\n")
    return patch, digest


def write_index(patches_dir: Path, rows: list[dict[str, Any]]) -> Path:
    """``README.md``: one line per patch, so a reviewer sees the whole batch at a glance."""
    patches_dir.mkdir(parents=True, exist_ok=True)
    out = ["# Patches drafted by eco", "",
           "Review each, then `git am <file>` (or `eco review accept`). Speedups are of the edited function "
           "inside the workload, median with a 95% bootstrap interval.", "",
           "| # | patch | function | anti-pattern | speedup (95% CI) | tests | drafter | status |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        out.append(
            f"| {r['number']} | [{r['file']}]({r['file']}) | `{r['path']}::{r['qualname']}` | {r['kind']} | "
            f"{_pct(r.get('speedup'))} ({_pct(r.get('ci_low'))} .. {_pct(r.get('ci_high'))}) | {r.get('tests_summary', '')} | "
            f"{r.get('drafter', '')} | {r.get('status', 'pending')} |"
        )
    path = patches_dir / "README.md"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def prune_orphans(patches_dir: Path, known_files: set[str]) -> None:
    """Remove patch files (and records) the store does not know: a run died between writing and recording."""
    if not patches_dir.is_dir():
        return
    for f in patches_dir.glob("[0-9][0-9][0-9][0-9]-*.patch"):
        if f.name not in known_files:
            f.unlink(missing_ok=True)
            f.with_suffix(".json").unlink(missing_ok=True)
