import pytest

from logalyzer import stats

from conftest import BASE_TS


def test_count_by_method_sorted(make_request):
    recs = [make_request(method=m) for m in ["POST", "GET", "GET", "DELETE"]]
    assert list(stats.count_by_method(recs).items()) == [("DELETE", 1), ("GET", 2), ("POST", 1)]
    assert stats.count_by_method([]) == {}


def test_status_classes(make_request):
    recs = [make_request(status=s) for s in [500, 200, 204, 404, 301]]
    assert list(stats.status_classes(recs).items()) == [("2xx", 2), ("3xx", 1), ("4xx", 1), ("5xx", 1)]


def test_hits_per_path_in_order_of_first_appearance(make_request):
    recs = [make_request(path=p) for p in ["/b", "/a", "/b", "/c", "/a", "/b"]]
    hits = stats.hits_per_path(recs)
    assert list(hits.items()) == [("/b", 3), ("/a", 2), ("/c", 1)]
    assert type(hits) is dict
    assert stats.hits_per_path([]) == {}


def test_bytes_by_ip(make_request):
    recs = [make_request(ip="b", size=5), make_request(ip="a", size=1), make_request(ip="b", size=2)]
    assert list(stats.bytes_by_ip(recs).items()) == [("b", 7), ("a", 1)]


def test_top_talkers_ties_keep_insertion_order():
    totals = {"a": 5, "b": 9, "c": 5, "d": 1, "e": 9}
    assert stats.top_talkers(totals, 3) == [("b", 9), ("e", 9), ("a", 5)]
    assert stats.top_talkers(totals, 10)[-1] == ("d", 1)
    assert stats.top_talkers({}, 3) == []


def test_top_error_paths(make_request):
    recs = [make_request(path="/x", status=404), make_request(path="/y", status=500),
            make_request(path="/y", status=502), make_request(path="/z", status=200)]
    assert stats.top_error_paths(recs, 5) == [("/y", 2), ("/x", 1)]


def test_percentiles():
    values = [10, 1, 4, 2, 3, 9, 8, 7, 6, 5]
    assert stats.percentiles(values, (0, 50, 90, 100)) == {0: 1, 50: 5.5, 90: pytest.approx(9.1), 100: 10}
    assert stats.percentiles([], (50,)) == {}
    assert stats.percentiles([7], (99,)) == {99: 7}
    with pytest.raises(ValueError):
        stats.percentiles([1, 2], (101,))


def test_latency_summary(make_request):
    recs = [make_request(duration=d) for d in (10.0, 20.0, 30.0, 40.0)]
    assert stats.latency_summary(recs) == {"count": 4, "mean": 25.0, "p50": 25.0, "p95": 38.5,
                                     "p99": 39.7, "max": 40.0}
    assert stats.latency_summary([]) == {"count": 0}


def test_fastest_by_path_earliest_on_ties(make_request):
    a1 = make_request(path="/a", duration=5.0, ts=BASE_TS + 3)
    a2 = make_request(path="/a", duration=5.0, ts=BASE_TS + 1, ip="other")
    a3 = make_request(path="/a", duration=9.0, ts=BASE_TS)
    b1 = make_request(path="/b", duration=1.0)
    result = stats.fastest_by_path([a1, a3, b1, a2])
    assert list(result) == ["/a", "/b"]
    assert result["/a"] is a2 and result["/b"] is b1
    assert stats.fastest_by_path([]) == {}


def test_fastest_by_path_same_time_keeps_first(make_request):
    first = make_request(path="/a", duration=1.0, ip="first")
    second = make_request(path="/a", duration=1.0, ip="second")
    assert stats.fastest_by_path([first, second])["/a"] is first


def test_records_between_half_open_and_ordered(make_request):
    recs = [make_request(ts=BASE_TS + t) for t in (5, 0, 10, 3, 9.5)]
    assert [r.ts - BASE_TS for r in stats.records_between(recs, BASE_TS, BASE_TS + 10)] == [5, 0, 3, 9.5]
    assert stats.records_between(recs, BASE_TS + 20, BASE_TS + 30) == []
    assert stats.records_between([], 0, 1) == []


def test_hourly_counts(make_request):
    recs = [make_request(ts=BASE_TS + t) for t in (7200, 10, 3599, 3600)]
    assert stats.hourly_counts(recs) == {BASE_TS: 2, BASE_TS + 3600: 1, BASE_TS + 7200: 1}


def test_error_rate(make_request):
    assert stats.error_rate([make_request(status=200), make_request(status=503)]) == 0.5
    assert stats.error_rate([]) == 0.0
