from logalyzer import merge

from conftest import BASE_TS


def test_merge_sorted_is_stable(make_request):
    a = [make_request(ts=BASE_TS, ip="a1"), make_request(ts=BASE_TS + 2, ip="a2")]
    b = [make_request(ts=BASE_TS, ip="b1"), make_request(ts=BASE_TS + 1, ip="b2")]
    assert [r.ip for r in merge.merge_sorted(a, b)] == ["a1", "b1", "b2", "a2"]
    assert list(merge.merge_sorted()) == []


def test_fast_forward_merge_appends(make_request):
    base = [make_request(ts=BASE_TS), make_request(ts=BASE_TS + 5)]
    incoming = [make_request(ts=BASE_TS + 5), make_request(ts=BASE_TS + 6)]
    assert merge.fast_forward_merge(base, incoming) == base + incoming[1:]
    assert merge.fast_forward_merge([], incoming) == incoming
    assert merge.fast_forward_merge(base, []) == base


def test_fast_forward_merge_interleaves_overlap(make_request):
    base = [make_request(ts=BASE_TS, path="/a"), make_request(ts=BASE_TS + 10, path="/b")]
    incoming = [make_request(ts=BASE_TS + 5, path="/c"), make_request(ts=BASE_TS + 10, path="/b")]
    assert [r.path for r in merge.fast_forward_merge(base, incoming)] == ["/a", "/c", "/b"]
