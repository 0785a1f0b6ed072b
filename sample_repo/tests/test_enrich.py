import pytest

from logalyzer import enrich, geo


def test_ip_to_int():
    assert geo.ip_to_int("10.1.2.3") == 167838211
    for bad in ["1.2.3", "1.2.3.256", "a.b.c.d", ""]:
        with pytest.raises(ValueError):
            geo.ip_to_int(bad)


def test_ranges_are_sorted_and_disjoint():
    assert geo.RANGES == sorted(geo.RANGES)
    for (s1, e1, _), (s2, _, _) in zip(geo.RANGES, geo.RANGES[1:]):
        assert s1 <= e1 < s2


def test_country_for_ip():
    assert geo.country_for_ip("203.0.113.9") == "AU"
    assert geo.country_for_ip("66.249.66.1") == "US"
    assert geo.country_for_ip("88.198.1.1") == "DE"
    assert geo.country_for_ip("10.0.0.1") == "??"
    assert geo.country_for_ip("not an ip") == "??"


USERS = [enrich.User("ann", "pro", "DE"), enrich.User("bob", "free", "US"), enrich.User("ann", "team", "FR")]


def test_attach_users(make_request):
    recs = [make_request(user="bob"), make_request(), make_request(user="ann"), make_request(user="zed")]
    joined = enrich.attach_users(recs, USERS)
    assert [rec for rec, _ in joined] == recs
    assert [u.plan if u else None for _, u in joined] == ["free", None, "pro", None]
    assert enrich.attach_users([], USERS) == []
    assert enrich.attach_users(recs[:1], []) == [(recs[0], None)]


def test_attach_users_does_not_match_dash_user(make_request):
    assert enrich.attach_users([make_request()], [enrich.User("-", "free", "US")]) == [(make_request(), None)]


def test_countries(make_request):
    recs = [make_request(ip="88.198.1.1"), make_request(ip="10.0.0.1"), make_request(ip="88.198.2.2"),
            make_request(ip="203.0.113.1")]
    assert [c for _, c in enrich.attach_countries(recs)] == ["DE", "??", "DE", "AU"]
    assert list(enrich.country_breakdown(recs).items()) == [("DE", 2), ("??", 1), ("AU", 1)]


def test_plan_breakdown_and_travelers(make_request):
    recs = [make_request(user="ann", ip="88.198.1.1"), make_request(user="bob", ip="88.198.1.1"),
            make_request(), make_request(user="bob", ip="10.0.0.1")]
    joined = enrich.attach_users(recs, USERS)
    assert enrich.plan_breakdown(joined) == {"anonymous": 1, "free": 2, "pro": 1}
    assert enrich.traveling_users(joined) == {"bob": {"DE"}}
