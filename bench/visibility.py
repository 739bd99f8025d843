"""Benchmark: reading reports through the access policy at 1,000,000 reports.

For three members of the seeded coalition (bench/seed.py) — a typical rightsholder in 5
agreements, an industry group party to 50, and a league that owns 100,000 reports — measures
`GET /api/v1/reports/` (first page, and a cursor page 90 % of the way down the list) over
HTTP against gunicorn, and the page's SQL with and without the policy filter, executed
directly. Writes the table to BENCHMARKS.md and `EXPLAIN (ANALYZE, BUFFERS)` of the policy
query to docs/access-policy-plan.md. Reads the seed database as it is (nothing is written
but the keys' `last_used_at`).
"""

from __future__ import annotations

import base64
import os
import statistics
import sys
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import coalition  # noqa: E402
import seed  # noqa: E402
from common import (  # noqa: E402
    BENCH_REDIS_URL,
    SERVER_ENV,
    free_port,
    gunicorn,
    machine,
    percentile,
    stop,
    wait_healthy,
    write_section,
)

REDIS_URL = BENCH_REDIS_URL
ROUNDS = int(os.environ.get("BENCH_VISIBILITY_ROUNDS", "3"))
REQUESTS = int(os.environ.get("BENCH_VISIBILITY_REQUESTS", "60"))
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "3"))
MEMBERS = [
    (coalition.TYPICAL, "typical member (5 agreements)"),
    (coalition.HUB50, "member of 50 agreements"),
    (coalition.BIG, "owner of 100,000 reports"),
]


def cursor_for(position: int) -> str:
    """DRF's cursor for "the page after id `position`" (ordering -id)."""
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


def page_queries(org, deep_below: int | None):
    """The list page's main query with the policy, and the same page without it."""
    from reports.models import Report

    policy = Report.objects.visible_to(org).with_disclosure(org).select_related("owner")
    unfiltered = Report.objects.select_related("owner")
    if deep_below is not None:
        policy = policy.filter(id__lt=deep_below)
        unfiltered = unfiltered.filter(id__lt=deep_below)
    # The cursor paginator reads one row more than the page to know whether there is a next.
    return policy.order_by("-id")[:51], unfiltered.order_by("-id")[:51]


def unfiltered_reports(org):
    """What `visible_reports(org)` reads for display, without the policy: every report, all
    disclosed. Only ever used here, to price the policy."""
    from django.db.models import Value

    from reports.models import Report
    from reports.selectors import for_display

    return for_display(
        Report.objects.annotate(identity_disclosed=Value(True), evidence_disclosed=Value(True))
    )


def time_requests(client, path: str, key: str, n: int, *, policy: bool) -> list[float]:
    """The whole request in-process (middleware, authentication, the view, serialisation),
    with the access policy or with `unfiltered_reports` in its place."""
    from unittest import mock

    out = []
    patch = (
        nullcontext()
        if policy
        else mock.patch("reports.api.reports.visible_reports", unfiltered_reports)
    )
    with patch:
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")
            out.append(time.perf_counter() - started)
            assert response.status_code == 200
    return out


def time_sql(queryset, n: int) -> list[float]:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    out = []
    with connection.cursor() as cur:
        for _ in range(n):
            started = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            out.append(time.perf_counter() - started)
    return out


def explain(queryset) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def main() -> None:
    name = seed.ensure_seed()
    env = dict(
        os.environ,
        DATABASE_URL=seed.db_url(name),
        REDIS_URL=REDIS_URL,
        **SERVER_ENV,
    )
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    import urllib3

    import hub.wsgi  # noqa: F401 - the servers' garbage-collector settings, for in-process figures
    from members.models import Organization
    from reports.models import Report

    max_id = Report.objects.order_by("-id").values_list("id", flat=True).first()
    deep = max_id // 10  # 90 % of the way down the newest-first list
    port = free_port()
    server = gunicorn(port, env, WORKERS)
    base = f"http://127.0.0.1:{port}"
    http = urllib3.PoolManager(maxsize=1)
    rows, plans = [], {}
    from django.test import Client

    client = Client()
    try:
        wait_healthy(base, workers=False)
        for slug, label in MEMBERS:
            org = Organization.objects.get(slug=slug)
            headers = {"Authorization": f"Bearer {coalition.api_key(org.id)}"}
            visible = Report.objects.visible_to(org).count()
            for page, below in (("first page", None), ("deep cursor page", deep)):
                url = base + "/api/v1/reports/"
                if below is not None:
                    url += "?cursor=" + cursor_for(below)
                first = http.request("GET", url, headers=headers)
                assert first.status == 200, first.data[:300]
                count = len(first.json()["results"])
                http_rounds, policy_rounds, plain_rounds = [], [], []
                with_rounds, without_rounds = [], []
                policy_q, plain_q = page_queries(org, below)
                path = url.removeprefix(base)
                key = coalition.api_key(org.id)
                for _ in range(ROUNDS):
                    with_rounds.append(time_requests(client, path, key, REQUESTS, policy=True))
                    without_rounds.append(time_requests(client, path, key, REQUESTS, policy=False))
                    samples = []
                    for _ in range(REQUESTS):
                        started = time.perf_counter()
                        r = http.request("GET", url, headers=headers)
                        samples.append(time.perf_counter() - started)
                        assert r.status == 200
                    http_rounds.append(samples)
                    policy_rounds.append(time_sql(policy_q, REQUESTS))
                    plain_rounds.append(time_sql(plain_q, REQUESTS))
                rows.append(
                    (label, page, visible, count, http_rounds, with_rounds, without_rounds,
                     policy_rounds, plain_rounds)
                )  # fmt: skip
                if page == "first page":
                    plans[label] = (explain(policy_q), explain(plain_q))
            print(f"{label}: done", flush=True)
    finally:
        stop([server])
    write(rows, max_id)
    write_plans(plans, max_id)


def stat(rounds: list[list[float]], p: float) -> str:
    """Median over the rounds of the p-th percentile (min - max), in ms."""
    values = [percentile(r, p) * 1000 for r in rounds]
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def write(rows, max_id: int) -> None:
    lines = [
        f"{machine()} · gunicorn {WORKERS} workers, one client, PostgreSQL default settings, "
        "all on this one machine.",
        "",
        f"{max_id:,} reports (1-5 indicators each), 200 organisations, 500 agreements in every "
        f"state. Each cell: the median over {ROUNDS} rounds of {REQUESTS} requests of that "
        "percentile, in ms (min-max over the rounds). HTTP is the whole `GET /api/v1/reports/` "
        "(50 reports with indicators, disclosure and serialisation) from a client to gunicorn; "
        '"request" is the same request in-process (Django\'s test client), with the policy '
        "and with the policy replaced by an unfiltered queryset (everything else equal), and "
        '"policy cost" the ratio of their medians; SQL is the page\'s main query alone, with '
        "and without the policy (same order, same limit; planning included, as each request "
        "plans it).",
        "",
        "| reader | page | visible | HTTP p50 | HTTP p95 | HTTP p99 | request p50, policy | "
        "request p50, no policy | policy cost | SQL p95, policy | SQL p95, no policy | goal |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, page, visible, count, http_r, with_r, without_r, policy_r, plain_r in rows:
        # Medians: a p95 of 100 in-process requests is mostly the garbage collector's noise.
        ratio = statistics.median(
            [
                statistics.median(w) / statistics.median(u)
                for w, u in zip(with_r, without_r, strict=True)
            ]
        )
        lines.append(
            f"| {label} | {page} ({count}) | {visible:,} | {stat(http_r, 50)} | "
            f"{stat(http_r, 95)} | {stat(http_r, 99)} | {stat(with_r, 50)} | "
            f"{stat(without_r, 50)} | {ratio:.2f}x | {stat(policy_r, 95)} | {stat(plain_r, 95)} "
            "| p95 < 50 ms, policy < 2x |"
        )
    lines += [
        "",
        "The plans are in [docs/access-policy-plan.md](docs/access-policy-plan.md).",
    ]
    write_section("Visibility: the access policy at 1,000,000 reports", lines)


def write_plans(plans: dict[str, tuple[str, str]], max_id: int) -> None:
    out = [
        "# The access policy's query plan at 1,000,000 reports",
        "",
        f"Written by `make bench` (`bench/visibility.py`) on {datetime.now(UTC):%Y-%m-%d %H:%M} "
        f"UTC against the benchmark coalition ({max_id:,} reports). `EXPLAIN (ANALYZE, "
        "BUFFERS)` of the first page of `GET /api/v1/reports/` (the main query: "
        "`Report.objects.visible_to(org).with_disclosure(org)`, newest first, 51 rows), then "
        "the same page without the policy.",
        "",
        "How to read it: PostgreSQL walks the primary key backwards (newest first) and "
        "evaluates the policy's `EXISTS` sub-plans row by row until it has 51 rows; each "
        "sub-plan is an index lookup on agreement parties `(organization, agreement)` and "
        "agreements. The cost therefore grows with how many recent reports the reader may "
        '*not* see, not with the table\'s size. See ARCHITECTURE.md, "The access policy".',
    ]
    for label, (policy, plain) in plans.items():
        out += ["", f"## {label}", "", "With the policy:", "", "```", policy, "```", ""]
        out += ["Without the policy:", "", "```", plain, "```"]
    (ROOT / "docs" / "access-policy-plan.md").write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
