from collections import Counter

from logalyzer import tokens


def test_tokenize():
    assert tokens.tokenize("Job job-4f2a FINISHED in 12 ms (api-3.internal), rows=5!") == [
        "job", "job-4f2a", "finished", "in", "12", "ms", "api-3.internal", "rows"]
    assert tokens.tokenize("") == []
    assert tokens.tokenize("... --- !!!") == []


def test_template_of():
    assert tokens.template_of("job 4f2a9c1b finished in 120 ms after 3 retries") == \
        "job <*> finished in <*> ms after <*> retries"
    assert tokens.template_of("took 1.5s at 0xDEADBEEF") == "took <*> at <*>"
    assert tokens.template_of("no numbers here") == "no numbers here"


def test_keyword_counts_default_stopwords():
    counts = tokens.keyword_counts(["The job failed for the user", "job failed: timeout", "a b c"])
    assert counts == {"job": 2, "failed": 2, "user": 1, "timeout": 1}
    assert list(counts) == ["job", "failed", "user", "timeout"]


def test_keyword_counts_custom_stopwords_and_length():
    msgs = ["job failed", "job ok"]
    assert tokens.keyword_counts(msgs, stopwords=["job"], min_length=2) == {"failed": 1, "ok": 1}
    assert tokens.keyword_counts(msgs, stopwords=(), min_length=1) == {"job": 2, "failed": 1, "ok": 1}
    assert tokens.keyword_counts([]) == {}
    assert "the" in tokens.DEFAULT_STOPWORDS


def test_build_vocabulary():
    lists = [["b", "a", "c"], ["a", "b"], ["a", "d"]]
    assert tokens.build_vocabulary(lists) == ["a", "b", "c", "d"]
    assert tokens.build_vocabulary(lists, min_count=2) == ["a", "b"]
    assert tokens.build_vocabulary(lists, max_size=1) == ["a"]
    assert tokens.build_vocabulary([]) == []


def test_vocabulary_index_first_position():
    assert tokens.vocabulary_index(["x", "y", "x"]) == {"x": 0, "y": 1}


def test_encode_uses_first_position_and_drops_unknown():
    vocab = ["error", "job", "error", "user"]
    assert tokens.encode(["job", "zzz", "error", "user", "job"], vocab) == [1, 0, 3, 1]
    assert tokens.encode([], vocab) == []
    assert tokens.encode(["a"], []) == []


def test_known_tokens_keeps_order_and_duplicates():
    index = {"a": 0, "b": 1}
    assert tokens.known_tokens(["b", "x", "a", "b"], index) == ["b", "a", "b"]
    assert tokens.known_tokens([], index) == []


def test_bigram_counts():
    assert tokens.bigram_counts([["a", "b", "c"], ["a", "b"], ["z"]]) == Counter(
        {("a", "b"): 2, ("b", "c"): 1})


def test_top_terms_ties_keep_insertion_order():
    counts = {"x": 1, "y": 3, "z": 3, "w": 2}
    assert tokens.top_terms(counts, 3) == [("y", 3), ("z", 3), ("w", 2)]
    assert tokens.top_terms(counts, 0) == []
    assert tokens.top_terms({}, 5) == []


def test_frequent():
    counts = {"b": 3, "a": 3, "c": 1, "d": 5}
    assert tokens.frequent(counts, 3) == [("d", 5), ("a", 3), ("b", 3)]
    assert tokens.frequent(counts, 10) == []
    assert tokens.frequent(Counter({("x", "y"): 2}), 1) == [(("x", "y"), 2)]
