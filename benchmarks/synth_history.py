"""Generate a large deterministic git history with realistic Python diffs, through ``git fast-import``.

Usage: ``python benchmarks/synth_history.py DEST --commits 20000``. Each commit edits one to three
of a few hundred modules (changes a few lines inside functions, adds or removes a function, now
and then renames a file or touches docs/tests), with messages drawn from a pool in which a few
percent are performance fixes. Generation is seeded, so two runs give the same history.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
from pathlib import Path

WORDS = "parse load save merge index token record cache batch frame group label value count total score".split()
MESSAGES = [
    "Fix {w} handling for empty input", "Add {w} option", "Refactor {w} module", "Update {w} docs",
    "Handle None in {w}", "Rename {w} helper", "Clean up {w}", "Support unicode in {w}", "Add type hints to {w}",
    "Bump version", "Fix typo in {w}", "Tidy imports in {w}", "Log {w} errors", "Raise a clearer error in {w}",
]
PERF_MESSAGES = ["Speed up {w} lookups", "perf: avoid re-parsing {w}", "Make {w} faster with a set", "Cache {w} results"]


def function(rng: random.Random, name: str) -> list[str]:
    body = [f"def {name}(items, key=None):", f'    """Return the {rng.choice(WORDS)} of items."""', "    out = []"]
    for i in range(rng.randint(4, 12)):
        body.append(f"    {rng.choice(WORDS)}_{i} = len(items) + {rng.randint(0, 99)}")
    body += ["    for item in items:", "        if item in out:", "            continue", "        out.append(item)", "    return out", "", ""]
    return body


def module(rng: random.Random, idx: int) -> list[str]:
    lines = [f'"""Module {idx}."""', "", "import re", "", ""]
    for j in range(rng.randint(4, 9)):
        lines += function(rng, f"{rng.choice(WORDS)}_{idx}_{j}")
    return lines


def generate(dest: Path, commits: int, modules: int = 300, seed: int = 7) -> None:
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    files: dict[str, list[str]] = {f"pkg/mod{i:03d}.py": module(rng, i) for i in range(modules)}
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=dest, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    out = proc.stdin
    ts = 1_600_000_000

    def blob(text: str) -> bytes:
        data = text.encode()
        return b"data %d\n%s\n" % (len(data), data)

    for n in range(commits):
        ts += rng.randint(60, 7200)
        changes: list[bytes] = []
        if n == 0:
            touched = list(files)
        else:
            touched = rng.sample(sorted(files), rng.randint(1, 3))
        for path in touched:
            lines = files[path]
            if n:
                for _ in range(rng.randint(1, 6)):
                    i = rng.randrange(5, len(lines))
                    if re.match(r"    [a-z]+_\d+ = ", lines[i]) and rng.random() < 0.7:
                        lines[i] = f"    {rng.choice(WORDS)}_{rng.randint(0, 9)} = {rng.choice(WORDS)}({rng.randint(0, 999)})"
                    elif rng.random() < 0.5 and re.match(r"    [a-z]+_\d+ = ", lines[i]):
                        lines.insert(i, f"    # {rng.choice(WORDS)} {rng.choice(WORDS)}")
                if rng.random() < 0.1:
                    lines += function(rng, f"{rng.choice(WORDS)}_new_{n}")
            changes.append(b"M 100644 inline %s\n" % path.encode() + blob("\n".join(lines) + "\n"))
        if n and rng.random() < 0.01:
            old = rng.choice(sorted(files))
            new = old.replace(".py", f"_r{n}.py")
            files[new] = files.pop(old)
            changes.append(b"D %s\n" % old.encode())
            changes.append(b"M 100644 inline %s\n" % new.encode() + blob("\n".join(files[new]) + "\n"))
        if n and rng.random() < 0.05:
            changes.append(b"M 100644 inline docs/notes.md\n" + blob(f"notes {n}\n"))
        pool = PERF_MESSAGES if rng.random() < 0.03 else MESSAGES
        msg = (rng.choice(pool).format(w=rng.choice(WORDS)) + f"\n\nChange {n}.\n").encode()
        out.write(b"commit refs/heads/main\n")
        out.write(b"author Dev %d <dev%d@example.invalid> %d +0000\n" % (n % 17, n % 17, ts))
        out.write(b"committer Dev %d <dev%d@example.invalid> %d +0000\n" % (n % 17, n % 17, ts))
        out.write(b"data %d\n%s\n" % (len(msg), msg))
        out.write(b"".join(changes))
        out.write(b"\n")
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=dest, check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--commits", type=int, default=20_000)
    ap.add_argument("--modules", type=int, default=300)
    args = ap.parse_args(argv)
    generate(args.dest, args.commits, args.modules)
    return 0


if __name__ == "__main__":
    sys.exit(main())
