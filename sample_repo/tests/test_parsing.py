import pytest

from logalyzer import parsing
from logalyzer.records import AppEvent

from conftest import BASE_TS


def test_parse_access_line_fields(access_lines):
    rec = parsing.parse_access_line(access_lines[0])
    assert rec.ip == "203.0.113.9"
    assert rec.user == "alice"
    assert rec.ts == BASE_TS + 1
    assert (rec.method, rec.path, rec.status, rec.size) == ("GET", "/index.html", 200, 2326)
    assert rec.referrer == "https://example.com/"
    assert rec.agent.endswith("Firefox/119.0")
    assert rec.duration == pytest.approx(12.0)


def test_parse_access_line_strips_query_and_dash_size(access_lines):
    post = parsing.parse_access_line(access_lines[1])
    assert post.path == "/api/v1/items"
    missing = parsing.parse_access_line(access_lines[2])
    assert missing.size == 0 and missing.status == 404


def test_parse_access_line_without_duration_and_with_offset(access_lines):
    rec = parsing.parse_access_line(access_lines[3])
    assert rec.duration == 0.0
    assert rec.ts == BASE_TS
    assert rec.method == "HEAD"


@pytest.mark.parametrize("line", ["", "hello", '1.2.3.4 - - [bad time] "GET / HTTP/1.1" 200 1 "-" "-"'])
def test_parse_access_line_rejects(line):
    assert parsing.parse_access_line(line) is None


def test_parse_access_log_skips_bad_and_blank_lines(access_lines):
    lines = access_lines[:2] + ["\n", "junk\n"] + access_lines[2:]
    records = parsing.parse_access_log(lines)
    assert [r.status for r in records] == [200, 201, 404, 500]


def test_parse_access_log_strict(access_lines):
    with pytest.raises(parsing.ParseError) as info:
        parsing.parse_access_log(access_lines[:1] + ["junk\n"], strict=True)
    assert info.value.lineno == 2


def test_parse_access_log_empty():
    assert parsing.parse_access_log([]) == []


def test_parse_app_line():
    event = parsing.parse_app_line("2023-10-10 00:00:01,250 [INFO] app.web: hello world\n")
    assert event == AppEvent(BASE_TS + 1.25, "INFO", "app.web", "hello world")
    assert parsing.parse_app_line("nope") is None


def test_parse_app_log_joins_continuation_lines(app_lines):
    events = parsing.parse_app_log(app_lines)
    assert [e.level for e in events] == ["INFO", "ERROR", "WARNING"]
    assert events[1].message == "query on orders took 5120 ms rows=3\n    at worker.run(worker.py:118)"
    assert events[2].ts == BASE_TS + 3


def test_parse_app_log_leading_garbage_is_dropped():
    assert parsing.parse_app_log(["garbage\n", "\n"]) == []


def test_level_counts_in_order_of_first_appearance(app_lines):
    lines = app_lines + ["2023-10-10 00:00:09,000 [ERROR] app.db: again\n"]
    assert parsing.level_counts(lines) == {"INFO": 1, "ERROR": 2, "WARNING": 1}
    assert list(parsing.level_counts(lines)) == ["INFO", "ERROR", "WARNING"]
    assert parsing.level_counts([]) == {}
