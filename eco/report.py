"""A single self-contained HTML report of a run: no scripts, no network, one file to pass around.

The page layout is the template in ``eco/templates/report.html``; this module only fills it in,
escaping every value that came from the repository or a model.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path
from string import Template
from typing import Any, Iterable, Sequence

from sqlalchemy import select

from eco.decisions import PatchView, list_patches
from eco.stats import COLUMNS, HEADERS, funnel
from eco.store.models import Finding, HotFunction, Patch
from eco.workspace import Workspace

_TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.html"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int] | None = None, empty: str = "",
           cls: str = "") -> str:
    rows = list(rows)
    if not rows:
        return f'<p class="empty">{_e(empty)}</p>'
    numeric = numeric or set()
    num = ' class="num"'
    head = "".join(f"<th{num if i in numeric else ''}>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{num if i in numeric else ''}>{_e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    attr = f' class="{_e(cls)}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_diff(text: str) -> str:
    """A patch as coloured lines; every line escaped.

    In a ``git format-patch`` file the commit message comes first, and its evidence list starts
    lines with "- ": only lines after the first ``diff --git`` are coloured as additions and
    deletions. A bare unified diff (no mail header) is coloured from its first line.
    """
    out = []
    in_diff = not text.startswith("From ") and "diff --git" not in text
    for line in text.rstrip().splitlines():
        if line.startswith("diff --git"):
            in_diff = True
        if not in_diff:
            cls = "meta" if line.startswith(("From ", "From:", "Subject:", "Date:")) else "msg"
        elif line.startswith(("+++", "---", "diff --git", "index ", "new file", "deleted file")):
            cls = "meta"
        elif line.startswith("@@"):
            cls = "hunk"
        elif line.startswith("+"):
            cls = "add"
        elif line.startswith("-"):
            cls = "del"
        else:
            cls = "ctx"
        out.append(f'<span class="{cls}">{_e(line) or "&nbsp;"}</span>')
    return '<pre class="diff">' + "".join(out) + "</pre>"


def _hot(share: float | None) -> str:
    """A share of profiled time, or "-" for a function in no profile (0 would read as "measured cold")."""
    return f"{share:.1%}" if share else "-"


def _count(counts: dict[str, Any], col: str) -> str:
    n = counts[col]
    if col == "drafted" or not n:
        return str(n)
    return f'{n} ({counts["pct"][col]:.0f}%)'


def _funnel_html(data: dict[str, Any]) -> str:
    """Two tables, per category and per anti-pattern, each ending with the total row."""
    headers = [*[HEADERS[c] for c in COLUMNS]]
    numeric = set(range(1, len(headers) + 1))
    total = data["total"]
    if not total["drafted"]:
        return '<p class="empty">nothing drafted yet</p>'
    labels = data.get("labels", {})
    parts = []
    for title, groups in (("category", data["by_category"]), ("anti-pattern", data["by_antipattern"])):
        rows = [[labels.get(k, k), *[_count(v, c) for c in COLUMNS]] for k, v in groups.items()]
        rows.append(["all", *[_count(total, c) for c in COLUMNS]])
        parts.append(_table([title, *headers], rows, numeric, cls="funnel"))
    return "".join(parts)


def _patch_html(ws: Workspace, view: PatchView, diff: str) -> str:
    status = f'<span class="badge {_e(view.status)}">{_e(view.status)}</span>'
    precedent = view.precedent or {}
    if precedent.get("source") == "mined":
        prec = f'mined from commit <code>{_e((precedent.get("commit") or "")[:12])}</code> "{_e(precedent.get("subject"))}"'
    else:
        prec = f'catalog entry <code>{_e(precedent.get("id"))}</code>: {_e(precedent.get("title"))}'
    evidence = [
        ("function", f"<code>{_e(view.path)}::{_e(view.qualname)}</code>"),
        ("anti-pattern", f"<code>{_e(view.kind)}</code> ({_e(view.category)})"),
        ("precedent", prec),
        ("tests", _e(view.tests or "-")),
        ("speedup", _e(view.speedup_text())),
        ("hotness share", _e(_hot(view.hotness))),
        ("drafter", _e(view.drafter)),
        ("base", f"<code>{_e(view.base_sha[:12])}</code>"),
    ]
    if view.decision_reason:
        evidence.append(("reviewer's reason", _e(view.decision_reason)))
    if view.branch:
        evidence.append(("branch", f"<code>{_e(view.branch)}</code>"))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in evidence)
    return (
        f'<article class="patch" id="patch-{view.id}"><h3>#{view.id} {_e(view.slug)} {status}</h3>'
        f'<dl class="evidence">{dl}</dl>{render_diff(diff)}</article>'
    )


def build_report(ws: Workspace) -> str:
    """The report as one HTML string."""
    with ws.store.session() as s:
        hot = s.scalars(
            select(HotFunction).where(HotFunction.repo_id == ws.repo_id)
            .order_by((HotFunction.self_cost + HotFunction.rolled_up).desc()).limit(50)
        ).all()
        hot_rows = [(h.path, h.qualname, h.start_line, f"{h.self_cost:.4g}", f"{h.rolled_up:.4g}",
                     f"{h.inclusive:.4g}", f"{h.share:.1%}") for h in hot]
        findings = s.scalars(
            select(Finding).where(Finding.repo_id == ws.repo_id).order_by(Finding.score.desc()).limit(200)
        ).all()
        finding_rows = [
            (f.candidate.path, f.candidate.qualname, f.candidate.start_line, f.antipattern.kind,
             f.antipattern.category, f"{f.score:.3f}", "yes" if f.structural else "no", _hot(f.hotness))
            for f in findings
        ]
    views = list_patches(ws, status=None)
    articles = []
    with ws.store.session() as s:
        for view in views:
            path = Path(view.file) if Path(view.file).is_absolute() else ws.root / view.file
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
            if not text:  # the patch file is gone: show the draft's diff instead
                text = s.get(Patch, view.id).draft.diff
            articles.append(_patch_html(ws, view, text))
    try:
        head = ws.target.head_sha()[:12]
    except Exception:  # a repository without commits has no HEAD to show
        head = "-"
    return Template(_TEMPLATE.read_text(encoding="utf-8")).substitute(
        repo_name=_e(ws.root.name),
        repo_path=_e(ws.root),
        head=_e(head),
        generated=_e(datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        funnel=_funnel_html(funnel(ws)),
        hot=_table(["path", "function", "line", "self", "rolled up", "inclusive", "share"], hot_rows,
                   {2, 3, 4, 5, 6}, empty="no profile ingested (eco profile ingest / eco profile run)"),
        findings=_table(["path", "function", "line", "anti-pattern", "category", "score", "structural", "hotness"],
                        finding_rows, {2, 5, 7}, empty="no findings (eco find)"),
        patches="".join(articles) or '<p class="empty">no patches (eco run)</p>',
    )


def write_report(ws: Workspace, out: Path) -> Path:
    """Write the report; the folder must exist (a typo in the path should not create folders)."""
    out = Path(out)
    if not out.parent.exists():
        from eco.errors import EcoError

        raise EcoError(f"{out.parent}: no such directory")
    out.write_text(build_report(ws), encoding="utf-8")
    return out
