from collections import Counter

from logalyzer import sessions
from logalyzer.records import Session

from conftest import BASE_TS


def test_visitor_key(make_request):
    assert sessions.visitor_key(make_request(user="bob")) == "bob"
    assert sessions.visitor_key(make_request(ip="1.2.3.4", agent="x")) == "1.2.3.4|x"


def test_sessionize_splits_on_gap_and_orders(make_request):
    recs = [
        make_request(ip="1.1.1.1", ts=BASE_TS + 10, path="/b"),
        make_request(ip="1.1.1.1", ts=BASE_TS, path="/a"),
        make_request(user="bob", ts=BASE_TS + 5),
        make_request(ip="1.1.1.1", ts=BASE_TS + 10 + 1801, path="/c"),
        make_request(user="bob", ts=BASE_TS + 1800),
    ]
    result = sessions.sessionize(recs)
    assert [(s.key.split("|")[0], [r.ts - BASE_TS for r in s.requests]) for s in result] == [
        ("1.1.1.1", [0, 10]),
        ("bob", [5, 1800]),
        ("1.1.1.1", [1811]),
    ]


def test_sessionize_custom_gap_and_empty(make_request):
    recs = [make_request(ts=BASE_TS), make_request(ts=BASE_TS + 61)]
    assert len(sessions.sessionize(recs, gap=60)) == 2
    assert len(sessions.sessionize(recs, gap=61)) == 1
    assert sessions.sessionize([]) == []


def test_tracker_closes_idle_sessions(make_request):
    tracker = sessions.SessionTracker(gap=100)
    assert tracker.feed(make_request(ip="1.1.1.1", ts=BASE_TS)) == []
    assert tracker.feed(make_request(ip="2.2.2.2", ts=BASE_TS + 50)) == []
    assert tracker.feed(make_request(ip="2.2.2.2", ts=BASE_TS + 90)) == []
    assert len(tracker) == 2
    closed = tracker.feed(make_request(ip="3.3.3.3", ts=BASE_TS + 101))
    assert [s.key.split("|")[0] for s in closed] == ["1.1.1.1"]
    assert tracker.close_idle(BASE_TS + 190) == []
    assert [len(s) for s in tracker.close_idle(BASE_TS + 190.5)] == [2]
    rest = tracker.flush()
    assert [s.key.split("|")[0] for s in rest] == ["3.3.3.3"]
    assert len(tracker) == 0
    assert [s.key.split("|")[0] for s in tracker.closed] == ["1.1.1.1", "2.2.2.2", "3.3.3.3"]


def test_tracker_restarts_a_session_after_the_gap(make_request):
    tracker = sessions.SessionTracker(gap=10)
    tracker.feed(make_request(user="ann", ts=BASE_TS))
    tracker.close_idle(BASE_TS)  # nothing to do
    tracker.feed(make_request(user="ann", ts=BASE_TS + 11))
    tracker.flush()
    assert [len(s) for s in tracker.closed] == [1, 1]


def test_tracker_matches_sessionize(make_request):
    recs = [make_request(ip=f"10.0.0.{i % 3}", ts=BASE_TS + i * 37) for i in range(60)]
    tracker = sessions.SessionTracker(gap=100)
    for rec in recs:
        tracker.feed(rec)
    tracker.flush()
    by_tracker = sorted((s.start, s.key, len(s)) for s in tracker.closed)
    by_batch = [(s.start, s.key, len(s)) for s in sessions.sessionize(recs, gap=100)]
    assert by_tracker == by_batch


def test_label_sessions_uses_first_account(make_request):
    pair = [Session("ann", [make_request(user="ann")]), Session("x|y", [make_request()])]
    accounts = [{"user": "ann", "plan": "pro"}, {"user": "ann", "plan": "free"}]
    assert [plan for _, plan in sessions.label_sessions(pair, accounts)] == ["pro", "anonymous"]
    assert sessions.label_sessions(pair[1:], [], default="-")[0][1] == "-"


def test_longest_session_first_on_ties(make_request):
    a = Session("a", [make_request(ts=0), make_request(ts=5)])
    b = Session("b", [make_request(ts=1), make_request(ts=6)])
    c = Session("c", [make_request(ts=1)])
    assert sessions.longest_session([c, a, b]) is a
    assert sessions.longest_session([]) is None


def test_entry_and_exit_pages(make_request):
    s1 = Session("a", [make_request(path="/"), make_request(path="/x")])
    s2 = Session("b", [make_request(path="/"), make_request(path="/y")])
    assert sessions.entry_pages([s1, s2, Session("c")]) == Counter({"/": 2})
    assert sessions.exit_pages([s1, s2]) == Counter({"/x": 1, "/y": 1})
