from logalyzer import __version__, cli


def test_summary(tmp_path, access_lines, app_lines):
    access = tmp_path / "access.log"
    access.write_text("".join(access_lines))
    app = tmp_path / "app.log"
    app.write_text("".join(app_lines))
    text = cli.summary(str(access), str(app))
    assert text.startswith(f"# Summary of {access}\n")
    assert "| requests | 4 |" in text
    assert "| sessions | 3 |" in text
    assert "| GET | 2 |" in text
    assert "## Application log levels" in text and "| ERROR | 1 |" in text


def test_main_prints_summary(tmp_path, access_lines, capsys):
    access = tmp_path / "access.log"
    access.write_text("".join(access_lines))
    assert cli.main(["summary", str(access)]) == 0
    assert "## Top error paths" in capsys.readouterr().out


def test_main_missing_file(tmp_path, capsys):
    assert cli.main(["summary", str(tmp_path / "nope.log")]) == 1
    assert capsys.readouterr().err.startswith("logalyzer: ")


def test_version():
    assert __version__.count(".") == 2
