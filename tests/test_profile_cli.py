"""``eco profile run``, ``eco profile ingest`` and ``eco hot`` end to end (cProfile for real, in a subprocess)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from eco.cli import main
from eco.profile import ProfileError, hot_functions, run_and_ingest
from eco.profile.run import RUNNER, profile_command
from eco.workspace import open_workspace

FIX = Path(__file__).parent / "fixtures" / "profiles"


def eco(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the real console entry point in-process: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["eco", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def prog_repo(make_repo):
    src = FIX / "prog"
    return make_repo({str(p.relative_to(src)): p.read_text() for p in src.rglob("*.py")}, name="prog")


def test_profile_command_forms(tmp_path):
    out = tmp_path / "o.prof"
    head = [sys.executable, str(RUNNER), str(out)]
    assert profile_command(["python", "w.py", "--scale", "0.3"], out) == [*head, "w.py", "--scale", "0.3"]
    assert profile_command(["w.py"], out) == [*head, "w.py"]
    assert profile_command(["python3", "-m", "pkg.cli", "x"], out) == [*head, "-m", "pkg.cli", "x"]
    assert profile_command(["pytest", "-q", "tests"], out) == [*head, "-m", "pytest", "-q", "tests"]
    assert profile_command(["/opt/py/bin/python3.12", "w.py"], out)[0] == "/opt/py/bin/python3.12"
    for bad in (["ls", "-l"], ["python"], ["python", "-c", "pass"], []):
        with pytest.raises(ProfileError):
            profile_command(bad, out)


def test_run_profiles_a_script_for_real(prog_repo):
    with open_workspace(prog_repo) as ws:
        summary = run_and_ingest(ws, ["python", "main.py", "0.3"])
        rows = {r.qualname: r for r in hot_functions(ws)}
    assert summary.exit_code == 0 and Path(summary.profile_path).parent == prog_repo / ".eco" / "profiles"
    f = summary.files[0]
    assert f.format == "pstats" and f.unit == "seconds" and not f.unmapped
    assert max(rows.values(), key=lambda r: r.share).qualname == "Inventory.missing"
    assert rows["Inventory.missing"].calls == 6  # cProfile call counts survive
    assert rows["Inventory.report.line"].calls == 6 * 900  # nested function, qualified name
    assert rows["cheapest"].rolled_up > 0  # the builtin sorted() rolled up to its caller


def test_run_failing_command_still_ingests_and_pytest_form(prog_repo):
    (prog_repo / "test_shop.py").write_text(
        "from shop.inventory import Inventory\nfrom main import run\n\n"
        "def test_missing():\n    assert Inventory(['a']).missing(['a', 'b']) == ['b']\n    assert run(0.3) > 0\n\n"
        "def test_fails():\n    assert Inventory([]).missing(['x']) == []\n"
    )
    from tests.conftest import git

    git(prog_repo, "add", "-A")
    git(prog_repo, "commit", "-qm", "tests")
    with open_workspace(prog_repo) as ws:
        summary = run_and_ingest(ws, ["pytest", "-q", "-p", "no:cacheprovider", "test_shop.py"])
        names = {r.qualname for r in hot_functions(ws, None)}
    assert summary.exit_code == 1  # one failing test; the profile is still ingested
    assert {"Inventory.missing", "run"} <= names  # repository code called from the test


def test_cli_ingest_hot_json_and_errors(prog_repo, tmp_path, monkeypatch, capsys):
    code, out, err = eco(monkeypatch, capsys, "profile", "ingest", "--repo", str(prog_repo), "--json",
                         str(FIX / "pyspy.speedscope.json"), str(FIX / "pyinstrument.json"))
    assert code == 0, err
    data = json.loads(out)
    assert [f["format"] for f in data["files"]] == ["speedscope", "pyinstrument"] and data["profiles"] == 2
    code, out, err = eco(monkeypatch, capsys, "hot", str(prog_repo), "--top", "3", "--json")
    rows = json.loads(out)
    assert len(rows) == 3 and set(rows[0]) >= {"path", "qualname", "start_line", "self", "rolled_up", "inclusive", "share"}
    assert (rows[0]["path"], rows[0]["qualname"], rows[0]["start_line"]) == ("shop/inventory.py", "Inventory.missing", 10)
    assert rows[0]["share"] == pytest.approx(rows[0]["self"] + rows[0]["rolled_up"])
    code, out, err = eco(monkeypatch, capsys, "hot", str(prog_repo))
    assert code == 0 and "Hot functions" in out and "shop/" in out

    empty = tmp_path / "empty.prof"
    empty.write_bytes(b"")
    for args, msg in [
        (["profile", "ingest", "--repo", str(prog_repo), str(empty)], "empty file"),
        (["profile", "ingest", "--repo", str(prog_repo), "--format", "xml", str(empty)], "unknown profile format"),
        (["profile", "ingest", "--repo", str(prog_repo), str(tmp_path / "nope.txt")], "no such file"),
        (["profile", "run", "--repo", str(prog_repo), "--", "ls"], "not a Python command"),
        (["profile", "run", "--repo", str(prog_repo), "--", "python", "nothere.py"], "no such script"),
    ]:
        code, out, err = eco(monkeypatch, capsys, *args)
        assert code != 0 and msg in err and "Traceback" not in err
        assert len(err.strip().splitlines()) <= 2  # one line (Rich may wrap a long path)
