"""Rendering results as CSV, text tables and a Markdown summary."""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from .records import Request, format_time

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def format_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KiB"``; plain bytes have no decimals."""
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def csv_field(value) -> str:
    """One CSV field, quoted only when it contains a comma, a quote or a line break."""
    text = value if type(value) is str else str(value)
    if "," in text or '"' in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


class CsvWriter:
    """Collects rows as CSV text; ``text`` is everything written so far, header first."""

    def __init__(self, columns: Sequence[str]):
        self.columns = list(columns)
        self.rows = 0
        self.text = ",".join(csv_field(c) for c in self.columns) + "\n"

    def write_rows(self, rows: Iterable[Sequence]) -> "CsvWriter":
        """Append rows; each must have one value per column."""
        width = len(self.columns)
        for row in rows:
            if len(row) != width:
                raise ValueError(f"row {self.rows + 1} has {len(row)} fields, expected {width}")
            self.text += ",".join([csv_field(value) for value in row]) + "\n"
            self.rows += 1
        return self


def to_csv(rows: Iterable[Sequence], columns: Sequence[str]) -> str:
    """Rows as CSV text after a header line."""
    return CsvWriter(columns).write_rows(rows).text


def render_table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A plain-text table with columns padded to their widest cell."""
    cells = [[str(h) for h in headers]] + [[str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def activity_feed(records: Iterable[Request], limit: int = 20) -> list[str]:
    """The latest ``limit`` redirected or failed requests, newest first, one line each."""
    feed = []
    for rec in records:
        if rec.status >= 300:
            feed.insert(0, rec)
    return [f"{format_time(rec.ts)} {rec.status} {rec.method} {rec.path} ({rec.ip})"
            for rec in feed[:limit]]


def widest_line(lines: Sequence[str]) -> str:
    """The longest line without its line break, tabs expanded; the first one on ties."""
    if not lines:
        return ""
    return max([line.rstrip("\r\n").expandtabs(4) for line in lines], key=len)


def render_summary(title: str, sections: Mapping[str, Mapping]) -> str:
    """A Markdown report: one table per section, keys and values as two columns."""
    parts = [f"# {title}", ""]
    for name, data in sections.items():
        parts.append(f"## {name}")
        parts.append("")
        if not data:
            parts.append("_no data_")
        else:
            parts.append("| key | value |")
            parts.append("| --- | ---: |")
            for key, value in data.items():
                parts.append(f"| {key} | {value} |")
        parts.append("")
    return "\n".join(parts)
