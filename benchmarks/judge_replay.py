"""Measure ``eco mine --llm-judge`` on the labelled windows with answers recorded beforehand, over real HTTP.

Usage::

    python benchmarks/judge_replay.py --only '*blind24' --min 0 --record prompts.jsonl          # 1. what eco asks
    # 2. answer each prompt of prompts.jsonl with a model: {"key": ..., "reply": "..."} per line in answers.jsonl
    python benchmarks/judge_replay.py --only '*blind24' --min 0 --answers answers.jsonl         # 3. score

No endpoint exists where eco is developed, so the judge's answers are made apart from the run: the first
pass serves "no" to every question and writes each prompt eco sent (keyed by the SHA-256 of its text); the
second serves the recorded answer to the identical prompt. Both passes are ``benchmarks/mine_quality.py
--llm-judge`` against the scripted OpenAI-compatible server of the tests, so prompt building, redaction,
concurrency, answer parsing and the verdict are eco's own code. A prompt with no recorded answer gets "no" and
is counted. Besides mine_quality's table, it prints how the judge did on the commits it was asked about,
against the labels: the fixes it found and the non-fixes it called fixes (the rate that decides precision).

``benchmarks/judge_answers/rounds22-24.jsonl.gz`` holds the answers of a frontier-class model to every prompt
of rounds 22-24 at ``--min 0 --max 100`` (how they were made: ``benchmarks/judge_answers/BRIEF.md``; results:
RESULTS.md, "The LLM judge, measured with recorded answers").
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import mine_quality  # noqa: E402
from llm_server import ScriptedLLMServer, ScriptedResponse  # noqa: E402

from eco.llm.client import LLMError  # noqa: E402
from eco.mine.second_opinion import parse_answer  # noqa: E402

UNANSWERED = '{"perf": false, "reason": "no recorded answer"}'
_SHA = re.compile(r"^## Commit ([0-9a-f]{7,40})$", re.M)


def prompt_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_answers(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    answers: dict[str, str] = {}
    text = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if "key" not in row or "reply" not in row:
                raise SystemExit(f"{path}:{n}: each line needs 'key' and 'reply'")
            answers[row["key"]] = row["reply"] if isinstance(row["reply"], str) else json.dumps(row["reply"])
    return answers


class Replay:
    """The scripted server's reply maker: the recorded answer to this exact prompt, or "no" (and noted)."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.asked: dict[str, dict] = {}  # prompt key -> what was asked and answered

    def __call__(self, request) -> str:  # type: ignore[no-untyped-def]  # runs on the server's threads
        text = request.prompt_text
        key = prompt_key(text)
        m = _SHA.search(text)
        reply = self.answers.get(key, UNANSWERED)
        self.asked[key] = {"key": key, "sha": m.group(1) if m else "", "answered": key in self.answers, "reply": reply, "prompt": text}
        return reply


def load_labels(only: str) -> dict[str, tuple[str, bool, str]]:
    """sha -> (label file stem, perf, reason) for every labelled commit of the matching files."""
    labels: dict[str, tuple[str, bool, str]] = {}
    for f in sorted((ROOT / "benchmarks" / "labels").glob(f"{only}.toml")):
        for sha, v in tomllib.loads(f.read_text())["labels"].items():
            labels[sha] = (f.stem, bool(v["perf"]), str(v.get("reason", "")))
    return labels


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", metavar="GLOB", required=True, help="label files to score, as mine_quality.py --only")
    ap.add_argument("--min", type=float, default=0.25, help="mine_llm_judge_min for the run (default %(default)s)")
    ap.add_argument("--max", type=float, default=None,
                    help="mine_llm_judge_max (default: the threshold); above it the judge also checks the rules' fixes")
    ap.add_argument("--answers", type=Path, help="JSON Lines of {key, reply} (.gz too): the recorded answers to serve, "
                    "e.g. benchmarks/judge_answers/rounds22-24.jsonl.gz")
    ap.add_argument("--record", type=Path, help="write every prompt that has no recorded answer here (JSON Lines)")
    ap.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--delay", type=float, default=0.0, help="seconds the server waits before each answer, to time mining "
                    "against an endpoint of that latency (then compare mine_llm_judge_concurrency and mine_workers)")
    ap.add_argument("--show-judge-errors", action="store_true",
                    help="list the labelled commits the judge answered against the label (do not, on a round kept unseen)")
    args = ap.parse_args(argv)

    replay = Replay(load_answers(args.answers))
    asked = replay.asked
    labels = load_labels(args.only)
    server = ScriptedLLMServer().start()
    server.default = ScriptedResponse(body=replay, delay=args.delay)
    started = time.perf_counter()
    env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "replay", "ECO_MINE_LLM_JUDGE_MIN": str(args.min)}
    if args.max is not None:
        env["ECO_MINE_LLM_JUDGE_MAX"] = str(args.max)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            mine_quality.main(["--only", args.only, "--llm-judge", "--mirror-root", str(args.mirror_root)])
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    elapsed = time.perf_counter() - started
    print(out.getvalue(), end="")
    if args.delay:
        print(f"\n{len(replay.asked)} requests answered after {args.delay} s each, at most {server.max_in_flight} at once; "
              f"mining and scoring took {elapsed:.0f} s")

    missing = [a for a in asked.values() if not a["answered"]]
    if args.record is not None:
        with args.record.open("w") as fh:
            for a in missing:
                fh.write(json.dumps({"key": a["key"], "sha": a["sha"], "prompt": a["prompt"]}) + "\n")
    # How the judge did on what it was asked, against the labels (a prompt names its commit by a 12-digit prefix).
    by_prefix = {sha[:12]: v for sha, v in labels.items()}
    counts = {"fix, yes": 0, "fix, no": 0, "non-fix, yes": 0, "non-fix, no": 0, "unlabelled": 0}
    wrong: list[str] = []
    for a in asked.values():
        label = by_prefix.get(a["sha"][:12])
        if label is None:
            counts["unlabelled"] += 1
            continue
        try:
            yes = parse_answer(a["reply"])[0]
        except LLMError:  # eco counted it as a failed request: the rules' verdict stood
            yes = False
        counts[f"{'fix' if label[1] else 'non-fix'}, {'yes' if yes else 'no'}"] += 1
        if yes != label[1]:
            wrong.append(f"{label[0]} {a['sha']} judge={'yes' if yes else 'no'} label={'fix' if label[1] else 'non-fix'} :: {label[2]}")
    print()
    print(f"judge asked {len(asked)} distinct prompts at mine_llm_judge_min = {args.min}, mine_llm_judge_max = {args.max or 'the threshold'}; "
          f"{len(asked) - len(missing)} answered from {args.answers or 'nothing'}, {len(missing)} without an answer (served 'no')"
          + (f", recorded in {args.record}" if args.record else ""))
    print("on labelled commits: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    neg = counts["non-fix, yes"] + counts["non-fix, no"]
    pos = counts["fix, yes"] + counts["fix, no"]
    if pos:
        print(f"judge recall on the fixes it was asked about: {counts['fix, yes'] / pos:.2f}")
    if neg:
        print(f"judge false-yes rate on the non-fixes it was asked about: {counts['non-fix, yes'] / neg:.4f}")
    if args.show_judge_errors and wrong:
        print("\n".join(wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
