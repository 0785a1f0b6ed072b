"""Time one function of a repository from inside a subprocess; run as a plain script.

The signal eco wants is the time spent in the edited function, not in the whole program, so this
runner wraps the target (module path + qualified name) with a timer before handing control to
the repository's own command. It imports nothing from eco: the validator runs it with the
target's interpreter inside a throw-away worktree, and it must not depend on where eco lives.

Modes:
  workload  wrap the target, run the command (``X.py args`` or ``-m module args``) through runpy,
            report the total seconds inside the target (outermost calls only) and the call count.
  capture   wrap the target to pickle the arguments of its first N calls while the command (the
            test suite) runs; those become the inputs of ``replay``.
  replay    call the target on the captured inputs (deep-copied each time, copying not timed)
            ``--repeat`` times and report the seconds inside it.

The result is a JSON object written to ``--out``; the command's own output goes to stderr.
"""

from __future__ import annotations

import argparse
import copy
import functools
import importlib
import json
import os
import pickle
import runpy
import sys
import time
import types


def _module_name(path: str, root: str) -> tuple[str, str]:
    """(module name, sys.path entry) of a repository file: ``src/`` layouts are understood."""
    rel = path[:-3] if path.endswith(".py") else path
    parts = rel.replace(os.sep, "/").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    base = root
    if len(parts) > 1 and parts[0] in {"src", "lib"} and not os.path.exists(os.path.join(root, parts[0], "__init__.py")):
        base = os.path.join(root, parts[0])
        parts = parts[1:]
    return ".".join(parts), base


def _resolve(module: types.ModuleType, qualname: str) -> tuple[object, str, object]:
    """(owner, attribute, value) for a qualname; nested functions resolve to their outermost
    enclosing function, which is what can be wrapped from outside."""
    owner: object = module
    parts = qualname.split(".")
    for i, part in enumerate(parts):
        value = owner.__dict__.get(part) if hasattr(owner, "__dict__") else None
        if value is None:
            value = getattr(owner, part)
        if i == len(parts) - 1 or isinstance(value, (types.FunctionType, staticmethod, classmethod)):
            return owner, part, value
        owner = value
    raise AttributeError(qualname)


def _unwrap(value: object) -> object:
    if isinstance(value, (staticmethod, classmethod)):
        return value.__func__
    return value


def _rewrap(kind: object, fn: object) -> object:
    if isinstance(kind, staticmethod):
        return staticmethod(fn)
    if isinstance(kind, classmethod):
        return classmethod(fn)
    return fn


def _install(module: types.ModuleType, qualname: str, make_wrapper) -> None:  # type: ignore[no-untyped-def]
    owner, attr, value = _resolve(module, qualname)
    original = _unwrap(value)
    wrapper = functools.wraps(original)(make_wrapper(original))
    setattr(owner, attr, _rewrap(value, wrapper))
    if owner is module or isinstance(owner, types.ModuleType):
        # Modules that already did ``from pkg.mod import f`` (a package __init__) hold the original.
        for other in list(sys.modules.values()):
            d = getattr(other, "__dict__", None)
            if isinstance(d, dict):
                for key, val in list(d.items()):
                    if val is original:
                        d[key] = wrapper


def _run_command(argv: list[str]) -> None:
    if not argv:
        return
    if argv[0] == "-m":
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(argv)
        runpy.run_path(argv[0], run_name="__main__")


def _run_guarded(argv: list[str]) -> int:
    try:
        _run_command(argv)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["workload", "capture", "replay"])
    ap.add_argument("--root", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--qualname", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--inputs", default="")
    ap.add_argument("--max-calls", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=1)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    cmd = argv[cut + 1 :]

    root = os.path.abspath(args.root)
    os.chdir(root)
    modname, base = _module_name(args.file, root)
    for entry in {root, base}:
        if entry not in sys.path:
            sys.path.insert(0, entry)
    result: dict[str, object] = {"mode": args.mode, "module": modname}
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # the command's chatter must not mix with anything we print
    try:
        module = importlib.import_module(modname)
        if args.mode == "workload":
            total = [0.0, 0]
            depth = [0]

            def make(fn):  # type: ignore[no-untyped-def]
                def timed(*a, **k):  # type: ignore[no-untyped-def]
                    if depth[0]:
                        return fn(*a, **k)
                    depth[0] += 1
                    t0 = time.perf_counter()
                    try:
                        return fn(*a, **k)
                    finally:
                        total[0] += time.perf_counter() - t0
                        total[1] += 1
                        depth[0] -= 1

                return timed

            _install(module, args.qualname, make)
            t0 = time.perf_counter()
            code = _run_guarded(cmd)
            result.update(seconds=total[0], calls=total[1], wall=time.perf_counter() - t0, exit=code)
        elif args.mode == "capture":
            captured: list[bytes] = []

            def make(fn):  # type: ignore[no-untyped-def]
                def capture(*a, **k):  # type: ignore[no-untyped-def]
                    if len(captured) < args.max_calls:
                        try:
                            captured.append(pickle.dumps((a, k)))
                        except Exception:
                            pass  # unpicklable arguments (open files, lambdas): not replayable
                    return fn(*a, **k)

                return capture

            _install(module, args.qualname, make)
            code = _run_guarded(cmd)
            with open(args.inputs, "wb") as fh:
                pickle.dump(captured, fh)
            result.update(calls=len(captured), exit=code)
        else:
            with open(args.inputs, "rb") as fh:
                calls = [pickle.loads(blob) for blob in pickle.load(fh)]
            _owner, _attr, value = _resolve(module, args.qualname)
            fn = _unwrap(value)
            total_s = 0.0
            for _ in range(max(1, args.repeat)):
                for a, k in calls:
                    a2, k2 = copy.deepcopy(a), copy.deepcopy(k)
                    t0 = time.perf_counter()
                    fn(*a2, **k2)
                    total_s += time.perf_counter() - t0
            result.update(seconds=total_s, calls=len(calls) * max(1, args.repeat), exit=0)
    except BaseException as exc:  # report, never hang: the validator reads the JSON
        result.update(error=f"{type(exc).__name__}: {exc}"[:500], exit=1)
    finally:
        sys.stdout = real_stdout
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return 0 if not result.get("error") else 1


if __name__ == "__main__":
    sys.exit(main())
