import copy

import pytest

from logalyzer import anomaly
from logalyzer.records import Session

from conftest import BASE_TS


def test_peak_request_rate(make_request):
    recs = [make_request(ts=BASE_TS + t) for t in (0, 1, 2, 30, 61, 62, 63, 64, 200)]
    assert anomaly.peak_request_rate(recs, 60.0) == (5, BASE_TS + 30)
    assert anomaly.peak_request_rate(recs, 1.0) == (1, BASE_TS)
    assert anomaly.peak_request_rate(recs, 1000.0) == (9, BASE_TS)


def test_peak_request_rate_unsorted_and_empty(make_request):
    recs = [make_request(ts=BASE_TS + t) for t in (9, 0, 5)]
    assert anomaly.peak_request_rate(recs, 6.0) == (2, BASE_TS)
    assert anomaly.peak_request_rate([], 60.0) == (0, None)


def test_human_sessions_keeps_order(make_request):
    human = Session("h", [make_request(), make_request(path="/x")])
    bot = Session("b", [make_request(), make_request(agent="Googlebot/2.1")])
    other = Session("o", [make_request(agent="Mozilla/5.0 Safari/605.1.15")])
    assert anomaly.human_sessions([human, bot, other, Session("e")]) == [human, other, Session("e")]
    assert anomaly.human_sessions([]) == []


def test_suspicious_requests(make_request):
    recs = [make_request(method="PROPFIND"), make_request(path="/a/../etc/passwd"),
            make_request(path="/%2E%2E/x"), make_request(), make_request(method="DELETE")]
    assert anomaly.suspicious_requests(recs) == recs[:3]
    assert anomaly.suspicious_requests(recs, allowed_methods=["GET"]) == recs[:3] + recs[4:]


def test_score_session_below_min_requests(make_request):
    assert anomaly.score_session(Session("a", [make_request(status=500)] * 4)) == 0.0


def test_score_session_components(make_request):
    reqs = [make_request(status=500, duration=2000.0), make_request(path="/admin/users"),
            make_request(status=404), make_request(), make_request(path="/.env")]
    assert anomaly.score_session(Session("a", reqs)) == 7.0  # 2*0.4 errors + 0.2 slow + 3*2 watched
    clean = [make_request() for _ in range(5)]
    assert anomaly.score_session(Session("b", clean)) == 0.0


def test_score_session_volume(make_request):
    reqs = [make_request(size=20_000_000) for _ in range(5)]
    assert anomaly.score_session(Session("a", reqs)) == 0.5


def test_score_session_custom_thresholds_are_not_modified(make_request):
    thresholds = copy.deepcopy(anomaly.DEFAULT_THRESHOLDS)
    thresholds["min_requests"] = 1
    thresholds["watched_prefixes"] = ["/x"]
    before = copy.deepcopy(thresholds)
    defaults = copy.deepcopy(anomaly.DEFAULT_THRESHOLDS)
    assert anomaly.score_session(Session("a", [make_request(path="/x/1")]), thresholds) == 3.0
    assert thresholds == before
    assert anomaly.DEFAULT_THRESHOLDS == defaults


def test_zscore_outliers():
    values = {h: 10 for h in range(10)}
    values[5] = 100
    assert anomaly.zscore_outliers(values, 2.0) == {5: pytest.approx(2.846, abs=1e-3)}
    assert anomaly.zscore_outliers({1: 3, 2: 3}) == {}
    assert anomaly.zscore_outliers({1: 3}) == {}


def test_error_bursts(make_request):
    recs = [make_request(ts=BASE_TS + t, status=503) for t in (0, 10, 59, 60, 130, 131)]
    recs.append(make_request(ts=BASE_TS + 61, status=200))
    assert anomaly.error_bursts(recs, 60.0, 2) == [BASE_TS, BASE_TS + 120]
    assert anomaly.error_bursts(recs, 60.0, 3) == [BASE_TS]
