"""Benchmark: ingest through `POST /api/v1/reports/bulk/` against the COPY ceiling.

On a copy of the 1,000,000-report seed (bench/seed.py), each run generates 20,000 new reports
(fixed seed per run), sends them in batches of 500 from several client processes to gunicorn,
then writes the same reports' rows (reports, indicators, recipients, restrictions) with one
psycopg 3 `COPY` per table into the same tables: the physical ceiling of the database for
these rows. No Celery worker runs during the measurement (the deduplication tasks queue up
in Redis and are dropped afterwards): this measures accepting reports, not linking them.
Then one batch is profiled in-process to say where the time goes.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

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
    stop,
    wait_healthy,
    write_section,
)

DB = "atalaya_bench_ingest"
REDIS_URL = BENCH_REDIS_URL
RUNS = int(os.environ.get("BENCH_INGEST_RUNS", "3"))
BATCHES = int(os.environ.get("BENCH_INGEST_BATCHES", "40"))
BATCH = 500
CLIENTS = int(os.environ.get("BENCH_INGEST_CLIENTS", "4"))
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "3"))


def _post_all(base: str, batches: list[tuple[str, bytes]]) -> tuple[int, int]:
    """One client process: sends its batches one after the other; (created, invalid)."""
    import urllib3

    http = urllib3.PoolManager(maxsize=1)
    created = invalid = 0
    for key, body in batches:
        r = http.request(
            "POST",
            base + "/api/v1/reports/bulk/",
            body=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        if r.status != 200:
            raise RuntimeError(f"{r.status}: {r.data[:500]!r}")
        answer = json.loads(r.data)
        created += answer["created"]
        invalid += answer["invalid"]
    return created, invalid


def generate(run: int):
    """The run's reports: (owner id, specs) per batch, and the API bodies."""
    orgs = coalition.organisations()
    agreements = coalition.agreements(orgs)
    generator = coalition.ReportGenerator(orgs, agreements, seed=coalition.SEED + 100 + run)
    slugs = {o.id: o.slug for o in orgs}
    batches = []
    for b, owner in enumerate(generator.owners(BATCHES)):
        first = (run + 1) * 10_000_000 + b * BATCH
        specs = [generator.report(owner, first + i) for i in range(BATCH)]
        body = json.dumps({"reports": [generator.api_body(s, slugs) for s in specs]}).encode()
        batches.append((owner, specs, body))
    return batches


def copy_rows(conn, batches) -> float:
    """COPY of the same reports into the same tables; returns the seconds it took. Values are
    normalised before the clock starts, as the ceiling is the database's, not Python's."""
    from reports.indicators import normalise

    now = coalition.EPOCH
    prepared = []
    for owner, specs, _ in batches:
        for spec in specs:
            values = [(k, raw, normalise(k, raw)) for k, raw in spec.indicators]
            prepared.append((owner, spec, values))
    started = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        ids = [
            row[0]
            for row in cur.execute(
                "SELECT nextval(pg_get_serial_sequence('reports_report', 'id'))"
                " FROM generate_series(1, %s)",
                [len(prepared)],
            ).fetchall()
        ]
        with cur.copy(
            "COPY reports_report (id, owner_id, category, title, description, tlp, jurisdictions,"
            " sharing, status, created_at, updated_at) FROM STDIN"
        ) as copy:
            for rid, (owner, spec, _) in zip(ids, prepared, strict=True):
                copy.write_row(
                    (rid, owner, spec.category, spec.title, "", spec.tlp, spec.jurisdictions,
                     spec.sharing, "open", now, now)
                )  # fmt: skip
        with cur.copy(
            "COPY reports_indicator (report_id, position, kind, raw_value, value) FROM STDIN"
        ) as copy:
            for rid, (_, _, values) in zip(ids, prepared, strict=True):
                for position, (kind, raw, value) in enumerate(values):
                    copy.write_row((rid, position, kind, raw, value))
        with cur.copy(
            "COPY reports_report_recipients (report_id, organization_id) FROM STDIN"
        ) as copy:
            for rid, (_, spec, _) in zip(ids, prepared, strict=True):
                for org_id in spec.recipients:
                    copy.write_row((rid, org_id))
        with cur.copy(
            "COPY reports_report_restricted_to (report_id, agreement_id) FROM STDIN"
        ) as copy:
            for rid, (_, spec, _) in zip(ids, prepared, strict=True):
                for agreement_id in spec.restricted_to:
                    copy.write_row((rid, agreement_id))
    return time.perf_counter() - started


# Where a bulk request spends its time: the cumulative time of each step's entry point,
# counted from the given caller only (so nested calls of the same function are not counted
# twice).
STEPS = [
    ("reading the JSON body", "rest_framework/parsers.py", "parse", "rest_framework/request.py"),
    ("authentication (API key)", "members/authentication.py", "authenticate",
     "rest_framework/request.py"),
    ("validation, quick path: fields and rules (with normalisation)",
     "reports/api/serializers.py", "quick_input", "reports/api/reports.py"),
    ("validation, serializer (the unusual items)",
     "rest_framework/serializers.py", "run_validation", "reports/api/reports.py"),
    ("of which: normalising indicators", "reports/indicators.py", "normalise",
     "reports/api/serializers.py"),
    ("storing: COPY of reports, indicators and audit rows, the event", "reports/services.py",
     "reports_submit", "reports/api/reports.py"),
    ("rendering the answer", "rest_framework/renderers.py", "render", "rest_framework/response.py"),
]  # fmt: skip


def profile(batch: bytes, key: str) -> tuple[float, list[tuple[str, float]]]:
    """(total seconds, seconds per step) of one bulk request, in-process (Django's test
    client under cProfile, which slows Python down: the shares matter, not the seconds)."""
    from django.test import Client

    client = Client()
    # A first request pays for imports, URL patterns and the connection: not what is measured.
    client.get("/api/v1/reports/?page_size=1", HTTP_AUTHORIZATION=f"Bearer {key}")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    response = client.post(
        "/api/v1/reports/bulk/",
        batch,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    profiler.disable()
    total = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    stats = pstats.Stats(profiler).stats
    steps = []
    for name, path, function, caller in STEPS:
        seconds = 0.0
        for (filename, _, fn), (_, _, _, _, callers) in stats.items():
            if filename.endswith(path) and fn == function:
                seconds += sum(
                    ct for (cfile, _, _), (_, _, _, ct) in callers.items() if cfile.endswith(caller)
                )
        steps.append((name, seconds))
    return total, steps


def main() -> None:
    started = time.monotonic()
    seed.clone(DB)
    print(f"copied the seed in {time.monotonic() - started:.0f} s", flush=True)
    env = dict(
        os.environ,
        DATABASE_URL=seed.db_url(DB),
        REDIS_URL=REDIS_URL,
        **SERVER_ENV,
        ALLOWED_HOSTS="*",
    )
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    import psycopg
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    server = gunicorn(port, env, WORKERS)
    base = f"http://127.0.0.1:{port}"
    api_rates, copy_rates, invalid_total = [], [], 0
    try:
        wait_healthy(base, workers=False)
        # Warm-up: every gunicorn worker has loaded its code and opened its connection.
        warm = generate(99)[: WORKERS * 2]
        with ProcessPoolExecutor(CLIENTS) as pool:
            shares = [[(coalition.api_key(o), body)] for o, _, body in warm]
            list(pool.map(_post_all, [base] * len(warm), shares))
        for run in range(RUNS):
            batches = generate(run)
            shares = [
                [(coalition.api_key(o), body) for o, _, body in batches[i::CLIENTS]]
                for i in range(CLIENTS)
            ]
            started = time.perf_counter()
            with ProcessPoolExecutor(CLIENTS) as pool:
                answers = list(pool.map(_post_all, [base] * CLIENTS, shares))
            elapsed = time.perf_counter() - started
            created = sum(c for c, _ in answers)
            invalid_total += sum(i for _, i in answers)
            api_rates.append(created / elapsed)
            with psycopg.connect(seed.pg_url(DB)) as conn:
                seconds = copy_rows(conn, batches)
            copy_rates.append(BATCHES * BATCH / seconds)
            print(
                f"run {run + 1}: API {api_rates[-1]:,.0f} reports/s ({created:,} created),"
                f" COPY {copy_rates[-1]:,.0f} reports/s",
                flush=True,
            )
        owner, _, body = generate(RUNS)[0]
        breakdown = profile(body, coalition.api_key(owner))
        version = pg_version()
    finally:
        stop([server])
        redis.Redis.from_url(REDIS_URL).flushdb()
        from django.db import connections

        connections.close_all()
        seed.drop(DB)
    write(api_rates, copy_rates, invalid_total, breakdown, version)


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f} - {max(values):,.0f})"


def write(api_rates, copy_rates, invalid, breakdown, version: str) -> None:
    total, steps = breakdown
    share = [a / c for a, c in zip(api_rates, copy_rates, strict=True)]
    lines = [
        f"{machine()} · PostgreSQL {version} (default settings) · gunicorn {WORKERS} "
        f"workers, {CLIENTS} client processes, all on this one machine.",
        "",
        f"On a copy of the 1,000,000-report seed. Each run sends {BATCHES * BATCH:,} new reports "
        f"(1-5 indicators each) in batches of {BATCH}; the ceiling is `COPY` of the same rows "
        f"into the same tables (reports, indicators, recipients, restrictions), with their "
        f"indexes, in the same run. Median of {RUNS} runs (min - max).",
        "",
        "| path | reports/s | share of the ceiling | goal |",
        "| --- | ---: | ---: | --- |",
        f"| `POST /api/v1/reports/bulk/` | {fmt(api_rates)} | "
        f"{statistics.median(share):.0%} ({min(share):.0%} - {max(share):.0%}) | ≥ 25 % |",
        f"| `COPY` (the ceiling) | {fmt(copy_rates)} | 100 % | |",
        "",
        f"Items refused as invalid: {invalid} (the generated reports are all valid).",
        "",
        f"Where one batch of {BATCH} spends its time, profiled in-process (cProfile slows "
        "Python down, so the shares matter more than the seconds):",
        "",
        "| step | seconds | share |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {name} | {t:.3f} | {t / total:.0%} |" for name, t in steps]
    rest = total - sum(t for name, t in steps if not name.startswith("of which"))
    lines.append(
        f"| everything else (middleware, routing, transaction, commit) | {rest:.3f} | "
        f"{rest / total:.0%} |"
    )
    lines.append(f"| **the whole request** | {total:.3f} | 100% |")
    write_section("Ingest: bulk API against the COPY ceiling", lines)


def pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        return cur.fetchone()[0].split()[0]


if __name__ == "__main__":
    main()
