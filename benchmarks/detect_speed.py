#!/usr/bin/env python3
"""Structural detector speed: ``detect_all`` functions/s over real code (the running interpreter's
standard library, tests excluded), with a per-detector time breakdown.

    PYTHONPATH=. python benchmarks/detect_speed.py [--limit N] [--breakdown] [--dump FILE]

``--dump FILE`` writes every function's evidence as JSON lines (content hash, kind, lines), so two
versions of the detectors can be compared verdict for verdict on the same code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eco.code import extract_functions  # noqa: E402


def stdlib_functions(limit: int | None) -> list[str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py")
                   if not {"site-packages", "test", "tests", "idle_test"} & set(p.relative_to(stdlib).parts))
    codes: list[str] = []
    for p in files:
        try:
            src = p.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        codes.extend(f.code for f in extract_functions(src, "python", str(p)))
        if limit and len(codes) >= limit:
            return codes[:limit]
    return codes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N functions")
    ap.add_argument("--breakdown", action="store_true", help="also time each detector separately")
    ap.add_argument("--dump", type=Path, default=None, help="write every verdict as JSON lines")
    args = ap.parse_args()

    from eco.detect import _builtin_specs, _context, _run, detect_all

    codes = stdlib_functions(args.limit)
    _builtin_specs()
    t0 = time.perf_counter()
    results = [detect_all(c, "python") for c in codes]
    elapsed = time.perf_counter() - t0
    hits = sum(len(r) for r in results)
    print(f"detect_all: {len(codes)} functions in {elapsed:.2f}s = {len(codes) / elapsed:.0f} functions/s "
          f"({1000 * elapsed / len(codes):.2f} ms/function), {hits} findings")
    if args.dump:
        with args.dump.open("w") as fh:
            for c, r in zip(codes, results):
                h = hashlib.sha1(c.encode("utf-8", "surrogateescape")).hexdigest()[:16]
                fh.write(json.dumps([h, [[e.kind, e.line, e.end_line, e.message, e.snippet] for e in r]]) + "\n")
    if args.breakdown:
        specs = _builtin_specs()
        t = time.perf_counter()
        ctxs = [_context(c, "python") for c in codes]
        parse_s = time.perf_counter() - t
        rows = [("(parse + Context)", parse_s)]
        for kind, spec in specs.items():
            t = time.perf_counter()
            for c, ctx in zip(codes, ctxs):
                _run(kind, spec, c, "python", ctx)
            rows.append((f"{kind} [{spec.get('kind')}]", time.perf_counter() - t))
        total = sum(s for _k, s in rows)
        for k, s in sorted(rows, key=lambda r: -r[1])[:25]:
            print(f"  {k:50} {s:7.2f}s {100 * s / total:5.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
