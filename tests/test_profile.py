"""Profiles: readers, mapping to repository functions, roll-up, merge, store (issue 4)."""

from __future__ import annotations

import marshal
import shutil
from pathlib import Path

import pytest

from eco.profile import ProfileError, hot_functions, hotness_by_function, ingest_files, load_profile
from eco.profile.mapping import AMBIGUOUS, MOVED, NOT_IN_REPO, RENAMED, FrameMapper, RepoIndex
from eco.profile.rollup import merge, reduce_graph, reduce_stacks
from eco.repo import open_repo
from eco.store.models import HotFunction, Profile
from eco.workspace import open_workspace
from sqlalchemy import func, select

FIX = Path(__file__).parent / "fixtures" / "profiles"

APP = """\
def outer():
    return inner()


def inner():
    return 1
"""


def _write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text)
    return p


def _rows(ws) -> dict[str, HotFunction]:
    return {r.qualname: r for r in hot_functions(ws)}


# ---------------------------------------------------------------- roll-up, hand computed


ROLLUP = """\
main;outer (app.py:2);inner (app.py:6) 10
main;outer (app.py:2);loads (/usr/lib/python3.11/json/__init__.py:346);decode (/usr/lib/python3.11/json/decoder.py:337) 30
main;outer (app.py:2);inner (app.py:6);list.__contains__ 20
main;outer (app.py:2) 5
main;do_work (/usr/lib/libfoo.so.1) 35
"""


def test_rollup_stacks_hand_computed(make_repo, tmp_path):
    repo = make_repo({"app.py": APP})
    prof = _write(tmp_path, "p.txt", ROLLUP)
    with open_workspace(repo, flags={"profile_rollup_cap": 1.0}) as ws:
        summary = ingest_files(ws, [prof])
        rows = _rows(ws)
    f = summary.files[0]
    assert f.format == "collapsed" and f.unit == "samples" and f.total == 100
    assert f.unattributed == pytest.approx(0.35)  # the libfoo stack has no repository frame
    inner, outer = rows["inner"], rows["outer"]
    assert (inner.self_cost, inner.rolled_up, inner.inclusive) == pytest.approx((0.10, 0.20, 0.30))
    assert (outer.self_cost, outer.rolled_up, outer.inclusive) == pytest.approx((0.05, 0.30, 0.65))
    assert outer.share == pytest.approx(0.35) and inner.share == pytest.approx(0.30)
    assert [r.qualname for r in hot_functions(ws)] == ["outer", "inner"]


def test_rollup_cap_and_floor(make_repo, tmp_path):
    repo = make_repo({"app.py": APP})
    prof = _write(tmp_path, "p.txt", ROLLUP)
    with open_workspace(repo) as ws:  # defaults: cap 0.25, floor 0.001
        summary = ingest_files(ws, [prof])
        rows = _rows(ws)
    # outer's rolled-up 0.30 is capped at 0.25; self cost is never capped.
    assert rows["outer"].rolled_up == pytest.approx(0.25) and rows["outer"].self_cost == pytest.approx(0.05)
    assert summary.capped == pytest.approx(0.05)
    assert [r.qualname for r in hot_functions(ws)] == ["inner", "outer"]
    with open_workspace(repo, flags={"profile_prune_floor": 0.31, "profile_rollup_cap": 1.0}) as ws:
        ingest_files(ws, [prof])  # already stored: recomputes the view with the new settings
        assert [r.qualname for r in hot_functions(ws)] == ["outer"]  # inner (0.30) is below the floor


def test_recursion_counts_inclusive_once(make_repo, tmp_path):
    repo = make_repo({"app.py": APP})
    prof = _write(tmp_path, "p.txt", "outer (app.py:2);outer (app.py:2);inner (app.py:6) 4\nouter (app.py:2) 4\n")
    with open_workspace(repo) as ws:
        ingest_files(ws, [prof])
        rows = _rows(ws)
    assert rows["outer"].inclusive == pytest.approx(1.0)
    assert rows["inner"].inclusive == pytest.approx(0.5)


def test_rollup_pstats_graph_hand_computed(make_repo, tmp_path):
    """Library self time goes to callers edge by edge; through a library caller, by cumulative time."""
    repo = make_repo({"app.py": APP})
    outer, inner = ("app.py", 1, "outer"), ("app.py", 5, "inner")
    libf, blen = ("/usr/lib/python3.11/lib.py", 10, "libf"), ("~", 0, "<built-in method builtins.len>")
    stats = {
        outer: (1, 1, 1.0, 10.0, {}),
        inner: (2, 2, 0.5, 3.0, {outer: (2, 2, 0.5, 3.0)}),
        libf: (3, 3, 2.0, 6.5, {outer: (1, 1, 1.5, 5.0), inner: (2, 2, 0.5, 1.5)}),
        blen: (4, 4, 4.0, 4.0, {libf: (3, 3, 3.0, 3.0), inner: (1, 1, 1.0, 1.0)}),
    }
    prof = tmp_path / "g.prof"
    prof.write_bytes(marshal.dumps(stats))
    with open_workspace(repo, flags={"profile_rollup_cap": 1.0}) as ws:
        summary = ingest_files(ws, [prof])
        rows = _rows(ws)
    assert summary.files[0].format == "pstats" and summary.files[0].total == pytest.approx(7.5)
    t = 7.5
    assert rows["outer"].self_cost * t == pytest.approx(1.0)
    assert rows["outer"].rolled_up * t == pytest.approx(1.5 + 3.0 * 5.0 / 6.5)
    assert rows["inner"].self_cost * t == pytest.approx(0.5)
    assert rows["inner"].rolled_up * t == pytest.approx(0.5 + 1.0 + 3.0 * 1.5 / 6.5)
    assert rows["outer"].calls == 1 and rows["inner"].calls == 2
    assert rows["outer"].inclusive * t == pytest.approx(10.0)
    assert sum(r.share for r in rows.values()) == pytest.approx(1.0)


def test_merge_normalises_each_profile():
    """Samples and seconds cannot be added: every profile weighs the same after normalising."""
    a = (1, "a", {"total": 1000.0, "functions": [["m.py", "f", 1, 1000.0, 0.0, 1000.0, None]]})
    b = (2, "b", {"total": 0.01, "functions": [["m.py", "g", 5, 0.005, 0.0, 0.01, 7]]})
    res = merge([a, b], cap=0.25, floor=0.001)
    by = {r.qualname: r for r in res.rows}
    assert by["f"].share == pytest.approx(0.5) and by["g"].share == pytest.approx(0.25)
    assert by["g"].inclusive == pytest.approx(0.5) and by["g"].calls == 7 and by["f"].calls is None
    assert [p["id"] for p in by["f"].profiles] == [1]


# ---------------------------------------------------------------- mapping


PKG_MOD = """\
class Parser:
    def parse(self, text):
        def clean(s):
            return s.strip()
        return [clean(x) for x in text]


def slow(items):
    out = []
    for i in items:
        if i not in out:
            out.append(i)
    return out
"""


def test_suffix_mapping_from_foreign_paths(make_repo, tmp_path):
    repo = make_repo({"src/pkg/mod.py": PKG_MOD, "a/util.py": "def u():\n    return 1\n", "b/util.py": "def u():\n    return 2\n"})
    text = (
        "main;slow (/home/alice/checkout/src/pkg/mod.py:11) 3\n"
        "main;Parser.parse.<locals>.clean (C:\\build\\src\\pkg\\mod.py:4) 2\n"
        "main;parse (/usr/lib/python3/site-packages/pkg/mod.py:5) 1\n"
        "main;u (util.py:2) 4\n"  # relative: both a/util.py and b/util.py end with it
        "main;u (/opt/x/util.py:2) 4\n"  # only the file name agrees: not the repository's file
        "main;u (/srv/app/b/util.py:2) 5\n"
        "main;helper (/home/alice/checkout/src/pkg/other.py:3) 6\n"
    )
    prof = _write(tmp_path, "p.txt", text)
    with open_workspace(repo) as ws:
        summary = ingest_files(ws, [prof])
        rows = {(r.path, r.qualname): r for r in hot_functions(ws)}
    assert ("src/pkg/mod.py", "slow") in rows  # container path
    assert ("src/pkg/mod.py", "Parser.parse.clean") in rows  # Windows path, nested function
    assert ("src/pkg/mod.py", "Parser.parse") in rows  # installed copy: pkg/mod.py suffix
    assert ("b/util.py", "u") in rows and ("a/util.py", "u") not in rows
    f = summary.files[0]
    assert f.unmapped == {AMBIGUOUS: 1, NOT_IN_REPO: 2}


def test_moved_and_renamed_functions_are_reported(make_repo, tmp_path):
    repo = make_repo({"mod.py": PKG_MOD})
    text = (
        "slow (mod.py:2) 5\n"  # line 2 is in Parser.parse now: slow moved, found by name
        "gone (mod.py:7) 1\n"  # line 7 is blank between functions, no function named gone
        "old_name (mod.py:10) 1\n"  # line 10 is inside slow, but the profile says another name
        "slow (mod.py) 2\n"  # no line number: unique name in the file
        "py::Parser.parse:/build/mod.py 3\n"  # perf trampoline frame, no line
    )
    prof = _write(tmp_path, "p.txt", text)
    with open_workspace(repo) as ws:
        f = ingest_files(ws, [prof]).files[0]
        rows = _rows(ws)
    assert f.unmapped == {MOVED: 1, RENAMED: 1}
    assert f.mapped_by_name == 1
    assert f.frames_without_line == 2
    assert rows["slow"].self_cost == pytest.approx(7 / 12)
    assert rows["Parser.parse"].self_cost == pytest.approx(3 / 12)


def test_library_frames_are_not_counted_as_unmapped(make_repo):
    repo = make_repo({"shop/inventory.py": "def f():\n    pass\n"})
    index = RepoIndex(open_repo(repo))
    mapper = FrameMapper(index, [], {})
    from eco.profile.model import Frame

    for fr in [Frame("re/__init__.py", 185, "sub"), Frame("<frozen runpy>", 88, "_run_code"), Frame(None, None, "list_contains"),
               Frame("/usr/lib/x86_64-linux-gnu/libc.so.6", None, "memcpy"), Frame("~", None, "<built-in method len>"),
               Frame("/root/.pyenv/versions/3.11.7/lib/python3.11/json/decoder.py", 337, "decode")]:
        assert mapper.resolve(fr) == -1
    assert mapper.stats.library == 6 and not mapper.stats.unmapped
    index.close()


# ---------------------------------------------------------------- real fixtures


@pytest.fixture
def prog_repo(make_repo):
    """The program the committed fixtures were recorded from, as a fresh repository elsewhere: every
    absolute path in the fixtures is foreign to it."""
    src = FIX / "prog"
    files = {str(p.relative_to(src)): p.read_text() for p in src.rglob("*.py")}
    return make_repo(files, name="prog")


@pytest.mark.parametrize(
    "name,fmt,unit",
    [
        ("pyspy.speedscope.json", "speedscope", "seconds"),
        ("pyspy.collapsed.txt", "collapsed", "samples"),
        ("pyspy-short.collapsed.txt", "collapsed", "samples"),
        ("pyinstrument.json", "pyinstrument", "seconds"),
        ("pyinstrument.pyisession", "pyinstrument", "seconds"),
        ("perf.folded.txt", "collapsed", "samples"),
    ],
)
def test_real_fixture_ranks_the_hot_method_first(prog_repo, name, fmt, unit):
    with open_workspace(prog_repo) as ws:
        summary = ingest_files(ws, [FIX / name])
        top = hot_functions(ws)
    f = summary.files[0]
    assert (f.format, f.unit) == (fmt, unit)
    assert not f.unmapped, f.unmapped_examples
    assert (top[0].path, top[0].qualname) == ("shop/inventory.py", "Inventory.missing")
    assert top[0].share >= 0.25  # perf: all of it is rolled up, held at the default cap


def test_perf_fixture_rolls_interpreter_frames_up(prog_repo):
    """perf sees C frames (list_contains) under the Python trampoline frame of Inventory.missing."""
    text = (FIX / "perf.folded.txt").read_text()
    assert "py::Inventory.missing:" in text and "list_contains" in text
    with open_workspace(prog_repo, flags={"profile_rollup_cap": 1.0}) as ws:
        f = ingest_files(ws, [FIX / "perf.folded.txt"]).files[0]
        rows = _rows(ws)
    assert f.frames_without_line == f.frames  # perf frames carry no line numbers
    assert rows["Inventory.missing"].rolled_up > 0.5 and rows["Inventory.missing"].self_cost == 0
    with open_workspace(prog_repo) as ws:  # default cap 0.25
        ingest_files(ws, [FIX / "perf.folded.txt"])
        assert _rows(ws)["Inventory.missing"].rolled_up == pytest.approx(0.25)


def test_fixtures_merge_into_one_view(prog_repo):
    names = ["pyspy.speedscope.json", "pyspy.collapsed.txt", "pyinstrument.json", "perf.folded.txt"]
    with open_workspace(prog_repo) as ws:
        summary = ingest_files(ws, [FIX / n for n in names])
        rows = hot_functions(ws)
        hot = hotness_by_function(ws)
    assert summary.profiles == 4
    missing = next(r for r in rows if r.qualname == "Inventory.missing")
    assert len(missing.profiles) == 4
    assert hot[("shop/inventory.py", "Inventory.missing")] == pytest.approx(missing.share)
    assert sum(r.share for r in rows) <= 1.0 + 1e-9


def test_reingest_is_idempotent(prog_repo):
    with open_workspace(prog_repo) as ws:
        first = ingest_files(ws, [FIX / "pyspy.collapsed.txt"])
        before = [(r.path, r.qualname, r.share) for r in hot_functions(ws)]
        again = ingest_files(ws, [FIX / "pyspy.collapsed.txt", FIX / "pyspy.collapsed.txt"])
        after = [(r.path, r.qualname, r.share) for r in hot_functions(ws)]
        with ws.store.session() as s:
            n = s.scalar(select(func.count()).select_from(Profile))
    assert not first.files[0].already_ingested and again.files[0].already_ingested
    assert len(again.files) == 1 and n == 1 and before == after


def test_speedscope_evented(make_repo, tmp_path):
    import json

    repo = make_repo({"app.py": APP})
    doc = {
        "shared": {"frames": [{"name": "outer", "file": "app.py", "line": 2}, {"name": "len", "file": "<built-in>"}]},
        "profiles": [{"type": "evented", "unit": "milliseconds", "startValue": 0, "endValue": 10, "events": [
            {"type": "O", "frame": 0, "at": 0}, {"type": "O", "frame": 1, "at": 4}, {"type": "C", "frame": 1, "at": 10},
            {"type": "C", "frame": 0, "at": 10}]}],
    }
    p = _write(tmp_path, "e.json", json.dumps(doc))
    prof = load_profile(p)
    stacks = list(prof.stacks())
    assert [(list(k), round(w, 6)) for k, w in stacks] == [([0], 0.004), ([0, 1], 0.006)]
    with open_workspace(repo, flags={"profile_rollup_cap": 1.0}) as ws:
        ingest_files(ws, [p])
        assert _rows(ws)["outer"].rolled_up == pytest.approx(0.6)


# ---------------------------------------------------------------- bad input


def test_bad_inputs_are_one_clear_error(prog_repo, tmp_path, make_repo):
    real = tmp_path / "real.prof"
    import cProfile

    cProfile.run("sum(range(1000))", str(real))
    data = real.read_bytes()
    cases = {
        "empty.prof": (b"", "empty file"),
        "blank.txt": (b"\n\n  \n", "empty file"),
        "trunc.prof": (data[: len(data) // 2], "truncated or corrupted pstats"),
        "garbage.txt": (b"hello world\nthis is not a profile\n", "unknown profile format"),
        "other.json": (b'{"traceEvents": []}', "unknown JSON profile"),
        "trunc.json": ((FIX / "pyspy.speedscope.json").read_bytes()[:500], "truncated or invalid JSON"),
        "perfscript.txt": (b"python3.12  7731   572.593345:    5025125 cpu-clock:ppp: \n\t 1b0129 f+0x1 (/x.so)\n", "fold it"),
    }
    with open_workspace(prog_repo) as ws:
        for name, (content, msg) in cases.items():
            p = tmp_path / name
            p.write_bytes(content)
            with pytest.raises(ProfileError, match=msg):
                ingest_files(ws, [p])
        with pytest.raises(ProfileError, match="no such file"):
            ingest_files(ws, [tmp_path / "missing.prof"])
        with pytest.raises(ProfileError, match="unknown profile format 'bogus'"):
            ingest_files(ws, [FIX / "pyspy.collapsed.txt"], "bogus")
        with pytest.raises(ProfileError, match="not pstats|truncated or corrupted"):
            ingest_files(ws, [FIX / "pyspy.collapsed.txt"], "pstats")
        # a pstats of the test runner itself maps to nothing in the repository
        with pytest.raises(ProfileError, match="no frame maps to a function .*different program"):
            ingest_files(ws, [real])
        with ws.store.session() as s:
            assert s.scalar(select(func.count()).select_from(Profile)) == 0  # nothing half-stored


def test_collapsed_skips_and_counts_malformed_lines(make_repo, tmp_path):
    repo = make_repo({"app.py": APP})
    p = _write(tmp_path, "p.txt", "outer (app.py:2) 3\nnot a stack line\nouter (app.py:2) x\n")
    with open_workspace(repo) as ws:
        f = ingest_files(ws, [p]).files[0]
    assert f.skipped_lines == 2 and f.total == 3


def test_profile_of_other_program_is_refused(make_repo):
    repo = make_repo({"x.py": "def f():\n    pass\n"})
    with open_workspace(repo) as ws:
        with pytest.raises(ProfileError, match=r"no frame maps .*prog/shop/inventory.py|no frame maps .*prog/main.py"):
            ingest_files(ws, [FIX / "pyspy.collapsed.txt"])
