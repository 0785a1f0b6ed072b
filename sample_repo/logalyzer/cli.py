"""Command line: ``python -m logalyzer summary access.log [--app app.log]``."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .parsing import level_counts, parse_access_log
from .report import format_bytes, render_summary
from .sessions import sessionize
from .stats import count_by_method, latency_summary, status_classes, top_error_paths


def _read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.readlines()


def summary(access_path: str, app_path: str | None = None) -> str:
    """The Markdown summary of one access log (and optionally an application log)."""
    records = parse_access_log(_read_lines(access_path))
    sessions = sessionize(records)
    sections = {
        "Traffic": {
            "requests": len(records),
            "sessions": len(sessions),
            "bytes": format_bytes(sum(rec.size for rec in records)),
        },
        "Methods": count_by_method(records),
        "Status classes": status_classes(records),
        "Latency (ms)": latency_summary(records),
        "Top error paths": dict(top_error_paths(records, 5)),
    }
    if app_path:
        sections["Application log levels"] = dict(sorted(level_counts(_read_lines(app_path)).items()))
    return render_summary(f"Summary of {access_path}", sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="logalyzer", description=__doc__)
    parser.add_argument("--version", action="version", version=f"logalyzer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_sum = sub.add_parser("summary", help="Markdown summary of an access log")
    p_sum.add_argument("access_log")
    p_sum.add_argument("--app", dest="app_log", help="application log to include")
    args = parser.parse_args(argv)
    try:
        text = summary(args.access_log, args.app_log)
    except OSError as exc:
        print(f"logalyzer: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0
