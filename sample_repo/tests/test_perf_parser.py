"""Performance check for the access log parser; opt in with LOGALYZER_PERF=1."""

import os
import time

import pytest

from logalyzer import parsing

pytestmark = [
    pytest.mark.perf,
    pytest.mark.skipif(not os.environ.get("LOGALYZER_PERF"),
                       reason="set LOGALYZER_PERF=1 to run performance checks"),
]

# Seconds for 50k lines. Generous on purpose: shared CI runners are slow and noisy.
TIME_BUDGET = 10.0

LINE = ('203.0.113.9 - alice [10/Oct/2023:13:55:36 +0000] "GET /api/v1/items/42?page=2 HTTP/1.1" '
        '200 2326 "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64; rv:119.0) Gecko/20100101 '
        'Firefox/119.0" 0.042\n')


def test_parse_50k_lines_within_budget():
    lines = [LINE] * 50_000
    start = time.perf_counter()
    records = parsing.parse_access_log(lines)
    elapsed = time.perf_counter() - start
    assert len(records) == 50_000
    assert records[-1].path == "/api/v1/items/42"
    assert elapsed < TIME_BUDGET, f"parsing 50k lines took {elapsed:.2f}s"
