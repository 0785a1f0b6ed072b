"""eco's own overhead around an LLM call: prompt building, redaction, reply parsing, structural checks.

Runs N draft + self-review round trips against the scripted loopback server from tests/ (so the
model's thinking time is zero) and prints milliseconds per stage. Usage:

    PYTHONPATH=. python benchmarks/llm_overhead.py [N]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from llm_server import ScriptedLLMServer  # noqa: E402

from eco.config import Settings  # noqa: E402
from eco.draft.base import AntiPatternInfo, DraftRequest  # noqa: E402
from eco.draft.llm import LLMDrafter  # noqa: E402
from eco.llm.parse import parse_reply  # noqa: E402
from eco.llm.prompts import base_variables, build_prompt  # noqa: E402
from eco.review import self_review, structural_checks  # noqa: E402

FUNC = "def select(xs, ys):\n    out = []\n    for x in xs:\n        if x in ys:\n            out.append(x)\n    return out\n"
GOOD = "def select(xs, ys):\n    wanted = set(ys)\n    return [x for x in xs if x in wanted]\n"
FILE = "\n".join(f"import mod{i}" for i in range(60)) + '\nTOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\n\n' + "\n\n".join(
    f"def helper{i}(a):\n    return a + {i}\n" for i in range(200)
) + "\n\n" + FUNC
AP = AntiPatternInfo(key="catalog:x", kind="list-membership-in-loop", source="catalog", category="container-choice",
                     description="Build a set once.", before_code="x in list", after_code="x in set")


def timed(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    request = DraftRequest(1, "pkg/a.py", "select", "python", FUNC, 400, 405, FILE, "abc", AP)
    server = ScriptedLLMServer().start()
    server.default = None
    try:
        settings = Settings(openai_base_url=server.base_url, openai_api_key="not-needed", llm_recipe="few-shot")
        drafter = LLMDrafter(settings)
        reply = f"```python\n{GOOD}```\nIMPORTS: none"
        from llm_server import ScriptedResponse, completion_body

        server.default = ScriptedResponse(200, completion_body(reply))
        draft = drafter.draft(request)[0]
        results = {
            "prompt build + redaction (ms)": timed(lambda: build_prompt("draft_few_shot", base_variables(request), 24000), n),
            "reply parsing (ms)": timed(lambda: parse_reply(reply, "select", "pkg/a.py"), n),
            "structural checks (ms)": timed(lambda: structural_checks(request, draft), n),
            "draft round trip over loopback HTTP (ms)": timed(lambda: drafter.draft(request), n),
        }
        server.default = ScriptedResponse(200, completion_body(json.dumps({"verdict": "accept", "reasons": ["ok"]})))
        results["self-review round trip (ms)"] = timed(lambda: self_review(request, draft, settings), n)
    finally:
        server.stop()
    for name, value in results.items():
        print(f"{name:45s} {value:8.2f}")


if __name__ == "__main__":
    main()
