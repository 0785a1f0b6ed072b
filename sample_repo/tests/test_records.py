import pytest

from logalyzer import records

from conftest import BASE_TS


def test_parse_clf_time_utc():
    assert records.parse_clf_time("10/Oct/2023:00:00:00 +0000") == BASE_TS


def test_parse_clf_time_applies_offset():
    assert records.parse_clf_time("10/Oct/2023:02:00:00 +0200") == BASE_TS
    assert records.parse_clf_time("09/Oct/2023:22:30:00 -0130") == BASE_TS


@pytest.mark.parametrize("text", ["10/Foo/2023:00:00:00 +0000", "garbage", "10/Oct/2023 +0000"])
def test_parse_clf_time_rejects_garbage(text):
    with pytest.raises(ValueError):
        records.parse_clf_time(text)


def test_parse_iso_time_with_and_without_millis():
    assert records.parse_iso_time("2023-10-10 00:00:01,250") == BASE_TS + 1.25
    assert records.parse_iso_time("2023-10-10 00:00:01") == BASE_TS + 1


def test_parse_iso_time_rejects_garbage():
    with pytest.raises(ValueError):
        records.parse_iso_time("yesterday")


def test_format_time():
    assert records.format_time(BASE_TS + 3661) == "2023-10-10 01:01:01"


def test_session_properties(make_request):
    s = records.Session("k", [make_request(ts=BASE_TS, size=10), make_request(ts=BASE_TS + 90, size=5)])
    assert (s.start, s.end, s.duration, s.bytes, len(s)) == (BASE_TS, BASE_TS + 90, 90, 15, 2)


def test_request_flags(make_request):
    assert make_request(user="bob").authenticated
    assert not make_request().authenticated
    assert make_request(status=404).is_error
    assert not make_request(status=304).is_error
