#!/usr/bin/env python3
"""Benchmark workload for logalyzer: a synthetic day of traffic run through every stage.

    python workload.py [--scale FLOAT] [--seed N] [--timings]

Data is generated from a fixed seed, written to a temporary directory and read back, so
two runs with the same arguments do the same work and print the same checksum.
Importable too: ``from workload import main; main(scale=0.1)``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter

from logalyzer import anomaly, dedupe, enrich, geo, merge, parsing, report, sessions, stats, tokens, ua

DAY_START = 1696896000  # 2023-10-10 00:00:00 UTC

# Input sizes at --scale 1; every one is multiplied by the scale.
SIZES = {
    "requests": 20000,   # access log lines of the day
    "app_lines": 8000,   # application log lines
    "addresses": 2000,
    "users": 300,        # accounts (attach_users scans them per request)
    "visitors": 2000,
    "api_ids": 40,       # distinct ids per API route (more distinct paths)
    "blocked": 400,      # blocklist entries (twice this many, plus blanks)
}
VIEWS = (("shift", 7200), ("hour", 3600))  # dashboard views besides the day
ARCHIVE_DAYS = 6          # days of app logs that the level tally and the token check cover
FEED_DAYS = 3             # days of requests that the activity feed covers
PEAK_WINDOW = 3 * 3600.0  # seconds: the busiest three hours
ENCODE_MIN_COUNT = 3      # vocabulary for encoding: tokens seen at least this often
# Risk scoring watches more paths than the library's defaults.
THRESHOLDS = {**anomaly.DEFAULT_THRESHOLDS, "watched_prefixes": [
    "/admin", "/wp-login", "/wp-admin", "/.env", "/.git", "/phpmyadmin", "/cgi-bin", "/xmlrpc.php",
    "/server-status", "/actuator", "/console", "/vendor/phpunit", "/boaform", "/HNAP1", "/owa",
    "/solr", "/jenkins", "/manager/html", "/config.json", "/backup", "/.aws", "/.ssh", "/shell",
    "/setup.cgi", "/debug", "/api/v1/admin", "/internal", "/metrics"]}
# Keyword counting skips the usual stopwords plus words that every log message has.
STOPWORDS = tokens.DEFAULT_STOPWORDS + (
    "user", "users", "job", "jobs", "key", "keys", "host", "hosts", "request", "requests",
    "took", "rows", "row", "ms", "sec", "seconds", "internal", "worker", "workers", "api",
    "queue", "depth", "sent", "via", "attempt", "attempts", "finished", "failed", "retries",
    "customer", "customers", "payment", "payments", "session", "sessions", "expired", "logged",
    "query", "queries", "index", "documents", "search", "rebuilt", "notification", "emails",
    "heartbeat", "slow", "cache", "miss", "retrying", "declined", "error", "errors", "info",
)

BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v}.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.2088.46",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/{v}.0.5993.69 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{v}.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 OPR/{v}.0.0.0",
]
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "python-requests/2.31.0",
    "curl/8.4.0",
    "Go-http-client/1.1",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "UptimeRobot/2.0 monitor",
    "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/118.0.0.0 Safari/537.36",
]
STATIC = ["/static/js/app.{}.js", "/static/css/site.{}.css", "/static/img/logo-{}.png",
          "/static/fonts/inter-{}.woff2", "/favicon.ico"]
PAGES = ["/", "/login", "/logout", "/signup", "/pricing", "/docs", "/blog", "/search",
         "/account", "/account/settings", "/cart", "/checkout", "/admin", "/wp-login.php",
         "/.env", "/robots.txt", "/sitemap.xml", "/health"]
API = ["/api/v1/items/{}", "/api/v1/users/{}", "/api/v1/orders/{}", "/api/v2/search",
       "/api/v2/reports/{}", "/api/v1/events"]
STATUSES = [200] * 70 + [304] * 8 + [301] * 2 + [302] * 2 + [404] * 9 + [403] * 2 + [401] * 1 \
    + [500] * 3 + [502] * 1 + [503] * 2
METHODS = ["GET"] * 84 + ["POST"] * 10 + ["HEAD"] * 3 + ["PUT", "DELETE", "OPTIONS"] \
    + ["PROPFIND"] * 1
PLANS = ["free"] * 6 + ["pro"] * 3 + ["team", "enterprise"]
COUNTRIES = ["US", "DE", "FR", "GB", "IN", "JP", "BR", "NL", "AU", "KR"]
LEVELS = ["INFO"] * 70 + ["DEBUG"] * 15 + ["WARNING"] * 10 + ["ERROR"] * 4 + ["CRITICAL"]
LOGGERS = ["app.web", "app.db", "app.cache", "app.worker", "app.billing", "app.auth", "app.mail"]
TEMPLATES = [
    "user {user} logged in from {ip}",
    "job {job} finished in {ms} ms",
    "job {job} failed after {n} retries: {error}",
    "cache miss for key {key} on {host}",
    "query on {table} took {ms} ms rows={n}",
    "payment {tx} declined for customer {user}: {error}",
    "retrying request to {host} attempt {n}",
    "sent {n} notification emails to {user} via {host}",
    "slow request {method} {path} took {ms} ms",
    "worker {host} heartbeat queue depth {n}",
    "rebuilt search index {table} with {n} documents in {ms} ms",
    "session {key} expired for {user}",
]
ERRORS = ["connection reset by peer", "timeout while reading response", "card declined",
          "lock wait timeout exceeded", "invalid signature", "quota exceeded for tenant"]
TABLES = ["orders", "users", "items", "events", "invoices", "sessions", "audit_log"]


def _table(values: list, size: int = 256) -> list:
    """``values`` stretched to ``size`` entries, so that one random byte picks one of them."""
    return [values[i * len(values) // size] for i in range(size)]


def _uniform16(rng: random.Random, n: int) -> list[int]:
    """``n`` random integers in [0, 65536), drawn with one call."""
    return memoryview(rng.randbytes(2 * n)).cast("H").tolist()


def _skewed(rng: random.Random, n: int, k: int, power: float) -> list[int]:
    """``k`` random indexes below ``n``, low ones far more often (a power law, like real traffic)."""
    return [int(n * (v / 65536.0) ** power) for v in _uniform16(rng, k)]


class Dataset:
    """Everything the workload needs, generated from one seed.

    Random values are drawn in bulk (random bytes indexing small tables) instead of one
    call per field, so that making up the data stays a small part of a profile.
    """

    def __init__(self, scale: float = 1.0, seed: int = 20231010):
        rng = random.Random(seed)
        self.scale = scale
        n_requests = max(200, int(SIZES["requests"] * scale))
        n_app = max(100, int(SIZES["app_lines"] * scale))
        n_ips = max(50, int(SIZES["addresses"] * scale))
        n_users = max(20, int(SIZES["users"] * scale))
        n_visitors = max(100, int(SIZES["visitors"] * scale))

        ranges = geo.RANGES
        self.ips = []
        for i in range(n_ips):
            if i % 40 == 0:
                self.ips.append(f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
                continue
            start, end, _ = ranges[rng.randrange(len(ranges))]
            v = rng.randint(start, end)
            self.ips.append(f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}")

        plan_of, country_of = _table(PLANS), _table(COUNTRIES)
        plans, countries = rng.randbytes(n_users), rng.randbytes(n_users)
        self.users = [enrich.User(f"user{i:04d}", plan_of[plans[i]], country_of[countries[i]])
                      for i in range(n_users)]
        self.accounts = [{"user": u.name, "plan": u.plan} for u in self.users]

        browsers = [b.format(v=v) for b in BROWSERS for v in (116, 117, 118, 119)]
        paths = [p.format(f"{h:04x}") if "{}" in p else p for p in STATIC for h in range(8)]
        paths += PAGES
        paths += [p.format(i) if "{}" in p else p for p in API for i in range(SIZES["api_ids"])]
        paths = list(dict.fromkeys(paths))
        rng.shuffle(paths)

        # Visitors: an address with a browser, or a bot (30%); a fifth of the browsers are
        # logged in. Stored as the text before and after the request's time and request line.
        ip_idx = _skewed(rng, n_ips, n_visitors, 2.0)
        user_idx = _skewed(rng, n_users, n_visitors, 1.5)
        kinds, agents = rng.randbytes(n_visitors), rng.randbytes(n_visitors)
        visitors = []
        for i in range(n_visitors):
            ip = self.ips[ip_idx[i]]
            if kinds[i] < 77:
                visitors.append((f"{ip} - - [", BOTS[agents[i] % len(BOTS)]))
            else:
                user = self.users[user_idx[i]].name if kinds[i] >= 200 else "-"
                visitors.append((f"{ip} - {user} [", browsers[agents[i] % len(browsers)]))

        status_of, method_of = _table(STATUSES), _table(METHODS)
        sizes = [str(int(rng.lognormvariate(7.5, 1.2))) for _ in range(256)]
        durations = [f"{rng.lognormvariate(-3.0, 1.0):.3f}" for _ in range(256)]
        referrers = _table(["-"] * len(PAGES) + ["https://example.com" + p for p in PAGES])
        queries = _table([""] * 9 + ["?page=0", "?page=1", "?page=2"] + [""] * 24)

        span = 6 * 3600
        day = time.strftime("%d/%b/%Y", time.gmtime(DAY_START))
        times = sorted(v * span >> 16 for v in _uniform16(rng, n_requests))
        picked_visitors = _skewed(rng, n_visitors, n_requests, 1.6)
        picked_paths = _skewed(rng, len(paths), n_requests, 2.2)
        b_status, b_method, b_size, b_duration, b_ref, b_query = (
            rng.randbytes(n_requests) for _ in range(6))
        extra = _uniform16(rng, n_requests)
        lines = []
        for i in range(n_requests):
            prefix, agent = visitors[picked_visitors[i]]
            t = times[i]
            status = status_of[b_status[i]]
            lines.append(
                f'{prefix}{day}:{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d} +0000] '
                f'"{method_of[b_method[i]]} {paths[picked_paths[i]]}{queries[b_query[i]]} HTTP/1.1" '
                f'{status} {"-" if status == 304 else sizes[b_size[i]]} "{referrers[b_ref[i]]}" '
                f'"{agent}" {durations[b_duration[i]]}\n')
            if extra[i] < 655:
                lines.append(lines[-1])  # shipped twice
            elif extra[i] >= 65405:
                lines.append("GET /broken line without the usual fields\n")
        self.access_lines = lines

        hosts = [f"api-{i}.internal" for i in range(40)] + [f"worker-{i}.internal" for i in range(60)]
        level_of, logger_of = _table(LEVELS), _table(LOGGERS)
        template_of, error_of = _table(TEMPLATES), _table(ERRORS)
        table_of, host_of = _table(TABLES), _table(hosts)
        date = time.strftime("%Y-%m-%d", time.gmtime(DAY_START))
        stamps = sorted(v * span >> 16 for v in _uniform16(rng, n_app))
        # Messages come from a pool (a quarter as many as lines), as real logs repeat themselves.
        n_pool = max(50, n_app // 4)
        r1, r2, r3 = (_uniform16(rng, n_pool) for _ in range(3))
        b = [rng.randbytes(n_pool) for _ in range(6)]
        pool = []
        for i in range(n_pool):
            fields = {
                "user": f"user{r1[i] % n_users:04d}",
                "ip": self.ips[r2[i] % n_ips],
                "job": f"job-{r1[i]:04x}{b[0][i]:02x}",
                "key": f"sess-{r2[i]:04x}{b[1][i] & 15:x}",
                "ms": 1 + r3[i] % 4999,
                "n": 1 + r3[i] % 499,
                "error": error_of[b[2][i]],
                "host": host_of[b[3][i]],
                "table": table_of[b[4][i]],
                "tx": f"tx{r3[i]:04x}{r1[i]:04x}",
                "method": method_of[b[5][i]],
                "path": paths[r2[i] % len(paths)],
            }
            pool.append(template_of[b[0][i] ^ b[2][i]].format(**fields))
        millis = _uniform16(rng, n_app)
        picked = _uniform16(rng, n_app)
        levels, loggers = rng.randbytes(n_app), rng.randbytes(n_app)
        app = []
        for i in range(n_app):
            t = stamps[i]
            app.append(f"{date} {t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d},{millis[i] % 1000:03d} "
                       f"[{level_of[levels[i]]}] {logger_of[loggers[i]]}: {pool[picked[i] % n_pool]}\n")
            if millis[i] >= 64880:
                app.append("    at worker.run(worker.py:118)\n")
        self.app_lines = app

        self.blocklist = [self.ips[i] for i in _skewed(rng, n_ips, max(10, int(SIZES["blocked"] * scale)), 1.0)]
        self.blocklist += [f"192.0.2.{i % 254 + 1}" if i < 254 else f"198.51.100.{i % 254 + 1}"
                           for i in range(max(20, int(SIZES["blocked"] * scale)))]
        self.blocklist += ["", "  "]


def _write_and_read(directory: str, name: str, lines: list[str]) -> list[str]:
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(lines)
    with open(path, encoding="utf-8") as fh:
        return fh.readlines()


def _views(records: list, all_sessions: list) -> list[tuple[str, list, list]]:
    """The dashboard's views: the whole day, then each two-hour shift and each hour.

    A view is a name, the requests in its time range and the sessions that started in it
    (both lists are in time order, so a view is a slice).
    """
    views = [("day", records, all_sessions)]
    if not records:
        return views
    times = [r.ts for r in records]
    starts = [s.requests[0].ts for s in all_sessions]
    first = times[0]
    for label, length in VIEWS:
        for k in range(int((times[-1] - first) // length) + 1):
            lo, hi = first + k * length, first + (k + 1) * length
            views.append((f"{label}{k}", records[bisect_left(times, lo):bisect_left(times, hi)],
                          all_sessions[bisect_left(starts, lo):bisect_left(starts, hi)]))
    return views


def _dashboard(view: list, view_sessions: list, data: Dataset, stage) -> dict:
    """Every panel of the dashboard for one view; returns the results the checksum covers."""
    out: dict = {}
    if not view:
        return out
    # statistics
    out["methods"] = stats.count_by_method(view)
    out["classes"] = stats.status_classes(view)
    hits = stage("hits_per_path", stats.hits_per_path, view)
    out["paths"] = len(hits)
    out["top_paths"] = stage("top_terms", tokens.top_terms, hits, 10)
    out["frequent_paths"] = len(stage("frequent", tokens.frequent, hits, 10))
    totals = stage("bytes_by_ip", stats.bytes_by_ip, view)
    out["talkers"] = stats.top_talkers(totals, 10)
    out["error_paths"] = stats.top_error_paths(view, 10)
    out["latency"] = stats.latency_summary(view)
    fastest = stage("fastest_request", stats.fastest_request, view)
    out["fastest"] = (fastest.path, fastest.duration)
    fastest = stage("fastest_request", stats.fastest_request, [r for r in view if r.path.startswith("/api/")])
    out["fastest_api"] = (fastest.path, fastest.duration) if fastest else None
    start, end = view[0].ts, view[-1].ts
    window = stage("records_between", stats.records_between, view,
                   start + (end - start) / 4, end - (end - start) / 4)
    out["window"] = len(window)
    out["hourly"] = stats.hourly_counts(view)

    # anomalies
    out["peak"] = stage("peak_request_rate", anomaly.peak_request_rate, view, PEAK_WINDOW)
    humans = stage("human_sessions", anomaly.human_sessions, view_sessions)
    out["humans"] = len(humans)
    scores = stage("score_session",
                   lambda: [anomaly.score_session(s, THRESHOLDS) for s in view_sessions if len(s) > 2])
    out["risky"] = sum(1 for s in scores if s >= 1.0)
    out["suspicious"] = len(anomaly.suspicious_requests(view))
    out["outlier_hours"] = anomaly.zscore_outliers(out["hourly"], 1.5)
    out["bursts"] = anomaly.error_bursts(view, 60.0, 8)

    # enrichment
    joined = stage("attach_users", enrich.attach_users, view, data.users)
    out["plan_share"] = enrich.plan_breakdown(joined)
    out["travelers"] = len(enrich.traveling_users(joined))
    out["countries"] = list(stage("country_breakdown", enrich.country_breakdown, view).items())[:5]
    out["browsers"] = stage("browser_share", ua.browser_share, view)
    pairs = Counter((r.ip, r.path) for r in view)
    out["top_pairs"] = stage("top_terms", tokens.top_terms, pairs, 10)
    out["frequent_pairs"] = len(stage("frequent", tokens.frequent, pairs, 3))

    # reports
    rows = [(r.ip, r.method, r.path, r.status, r.size, f"{r.duration:.1f}") for r in window]
    writer = report.CsvWriter(["ip", "method", "path", "status", "bytes", "ms"])
    stage("write_rows", writer.write_rows, rows)
    out["csv_bytes"] = len(writer.text)
    out["table"] = report.render_table(["path", "hits"], sorted(hits.items())[:10])
    out["summary"] = report.render_summary("Workload", {
        "Traffic": {"requests": len(view), "sessions": len(view_sessions),
                    "bytes": report.format_bytes(sum(totals.values()))},
        "Methods": out["methods"],
        "Latency": out["latency"],
    })
    return out


def run(data: Dataset, timings: dict | None = None) -> dict:
    """Parse and clean the day's logs once, then build the dashboard for every view.

    This is the shape of a real reporting job: the input is read once, while the analysis
    runs over the whole day and again over each shift and each hour.
    """
    timings = {} if timings is None else timings
    out: dict = {}

    def stage(name, fn, *args, **kwargs):
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0
        return result

    with tempfile.TemporaryDirectory(prefix="logalyzer-workload-") as tmp:
        access_lines = _write_and_read(tmp, "access.log", data.access_lines)
        app_lines = _write_and_read(tmp, "app.log", data.app_lines)

    # parsing; the level tally also covers the archived app logs of the previous days
    # (modelled by today's log again), because it is the cheap scan that needs no parsing
    records = stage("parse_access_log", parsing.parse_access_log, access_lines)
    events = stage("parse_app_log", parsing.parse_app_log, app_lines)
    out["levels"] = stage("level_counts", parsing.level_counts, app_lines * ARCHIVE_DAYS)
    out["widest"] = len(stage("widest_record", parsing.widest_record, access_lines + app_lines))

    # cleaning
    records = stage("dedupe_records", dedupe.dedupe_records, records)
    records = stage("filter_blocked", dedupe.filter_blocked, records, data.blocklist)
    records = stage("collapse_retries", dedupe.collapse_retries, records)
    out["records"] = len(records)

    # sessions
    all_sessions = stage("sessionize", sessions.sessionize, records)
    tracker = sessions.SessionTracker(gap=600)
    for rec in records:
        tracker.feed(rec)
    tracker.flush()
    out["tracked_sessions"] = len(tracker.closed)
    labelled = stage("label_sessions", sessions.label_sessions, all_sessions, data.accounts)
    out["plans"] = sorted({plan for _, plan in labelled})
    longest = sessions.longest_session(all_sessions)
    out["longest"] = (longest.key, longest.duration) if longest else None
    out["entry"] = sessions.entry_pages(all_sessions).most_common(3)
    out["exit"] = sessions.exit_pages(all_sessions).most_common(3)

    # the dashboard
    for name, view, view_sessions in _views(records, all_sessions):
        out["view:" + name] = _dashboard(view, view_sessions, data, stage)

    # message analytics
    messages = [e.message for e in events]
    keywords = stage("keyword_counts", tokens.keyword_counts, messages, STOPWORDS)
    token_lists = [tokens.tokenize(m) for m in messages]
    vocab = tokens.build_vocabulary(token_lists, min_count=ENCODE_MIN_COUNT)
    flat = [tok for toks in token_lists for tok in toks]
    ids = stage("encode", tokens.encode, flat, vocab)
    out["encoded"] = (len(ids), sum(ids))
    index = tokens.vocabulary_index(tokens.build_vocabulary(token_lists, min_count=3))
    known = stage("known_tokens", tokens.known_tokens, flat * ARCHIVE_DAYS, index)
    out["known"] = len(known)
    bigrams = tokens.bigram_counts(token_lists)
    out["top_keywords"] = stage("top_terms", tokens.top_terms, keywords, 10)
    out["top_bigrams"] = stage("top_terms", tokens.top_terms, bigrams, 10)
    out["top_tokens"] = stage("top_terms", tokens.top_terms, Counter(flat), 10)
    templates = {}
    for m in messages:
        t = tokens.template_of(m)
        templates[t] = templates.get(t, 0) + 1
    out["templates"] = stage("frequent", tokens.frequent, templates, 50)[:5]
    out["frequent_bigrams"] = [len(stage("frequent", tokens.frequent, bigrams, n)) for n in (2, 3, 5, 10, 20)]
    out["frequent_keywords"] = len(stage("frequent", tokens.frequent, keywords, 5))

    # the activity feed covers the previous day as well (modelled by today's requests again)
    out["feed"] = stage("activity_feed", report.activity_feed, records * FEED_DAYS, 20)

    # merging two halves of the day, as from two servers
    half = len(records) // 2
    merged = merge.fast_forward_merge(records[:half], records[half:])
    out["merged"] = len(merged)
    return out


def checksum(result: dict) -> str:
    return hashlib.sha256(repr(sorted(result.items())).encode()).hexdigest()[:16]


def main(scale: float = 1.0, seed: int = 20231010, timings: dict | None = None,
         verbose: bool = False) -> dict:
    """Generate the data set, run the workload once, return a small summary."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    data = Dataset(scale, seed)
    t0, c0 = time.perf_counter(), time.process_time()
    result = run(data, timings)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    summary = {"scale": scale, "records": result["records"], "seconds": round(elapsed, 3),
               "cpu_seconds": round(cpu, 3), "checksum": checksum(result)}
    if verbose:
        print(f"logalyzer workload: scale={scale} records={result['records']} "
              f"time={elapsed:.3f}s cpu={cpu:.3f}s checksum={summary['checksum']}")
    return summary


def _cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply all input sizes")
    parser.add_argument("--seed", type=int, default=20231010)
    parser.add_argument("--timings", action="store_true", help="print time per stage")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    timings: dict = {}
    main(args.scale, args.seed, timings, verbose=True)
    if args.timings:
        for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
            print(f"  {name:<20} {seconds * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
