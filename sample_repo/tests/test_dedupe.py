from logalyzer import dedupe

from conftest import BASE_TS


def test_dedupe_records_keeps_first_copy(make_request):
    a = make_request(ip="1.1.1.1")
    a2 = make_request(ip="1.1.1.1", agent="different agent, same id")
    b = make_request(ip="2.2.2.2")
    assert dedupe.request_id(a) == dedupe.request_id(a2)
    result = dedupe.dedupe_records([a, b, a2, b])
    assert result == [a, b] and result[0] is a
    assert dedupe.dedupe_records([]) == []


def test_filter_blocked(make_request):
    recs = [make_request(ip=ip) for ip in ["1.1.1.1", "2.2.2.2", "3.3.3.3", "2.2.2.2"]]
    assert dedupe.filter_blocked(recs, [" 2.2.2.2 ", "", "   ", "9.9.9.9"]) == [recs[0], recs[2]]
    assert dedupe.filter_blocked(recs, []) == recs
    assert dedupe.filter_blocked(recs, ("1.1.1.1", "3.3.3.3")) == recs[1:2] + recs[3:]
    assert dedupe.filter_blocked([], ["1.1.1.1"]) == []


def test_collapse_retries(make_request):
    recs = [
        make_request(ip="a", ts=BASE_TS, path="/x"),
        make_request(ip="a", ts=BASE_TS + 1, path="/x"),      # retry
        make_request(ip="b", ts=BASE_TS + 1.5, path="/x"),    # other client
        make_request(ip="a", ts=BASE_TS + 2.5, path="/x"),    # retry of the retry
        make_request(ip="a", ts=BASE_TS + 5, path="/x"),      # too late: new request
        make_request(ip="a", ts=BASE_TS + 5.5, method="POST", path="/x"),
    ]
    assert dedupe.collapse_retries(recs) == [recs[0], recs[2], recs[4], recs[5]]
    assert dedupe.collapse_retries(recs, window=0) == recs
