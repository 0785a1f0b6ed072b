"""Check an edit the hard way: in a throw-away worktree, compile it, run the tests, benchmark it.

Nothing here touches the user's working tree, index or branches: the edit is written into a
detached ``git worktree`` of the base commit made in a temporary folder, and that worktree is
removed afterwards whatever happens (errors, Ctrl-C). Every command runs in a subprocess with a
timeout and an environment stripped of API keys and tokens.

The benchmark times the edited function inside the repository's own workload (``workload.py``
or the ``benchmark_command`` setting), running base and patched worktrees interleaved
(A B B A A B ...), at least ``benchmark_runs`` times each, and up to ``benchmark_max_runs`` when
the result is promising but not yet conclusive. Without a workload it times the function on
arguments captured from the test suite. The speedup and its 95% interval are the Hodges-Lehmann
estimate and exact Mann-Whitney interval of the shift in log time (see :func:`speedup_interval`):
deterministic and distribution-free; a run disturbed by other load is outvoted once there are ten a
side, which is why a promising but inconclusive result earns more runs. An edit counts as faster only
when the interval's low end clears ``speedup_floor``.
"""

from __future__ import annotations

import json
import math
import os
import py_compile
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from eco.config import Settings
from eco.errors import EcoError
from eco.repo import GIT_LOCATION_VARS

RUNNER = Path(__file__).resolve().parent / "_bench_runner.py"
WORKTREE_PREFIX = "eco-wt-"
BENCH_PREFIX = "eco-bench-"
# Aim for one benchmark run of the workload in this many seconds (the scale is derived).
TARGET_RUN_SECONDS = 0.25
REPLAY_TARGET_SECONDS = 0.05
_SECRET_ENV = re.compile(r"(_KEY$|^KEY$|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.I)


# ---------------------------------------------------------------- subprocess hygiene


def clean_env(extra_path: list[Path] | None = None) -> dict[str, str]:
    """The environment for the user's code: no API keys, tokens or passwords; no bytecode files."""
    env = {k: v for k, v in os.environ.items() if not _SECRET_ENV.search(k)}
    for var in GIT_LOCATION_VARS:
        env.pop(var, None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # eco's own dependencies (LangChain) register a pytest plugin in this interpreter that costs a
    # second per test run and is nothing the user's suite asked for.
    env["PYTEST_ADDOPTS"] = (env.get("PYTEST_ADDOPTS", "") + " -p no:langsmith_plugin").strip()
    env.pop("PYTHONSTARTUP", None)
    if extra_path:
        parts = [str(p) for p in extra_path]
        if env.get("PYTHONPATH"):
            parts.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


def command_argv(command: str) -> list[str]:
    """Split a command; a leading ``python`` is the interpreter eco runs under."""
    argv = shlex.split(command)
    if argv and argv[0] in {"python", "python3"}:
        argv[0] = sys.executable
    return argv


@dataclass
class CommandResult:
    returncode: int | None  # None: timed out
    output: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run_command(argv: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> CommandResult:
    import time

    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=env if env is not None else clean_env([cwd]), timeout=timeout,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors="replace",
        )
        return CommandResult(proc.returncode, proc.stdout[-20000:], time.perf_counter() - t0)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode("utf-8", "replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return CommandResult(None, out[-20000:], time.perf_counter() - t0)
    except OSError as exc:
        return CommandResult(127, f"cannot run {argv[0]}: {exc}", time.perf_counter() - t0)


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = clean_env()
    env.update({"GIT_TERMINAL_PROMPT": "0"})
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check, timeout=120)


# ---------------------------------------------------------------- worktrees


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune_stale_worktrees(repo_root: Path) -> int:
    """Remove eco worktrees left by a killed run (their owning process is gone)."""
    removed = 0
    out = _git(repo_root, "worktree", "list", "--porcelain", check=False).stdout
    for line in out.splitlines():
        if not line.startswith("worktree "):
            continue
        path = Path(line[len("worktree "):])
        m = re.match(rf"{WORKTREE_PREFIX}(\d+)-", path.parent.name)
        if m and not _pid_alive(int(m.group(1))):
            _git(repo_root, "worktree", "remove", "--force", str(path), check=False)
            shutil.rmtree(path.parent, ignore_errors=True)
            removed += 1
    _git(repo_root, "worktree", "prune", check=False)
    # scratch folders of killed runs (timings, captured inputs)
    for scratch in Path(tempfile.gettempdir()).glob(f"{BENCH_PREFIX}*"):
        m = re.match(rf"{BENCH_PREFIX}(\d+)-", scratch.name)
        if m and not _pid_alive(int(m.group(1))):
            shutil.rmtree(scratch, ignore_errors=True)
    return removed


@contextmanager
def throwaway_worktree(repo_root: Path, base_sha: str) -> Iterator[Path]:
    """A detached worktree of ``base_sha`` in a temporary folder, removed on the way out."""
    parent = Path(tempfile.mkdtemp(prefix=f"{WORKTREE_PREFIX}{os.getpid()}-"))
    path = parent / "wt"
    try:
        _git(repo_root, "worktree", "add", "--detach", "--quiet", str(path), base_sha)
        yield path
    finally:
        _git(repo_root, "worktree", "remove", "--force", str(path), check=False)
        shutil.rmtree(parent, ignore_errors=True)
        _git(repo_root, "worktree", "prune", check=False)


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True)
class SpeedupEstimate:
    speedup: float  # exp(Hodges-Lehmann shift of log times) - 1: "after is this much faster"
    ci_low: float
    ci_high: float
    faster: bool


def _rank_sum_cdf(m: int, n: int) -> list[float]:
    """P(U <= u) for the Mann-Whitney U statistic of samples of sizes m and n, no ties (exact)."""
    # counts[i][j][u]: arrangements of i "a" and j "b" values with statistic u, built up by DP.
    top = m * n
    prev = [[0] * (top + 1) for _ in range(n + 1)]
    for j in range(n + 1):
        prev[j][0] = 1
    for i in range(1, m + 1):
        cur = [[0] * (top + 1) for _ in range(n + 1)]
        cur[0][0] = 1
        for j in range(1, n + 1):
            for u in range(top + 1):
                # the largest value is an "a" (adds j to U) or a "b" (adds nothing)
                cur[j][u] = (prev[j][u - j] if u >= j else 0) + cur[j - 1][u]
        prev = cur
    counts = prev[n]
    total = sum(counts)
    out, acc = [], 0
    for c in counts:
        acc += c
        out.append(acc / total)
    return out


def speedup_interval(before: list[float], after: list[float], *, floor: float, confidence: float = 0.95) -> SpeedupEstimate:
    """Hodges-Lehmann estimate and exact distribution-free interval of the shift in log time.

    The m*n pairwise differences ``log(before_i) - log(after_j)`` are sorted; the estimate is their
    median and the interval runs from the c-th smallest to the c-th largest, with c taken from the
    exact Mann-Whitney distribution (for 5 runs a side: the 3rd, coverage 96.8%; for 10: the
    24th). It needs no random resampling, so the same timings always give the same interval. Reported as speedups: ``exp(shift) - 1``.
    """
    if not before or not after:
        raise ValueError("need timings on both sides")
    tiny = 1e-12
    diffs = sorted(math.log(max(a, tiny)) - math.log(max(b, tiny)) for a in before for b in after)
    m, n = len(before), len(after)
    cdf = _rank_sum_cdf(m, n)
    alpha = (1 - confidence) / 2
    c = 0  # the largest c with P(U <= c - 1) <= alpha; 0 means the interval is the full range
    while c < len(cdf) and cdf[c] <= alpha:
        c += 1
    lo_i = max(c - 1, 0)
    lo, hi = diffs[lo_i], diffs[len(diffs) - 1 - lo_i]
    point = statistics.median(diffs)
    low = math.exp(lo) - 1
    return SpeedupEstimate(math.exp(point) - 1, low, math.exp(hi) - 1, low > floor)


# ---------------------------------------------------------------- validation


@dataclass
class ValidationResult:
    """What validation found; ``outcome`` is None when the edit passed everything."""

    outcome: str | None  # None | rejected_by_tests | rejected_no_speedup | error
    detail: str = ""
    compiled: bool = False
    tests_passed: bool | None = None
    tests_summary: str = ""
    before_times: list[float] = field(default_factory=list)
    after_times: list[float] = field(default_factory=list)
    speedup: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    method: str = ""


def _tests_summary(output: str, rc: int | None) -> str:
    if rc is None:
        return "timed out"
    for line in reversed(output.strip().splitlines()):
        if re.search(r"\b(passed|failed|error|no tests ran)\b", line):
            return line.strip(" =")
    return f"exit code {rc}"


class BaseTestsFailing(EcoError):
    """The repository's tests fail before any edit, so no edit can be judged."""


def _last_error_line(output: str) -> str:
    for line in reversed(output.strip().splitlines()):
        if re.search(r"(Error|error:|No module named|not found)", line):
            return f": {line.strip()[:200]}"
    return ""


class Validator:
    """Validates edits of one repository at one base commit; remembers per-run facts
    (the base passes its tests, the workload scale, captured inputs)."""

    def __init__(self, repo_root: Path, base_sha: str, settings: Settings) -> None:
        self.root = Path(repo_root)
        self.base_sha = base_sha
        self.settings = settings
        self._base_tests: CommandResult | None = None
        self._scale: float | None = None
        self._captured: dict[tuple[str, str], Path | None] = {}
        self._tmp = Path(tempfile.mkdtemp(prefix=f"{BENCH_PREFIX}{os.getpid()}-"))
        self._base_cm: Any = None
        self._base_wt: Path | None = None

    def base_worktree(self) -> Path:
        """One clean worktree of the base for the whole run (the A side of every benchmark)."""
        if self._base_wt is None:
            self._base_cm = throwaway_worktree(self.root, self.base_sha)
            self._base_wt = self._base_cm.__enter__()
        return self._base_wt

    def close(self) -> None:
        if self._base_cm is not None:
            cm, self._base_cm, self._base_wt = self._base_cm, None, None
            cm.__exit__(None, None, None)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> "Validator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- commands

    def _test(self, wt: Path) -> CommandResult:
        return run_command(command_argv(self.settings.test_command), wt, self.settings.test_timeout, clean_env([wt]))

    def benchmark_argv(self, wt: Path) -> list[str] | None:
        """The workload command (python-level argv after the interpreter) or None."""
        if self.settings.benchmark_command:
            argv = command_argv(self.settings.benchmark_command)
            return argv
        if (wt / "workload.py").is_file():
            argv = [sys.executable, "workload.py"]
            scale = self.settings.benchmark_scale if self.settings.benchmark_scale is not None else self._scale
            if scale is not None:
                argv += ["--scale", f"{scale:g}"]
            return argv
        return None

    def _runner(self, mode: str, wt: Path, path: str, qualname: str, cmd: list[str], timeout: float, **opts: object) -> dict:
        out = self._tmp / f"out-{mode}-{os.getpid()}.json"
        out.unlink(missing_ok=True)
        argv = [sys.executable, str(RUNNER), mode, "--root", str(wt), "--file", path, "--qualname", qualname, "--out", str(out)]
        for key, value in opts.items():
            argv += [f"--{key.replace('_', '-')}", str(value)]
        argv += ["--", *cmd]
        res = run_command(argv, wt, timeout, clean_env([wt]))
        if res.timed_out:
            return {"error": f"timed out after {timeout:g}s"}
        try:
            data = json.loads(out.read_text())
        except (OSError, ValueError):
            return {"error": f"benchmark runner failed (exit {res.returncode}): {res.output.strip()[-300:]}"}
        if not data.get("error") and data.get("exit") not in (0, None):
            data["error"] = f"command exited {data.get('exit')}: {res.output.strip()[-300:]}"
        return data

    @staticmethod
    def _python_cmd(argv: list[str]) -> list[str] | None:
        """The part the runner executes via runpy: ``X.py args`` or ``-m mod args``."""
        if not argv or Path(argv[0]).name not in {Path(sys.executable).name, "python", "python3"} and argv[0] != sys.executable:
            return None
        rest = argv[1:]
        if rest[:1] == ["-m"] and len(rest) >= 2:
            return rest
        if rest and rest[0].endswith(".py"):
            return rest
        return None

    # -- the stages of one validation

    def base_tests(self) -> CommandResult:
        """The test command on the unmodified base, once per run."""
        if self._base_tests is None:
            wt = self.base_worktree()
            self._base_tests = self._test(wt)
            self._calibrate(wt)
        return self._base_tests

    def _calibrate(self, wt: Path) -> None:
        """Pick the workload scale so one run takes about TARGET_RUN_SECONDS."""
        if self.settings.benchmark_command or self.settings.benchmark_scale is not None or not (wt / "workload.py").is_file():
            return
        probe = 0.1  # a small first run, extrapolated linearly (cheap even for a slow workload)
        res = run_command([sys.executable, "workload.py", "--scale", str(probe)], wt, self.settings.benchmark_timeout, clean_env([wt]))
        if res.returncode == 0 and res.seconds > 0:
            self._scale = round(min(1.0, max(0.02, probe * TARGET_RUN_SECONDS / res.seconds)), 3)
        else:
            self._scale = None  # workload has no --scale option (or fails): run it as it is

    def validate(self, path: str, qualname: str, new_source: str) -> ValidationResult:
        """Compile, test and benchmark ``new_source`` as the content of ``path`` at the base."""
        base = self.base_tests()
        if base.timed_out or base.returncode not in (0,):
            # Every draft would fail the same way: stop the run with the reason instead of recording
            # one error per draft. Drafts stay in flight and are validated on the next run.
            raise BaseTestsFailing(
                f"the test command fails on the unmodified base commit {self.base_sha[:12]} "
                f"({_tests_summary(base.output, base.returncode)}{_last_error_line(base.output)}); "
                f"fix it or set test_command (now {self.settings.test_command!r}), then run again"
            )
        before = self.base_worktree()
        with throwaway_worktree(self.root, self.base_sha) as after:
            target = after / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(new_source, encoding="utf-8")
            result = ValidationResult(None)
            if path.endswith(".py"):
                try:
                    py_compile.compile(str(target), cfile=str(self._tmp / "compiled.pyc"), doraise=True)
                except py_compile.PyCompileError as exc:
                    result.detail = f"does not compile: {exc.msg.strip().splitlines()[-1]}"
                    result.outcome = "rejected_by_tests"
                    return result
            result.compiled = True
            tests = self._test(after)
            result.tests_passed = tests.returncode == 0
            result.tests_summary = _tests_summary(tests.output, tests.returncode)
            if tests.returncode == 5:
                result.tests_summary = "no tests collected"
            if not result.tests_passed:
                result.outcome = "rejected_by_tests"
                result.detail = f"tests: {result.tests_summary}"
                return result
            self._benchmark(before, after, path, qualname, result)
            return result

    def _benchmark(self, before: Path, after: Path, path: str, qualname: str, result: ValidationResult) -> None:
        runs = max(1, self.settings.benchmark_runs)
        max_runs = max(runs, self.settings.benchmark_max_runs)
        timeout = self.settings.benchmark_timeout
        argv = self.benchmark_argv(before)
        cmd = self._python_cmd(argv) if argv else None
        mode, opts = "", {}
        first: dict | None = None
        if cmd is not None:
            first = self._runner("workload", before, path, qualname, cmd, timeout)
            if first.get("error"):
                result.outcome, result.detail = "error", f"benchmark on the base failed: {first['error']}"
                return
            if first.get("calls", 0) > 0:
                mode = "workload"
                result.method = f"workload: {' '.join(cmd)}; time inside {qualname}; Hodges-Lehmann CI"
            else:
                first = None
        if not mode:
            inputs = self._capture(before, path, qualname)
            if inputs is None:
                result.outcome = "rejected_no_speedup"
                result.detail = "no benchmark: the function is not exercised by a workload nor called (with picklable arguments) by the tests"
                return
            probe = self._runner("replay", before, path, qualname, [], timeout, inputs=inputs, repeat=1)
            if probe.get("error"):
                result.outcome, result.detail = "error", f"replaying captured inputs failed on the base: {probe['error']}"
                return
            repeat = int(min(2_000, max(1, REPLAY_TARGET_SECONDS / max(probe.get("seconds", 0.0), 1e-6))))
            mode, cmd, opts = "replay", [], {"inputs": inputs, "repeat": repeat}
            result.method = f"replay of {probe.get('calls')} calls captured from the tests x{repeat}; Hodges-Lehmann CI"
        i = 0
        while True:
            order = [(before, result.before_times), (after, result.after_times)]
            if i % 2:
                order.reverse()
            for wt, sink in order:
                if first is not None and wt == before:  # the first base run doubles as the probe
                    data, first = first, None
                else:
                    data = self._runner(mode, wt, path, qualname, cmd, timeout, **opts)
                if data.get("error"):
                    side = "patched" if wt == after else "base"
                    result.outcome = "rejected_by_tests" if side == "patched" else "error"
                    result.detail = f"benchmark on the {side} tree failed: {data['error']}"
                    return
                sink.append(float(data.get("seconds", 0.0)))
            i += 1
            if i < runs:
                continue
            est = speedup_interval(result.before_times, result.after_times, floor=self.settings.speedup_floor)
            # Promising but inconclusive: more runs narrow the interval (up to benchmark_max_runs).
            if est.faster or est.speedup <= self.settings.speedup_floor or i >= max_runs:
                break
        result.speedup, result.ci_low, result.ci_high = est.speedup, est.ci_low, est.ci_high
        if not est.faster:
            result.outcome = "rejected_no_speedup"
            result.detail = (
                f"speedup {est.speedup:+.1%} (95% CI {est.ci_low:+.1%} .. {est.ci_high:+.1%}, {i} runs a side) "
                f"does not clear the {self.settings.speedup_floor:.0%} floor"
            )

    def _capture(self, wt: Path, path: str, qualname: str) -> Path | None:
        key = (path, qualname)
        if key in self._captured:
            return self._captured[key]
        inputs = self._tmp / f"inputs-{len(self._captured)}.pkl"
        found: Path | None = None
        cmd = self._python_cmd(command_argv(self.settings.test_command))
        if cmd is not None:
            data = self._runner("capture", wt, path, qualname, cmd, self.settings.test_timeout, inputs=inputs)
            if not data.get("error") and data.get("calls", 0) > 0:
                found = inputs
        self._captured[key] = found
        return found
