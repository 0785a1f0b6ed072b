import pytest

from logalyzer import report

from conftest import BASE_TS


@pytest.mark.parametrize("n,text", [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"),
                                    (5 * 1024 ** 3, "5.0 GiB"), (3 * 1024 ** 5, "3072.0 TiB")])
def test_format_bytes(n, text):
    assert report.format_bytes(n) == text


def test_csv_field():
    assert report.csv_field("plain") == "plain"
    assert report.csv_field(12) == "12"
    assert report.csv_field('say "hi", bye') == '"say ""hi"", bye"'
    assert report.csv_field("two\nlines") == '"two\nlines"'


def test_to_csv():
    text = report.to_csv([("1.1.1.1", 200, 'a,b'), ("2.2.2.2", 404, "x")], ["ip", "status", "note"])
    assert text == 'ip,status,note\n1.1.1.1,200,"a,b"\n2.2.2.2,404,x\n'
    assert report.to_csv([], ["a", "b"]) == "a,b\n"


def test_csv_writer_appends_and_counts():
    writer = report.CsvWriter(["a"])
    writer.write_rows([[1], [2]]).write_rows(iter([[3]]))
    assert writer.text == "a\n1\n2\n3\n"
    assert writer.rows == 3


def test_csv_writer_rejects_wrong_width():
    writer = report.CsvWriter(["a", "b"])
    with pytest.raises(ValueError, match="row 1 has 1 fields, expected 2"):
        writer.write_rows([[1]])


def test_render_table():
    text = report.render_table(["path", "hits"], [("/", 10), ("/login", 2)])
    assert text == "path    hits\n------  ----\n/       10\n/login  2\n"
    assert report.render_table(["a"], []) == "a\n-\n"


def test_activity_feed_newest_first(make_request):
    recs = [make_request(ts=BASE_TS + i, status=s, path=f"/p{i}") for i, s in
            enumerate([200, 404, 301, 500, 200, 403])]
    assert report.activity_feed(recs, 3) == [
        "2023-10-10 00:00:05 403 GET /p5 (203.0.113.9)",
        "2023-10-10 00:00:03 500 GET /p3 (203.0.113.9)",
        "2023-10-10 00:00:02 301 GET /p2 (203.0.113.9)",
    ]
    assert len(report.activity_feed(recs)) == 4
    assert report.activity_feed([]) == []


def test_widest_line():
    assert report.widest_line(["ab\n", "abcd\r\n", "wxyz\n", "x"]) == "abcd"
    assert report.widest_line(["a\tb\n", "abcd"]) == "a   b"
    assert report.widest_line([]) == ""


def test_render_summary():
    text = report.render_summary("T", {"One": {"a": 1}, "Empty": {}})
    assert text == "# T\n\n## One\n\n| key | value |\n| --- | ---: |\n| a | 1 |\n\n## Empty\n\n_no data_\n"
