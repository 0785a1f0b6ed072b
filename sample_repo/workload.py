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
from itertools import accumulate

from logalyzer import anomaly, dedupe, enrich, geo, merge, parsing, report, sessions, stats, tokens, ua

DAY_START = 1696896000  # 2023-10-10 00:00:00 UTC
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

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


def _clf_time(ts: int) -> str:
    t = time.gmtime(ts)
    return (f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000")


def _iso_time(ts: float) -> str:
    t = time.gmtime(int(ts))
    return time.strftime("%Y-%m-%d %H:%M:%S", t) + f",{int(ts * 1000) % 1000:03d}"


class Dataset:
    """Everything the workload needs, generated from one seed."""

    def __init__(self, scale: float = 1.0, seed: int = 20231010):
        rng = random.Random(seed)
        self.scale = scale
        n_requests = max(200, int(30000 * scale))
        n_app = max(100, int(12000 * scale))
        n_ips = max(50, int(3000 * scale))
        n_users = max(20, int(200 * scale))

        ranges = geo.RANGES
        self.ips = []
        for i in range(n_ips):
            if i % 40 == 0:
                self.ips.append(f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
                continue
            start, end, _ = ranges[rng.randrange(len(ranges))]
            value = rng.randint(start, end)
            self.ips.append(".".join(str((value >> s) & 255) for s in (24, 16, 8, 0)))
        ip_weights = list(accumulate(1.0 / (1 + i) ** 0.8 for i in range(n_ips)))

        self.users = [enrich.User(f"user{i:04d}", rng.choice(PLANS), rng.choice(COUNTRIES))
                      for i in range(n_users)]
        user_weights = [1.0 / (1 + i) ** 0.5 for i in range(n_users)]
        rng.shuffle(user_weights)
        user_weights = list(accumulate(user_weights))
        self.accounts = [{"user": u.name, "plan": u.plan} for u in self.users]

        browsers = [b.format(v=v) for b in BROWSERS for v in (116, 117, 118, 119)]
        paths = [p.format(f"{h:04x}") if "{}" in p else p for p in STATIC for h in range(8)]
        paths += PAGES
        paths += [p.format(i) if "{}" in p else p for p in API for i in range(30)]
        paths = list(dict.fromkeys(paths))
        path_weights = [1.0 / (1 + i) ** 0.6 for i in range(len(paths))]
        rng.shuffle(path_weights)
        path_weights = list(accumulate(path_weights))

        # Visitors: an address with a browser, or a bot; a fifth of the browsers are logged in.
        visitors = []
        for i in range(max(100, int(2500 * scale))):
            ip = rng.choices(self.ips, cum_weights=ip_weights)[0]
            if rng.random() < 0.3:
                visitors.append((ip, "-", rng.choice(BOTS), 3.0))
            else:
                user = rng.choices(self.users, cum_weights=user_weights)[0].name if rng.random() < 0.25 else "-"
                visitors.append((ip, user, rng.choice(browsers), 1.0))
        visitor_weights = list(accumulate(w for *_, w in visitors))

        span = 6 * 3600
        times = sorted(rng.randrange(span) for _ in range(n_requests))
        lines = []
        picked_visitors = rng.choices(visitors, cum_weights=visitor_weights, k=n_requests)
        picked_paths = rng.choices(paths, cum_weights=path_weights, k=n_requests)
        for offset, (ip, user, agent, _), path in zip(times, picked_visitors, picked_paths):
            status = rng.choice(STATUSES)
            method = rng.choice(METHODS)
            size = 0 if status == 304 else int(rng.lognormvariate(7.5, 1.2))
            duration = rng.lognormvariate(-3.0, 1.0)
            ref = "-" if rng.random() < 0.5 else "https://example.com" + rng.choice(PAGES)
            query = f"?page={rng.randrange(5)}" if rng.random() < 0.1 else ""
            lines.append(
                f'{ip} - {user} [{_clf_time(DAY_START + offset)}] "{method} {path}{query} HTTP/1.1" '
                f'{status} {size if size else "-"} "{ref}" "{agent}" {duration:.3f}\n')
            if rng.random() < 0.01:
                lines.append(lines[-1])  # shipped twice
            if rng.random() < 0.002:
                lines.append("GET /broken line without the usual fields\n")
        self.access_lines = lines

        hosts = [f"api-{i}.internal" for i in range(40)] + [f"worker-{i}.internal" for i in range(60)]
        app = []
        ts = float(DAY_START)
        for i in range(n_app):
            ts += rng.expovariate(n_app / span)
            fields = {
                "user": f"user{rng.randrange(n_users):04d}",
                "ip": rng.choice(self.ips),
                "job": f"job-{rng.getrandbits(24):06x}",
                "key": f"sess-{rng.getrandbits(20):05x}",
                "ms": rng.randrange(1, 5000),
                "n": rng.randrange(1, 500),
                "error": rng.choice(ERRORS),
                "host": rng.choice(hosts),
                "table": rng.choice(TABLES),
                "tx": f"tx{rng.getrandbits(32):08x}",
                "method": rng.choice(METHODS),
                "path": rng.choice(paths),
            }
            message = rng.choice(TEMPLATES).format(**fields)
            app.append(f"{_iso_time(ts)} [{rng.choice(LEVELS)}] {rng.choice(LOGGERS)}: {message}\n")
            if rng.random() < 0.01:
                app.append("    at worker.run(worker.py:118)\n")
        self.app_lines = app

        self.blocklist = [rng.choice(self.ips) for _ in range(max(10, int(80 * scale)))]
        self.blocklist += [f"192.0.2.{i}" for i in range(1, max(20, int(160 * scale)))]
        self.blocklist += ["", "  "]


def _write_and_read(directory: str, name: str, lines: list[str]) -> list[str]:
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(lines)
    with open(path, encoding="utf-8") as fh:
        return fh.readlines()


def run(data: Dataset, timings: dict | None = None) -> dict:
    """Run every stage over ``data``; returns the results that the checksum covers."""
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

    # parsing
    records = stage("parse_access_log", parsing.parse_access_log, access_lines)
    events = stage("parse_app_log", parsing.parse_app_log, app_lines)
    out["levels"] = stage("level_counts", parsing.level_counts, app_lines)
    out["widest"] = len(stage("widest_line", report.widest_line, access_lines))

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

    # statistics
    out["methods"] = stats.count_by_method(records)
    out["classes"] = stats.status_classes(records)
    hits = stage("hits_per_path", stats.hits_per_path, records)
    out["paths"] = len(hits)
    totals = stage("bytes_by_ip", stats.bytes_by_ip, records)
    out["talkers"] = stats.top_talkers(totals, 10)
    out["error_paths"] = stats.top_error_paths(records, 10)
    out["latency"] = stats.latency_summary(records)
    fastest = stage("fastest_by_path", stats.fastest_by_path, records)
    out["fastest"] = sorted((p, r.duration) for p, r in fastest.items())[:5]
    start = records[0].ts + 3600 if records else 0
    window = stage("records_between", stats.records_between, records, start, start + 5400)
    out["window"] = len(window)
    out["hourly"] = stats.hourly_counts(records)

    # anomalies
    out["peak_hour"] = stage("peak_request_rate", anomaly.peak_request_rate, records, 3600.0)
    out["peak_minute"] = anomaly.peak_request_rate(records[:2000], 60.0)
    humans = stage("human_sessions", anomaly.human_sessions, all_sessions)
    out["humans"] = len(humans)
    scores = stage("score_session", lambda: [anomaly.score_session(s) for s in all_sessions])
    out["risky"] = sum(1 for s in scores if s >= 1.0)
    out["suspicious"] = len(anomaly.suspicious_requests(records))
    out["outlier_hours"] = anomaly.zscore_outliers(out["hourly"], 1.5)
    out["bursts"] = anomaly.error_bursts(records, 60.0, 8)

    # enrichment
    joined = stage("attach_users", enrich.attach_users, records, data.users)
    out["plan_share"] = enrich.plan_breakdown(joined)
    out["travelers"] = len(enrich.traveling_users(joined))
    out["countries"] = list(stage("country_breakdown", enrich.country_breakdown, records).items())[:5]
    out["browsers"] = stage("browser_share", ua.browser_share, records)

    # message analytics
    messages = [e.message for e in events]
    keywords = stage("keyword_counts", tokens.keyword_counts, messages)
    token_lists = [tokens.tokenize(m) for m in messages]
    vocab = tokens.build_vocabulary(token_lists, min_count=20)
    flat = [tok for toks in token_lists for tok in toks]
    ids = stage("encode", tokens.encode, flat, vocab)
    out["encoded"] = (len(ids), sum(ids))
    index = tokens.vocabulary_index(tokens.build_vocabulary(token_lists, min_count=3))
    known = stage("known_tokens", tokens.known_tokens, flat * 2, index)
    out["known"] = len(known)
    bigrams = tokens.bigram_counts(token_lists)
    out["top_keywords"] = stage("top_terms", tokens.top_terms, keywords, 10)
    out["top_bigrams"] = stage("top_terms", tokens.top_terms, bigrams, 10)
    templates = {}
    for m in messages:
        t = tokens.template_of(m)
        templates[t] = templates.get(t, 0) + 1
    out["templates"] = stage("frequent", tokens.frequent, templates, 50)[:5]
    out["frequent_bigrams"] = [len(stage("frequent", tokens.frequent, bigrams, n)) for n in (2, 5, 20)]
    out["frequent_keywords"] = len(stage("frequent", tokens.frequent, keywords, 5))

    # reports
    rows = [(r.ip, r.method, r.path, r.status, r.size, f"{r.duration:.1f}") for r in window]
    writer = report.CsvWriter(["ip", "method", "path", "status", "bytes", "ms"])
    stage("write_rows", writer.write_rows, rows)
    out["csv_bytes"] = len(writer.text)
    out["feed"] = stage("activity_feed", report.activity_feed, records, 5)
    out["table"] = report.render_table(["path", "hits"], sorted(hits.items())[:10])
    out["summary"] = report.render_summary("Workload", {
        "Traffic": {"requests": len(records), "sessions": len(all_sessions),
                    "bytes": report.format_bytes(sum(totals.values()))},
        "Methods": out["methods"],
        "Latency": out["latency"],
    })

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
    t0 = time.perf_counter()
    result = run(data, timings)
    elapsed = time.perf_counter() - t0
    summary = {"scale": scale, "records": result["records"], "seconds": round(elapsed, 3),
               "checksum": checksum(result)}
    if verbose:
        print(f"logalyzer workload: scale={scale} records={result['records']} "
              f"time={elapsed:.3f}s checksum={summary['checksum']}")
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
