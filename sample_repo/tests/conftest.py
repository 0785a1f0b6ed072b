import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from logalyzer.records import Request  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "perf: slow performance checks, run with LOGALYZER_PERF=1")


BASE_TS = 1696896000.0  # 2023-10-10 00:00:00 UTC

ACCESS_LINES = [
    '203.0.113.9 - alice [10/Oct/2023:00:00:01 +0000] "GET /index.html HTTP/1.1" 200 2326 '
    '"https://example.com/" "Mozilla/5.0 (X11; Linux x86_64; rv:119.0) Gecko/20100101 Firefox/119.0" 0.012\n',
    '198.51.100.7 - - [10/Oct/2023:00:00:02 +0000] "POST /api/v1/items?id=3 HTTP/1.1" 201 17 '
    '"-" "curl/8.4.0" 0.250\n',
    '203.0.113.9 - alice [10/Oct/2023:00:00:05 +0000] "GET /missing HTTP/1.1" 404 - '
    '"-" "Mozilla/5.0 (X11; Linux x86_64; rv:119.0) Gecko/20100101 Firefox/119.0" 0.003\n',
    '192.0.2.1 - - [10/Oct/2023:02:00:00 +0200] "HEAD /health HTTP/1.0" 500 0 "-" "UptimeRobot/2.0 monitor"\n',
]

APP_LINES = [
    "2023-10-10 00:00:01,250 [INFO] app.web: user user0001 logged in from 203.0.113.9\n",
    "2023-10-10 00:00:02,000 [ERROR] app.db: query on orders took 5120 ms rows=3\n",
    "    at worker.run(worker.py:118)\n",
    "2023-10-10 00:00:03 [WARNING] app.cache: cache miss for key sess-1f2e3 on api-3.internal\n",
    "not a log line\n",
]


@pytest.fixture
def make_request():
    def make(ip="203.0.113.9", user="-", ts=BASE_TS, method="GET", path="/", status=200,
             size=100, referrer="-", agent="Mozilla/5.0 Firefox/119.0", duration=10.0):
        return Request(ip, user, ts, method, path, status, size, referrer, agent, duration)
    return make


@pytest.fixture
def access_lines():
    return list(ACCESS_LINES)


@pytest.fixture
def app_lines():
    return list(APP_LINES)
