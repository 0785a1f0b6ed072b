"""Run a script or module under cProfile and keep its exit code (``python -m cProfile`` drops it).

Executed by path in the target's interpreter, so it uses the standard library only and never
imports eco. Usage: ``python _runner.py OUT.prof (SCRIPT | -m MODULE) ARGS...``
"""

import cProfile
import os
import runpy
import sys
import traceback


def _main():
    out, args = sys.argv[1], sys.argv[2:]
    if args[0] == "-m":
        module = args[1]
        sys.argv = [module] + args[2:]
        sys.path[0] = os.getcwd()  # as `python -m`: the working directory, not this file's folder

        def target():
            runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        script = args[0]
        sys.argv = list(args)
        sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python script.py`

        def target():
            runpy.run_path(script, run_name="__main__")

    prof = cProfile.Profile()
    code = 0
    prof.enable()
    try:
        target()
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            sys.stderr.write("%s\n" % (exc.code,))
            code = 1
    except BaseException:
        code = 1
        prof.disable()
        traceback.print_exc()
    finally:
        prof.disable()
        prof.dump_stats(out)
    sys.exit(code)


if __name__ == "__main__":
    _main()
