"""The README's "Write your own mining rule" example, run exactly as written."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from mine_helpers import commit, new_repo


def readme_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Write your own mining rule", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


def test_readme_mining_rule_example_runs_as_written(tmp_path: Path) -> None:
    blocks = readme_blocks()
    assert [lang for lang, _ in blocks] == ["python", "toml", "sh"]
    root = new_repo(tmp_path)
    for lang, body in blocks[:2]:
        rel = body.splitlines()[0].lstrip("# ").strip()
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    commit(root, "add total", {"calc.py": "def total(xs):\n    s = 0\n    for x in xs:\n        s += x * x\n    return s\n"})
    fix = commit(root, "Rewrite total", {"calc.py": "import numpy as np\n\n\ndef total(xs):\n    a = np.asarray(xs)\n    return int(np.dot(a, a))\n"})
    commit(root, "Add a loop", {"other.py": "def f(xs):\n    return [x for x in xs]\n"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outputs = []
    for line in blocks[2][1].strip().splitlines():
        argv = shlex.split(line)
        assert argv[0] == "eco"
        proc = subprocess.run([sys.executable, "-m", "eco", *argv[1:]], cwd=root, capture_output=True, text=True,
                              env={**env, "COLUMNS": "250"})
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    listed, tested, mined = outputs
    assert re.search(r"vectorize\s+│\s+user:myrules", listed), listed
    assert "fired on 1 of 3 commits" in tested and fix[:12] in tested and "total: loop replaced by NumPy" in tested
    row = next(ln for ln in mined.splitlines() if str(root) in ln or "│" in ln and " 3 " in ln)
    assert re.search(r"│\s+3\s+│\s+0\s+│\s+1\s+│", row), mined
