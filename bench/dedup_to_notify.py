"""Benchmark: from `POST /api/v1/reports/` answering 201 to the co-party's webhook arriving.

Real parts: gunicorn, two Celery workers (all queues; urgent only) and Redis, a local HTTP
receiver, on a copy of the 1,000,000-report seed (bench/seed.py), so that linking meets the
targets a national hub holds. Measured at rest, then while coalition members ingest through
`POST /api/v1/reports/bulk/` (batches of 100, paced) at the same time.
Several rounds; run by `make bench`; writes its table to BENCHMARKS.md. Uses its own database
copy and Redis database (14), never the dev ones.
"""

from __future__ import annotations

import http.server
import json
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
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
    percentile,
    start,
    stop,
    wait_healthy,
)

DB = "atalaya_bench_dedup"
REDIS_URL = BENCH_REDIS_URL
ENV = dict(
    os.environ,
    DATABASE_URL=seed.db_url(DB),
    REDIS_URL=REDIS_URL,
    **SERVER_ENV,
    # The receiver listens on 127.0.0.1, which production refuses (SSRF guard).
    WEBHOOK_ALLOW_PRIVATE_DESTINATIONS="true",
)

ROUNDS = int(os.environ.get("BENCH_DEDUP_ROUNDS", "3"))
PER_ROUND = int(os.environ.get("BENCH_DEDUP_PER_ROUND", "20"))
# The concurrent ingest: batches of 100 at this many reports/s (2.6 million a day), far above
# what a national coalition sends, and a rate the two worker processes follow on this 2-core
# machine. At 100/s they fell behind (measured: normal reports waited minutes); unpaced, the
# backlog only grows and the figure measures the queue's length, not the hub.
LOAD_RATE = float(os.environ.get("BENCH_DEDUP_LOAD_RATE", "30"))
BATCH = 100
# One measured report every quarter of a second: a round spans the load for several seconds.
SPACING = 0.25


class Receiver:
    def __init__(self):
        arrivals = self.arrivals = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                now = time.monotonic()
                if body["type"] == "report.shared":
                    reports = body["data"].get("reports") or [body["data"]]
                    for r in reports:
                        arrivals.setdefault(r["id"], now)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Ingest(threading.Thread):
    """Coalition members submitting in bulk at LOAD_RATE reports/s, until stopped."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base = base
        self.stopping = threading.Event()
        self.created = 0
        self.seconds = 0.0

    def run(self) -> None:
        import urllib3

        orgs = coalition.organisations()
        generator = coalition.ReportGenerator(
            orgs, coalition.agreements(orgs), seed=coalition.SEED + 200
        )
        slugs = {o.id: o.slug for o in orgs}
        http = urllib3.PoolManager(maxsize=1)
        started = time.monotonic()
        n = 0
        while not self.stopping.is_set():
            owner = generator.owners(1)[0]
            items = [generator.api_body(generator.report(owner, 50_000_000 + n + i), slugs)
                     for i in range(BATCH)]  # fmt: skip
            n += BATCH
            r = http.request(
                "POST",
                self.base + "/api/v1/reports/bulk/",
                body=json.dumps({"reports": items}).encode(),
                headers={
                    "Authorization": f"Bearer {coalition.api_key(owner)}",
                    "Content-Type": "application/json",
                },
            )
            if r.status == 200:
                self.created += json.loads(r.data)["created"]
            self.stopping.wait(max(0.0, started + n / LOAD_RATE - time.monotonic()))
        self.seconds = time.monotonic() - started


def main() -> None:
    seed.clone(DB)
    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    import redis
    import urllib3

    from members.models import Organization
    from members.tests.factories import make_key
    from notifications import webhooks
    from notifications.models import WebhookEndpoint
    from reports.tests.factories import agreement_between

    redis.Redis.from_url(REDIS_URL).flushdb()
    owner = Organization.objects.create(
        slug="dn-league", name="League", kind="rightsholder", country="PE"
    )
    isp = Organization.objects.create(slug="dn-isp", name="ISP", kind="telco", country="PE")
    agreement_between(owner, isp, categories=["live_sports"], jurisdictions=["PE"])
    receiver = Receiver()
    WebhookEndpoint.objects.create(
        organization=isp, url=receiver.url, secret=webhooks.generate_secret()
    )
    key = make_key(owner)

    port = free_port()
    venv = ROOT / ".venv" / "bin"
    worker = [str(venv / "celery"), "-A", "hub", "worker", "--without-gossip", "--without-mingle"]
    procs = [
        gunicorn(port, ENV),
        start([*worker, "-Q", "urgent,default,bulk", "--concurrency", "2",
               "--hostname", "bench@%h"], ENV),
        start([*worker, "-Q", "urgent", "--concurrency", "1", "--hostname", "bench-urgent@%h"],
              ENV),
    ]  # fmt: skip
    http_ = urllib3.PoolManager(maxsize=4)
    base = f"http://127.0.0.1:{port}"

    def post(body: dict) -> tuple[int, dict]:
        r = http_.request(
            "POST",
            base + "/api/v1/reports/",
            body=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        return r.status, json.loads(r.data)

    def report(n: int, *, urgent: bool) -> dict:
        now = datetime.now(UTC)
        body = {
            "category": "live_sports",
            "title": f"restream {n}",
            "tlp": "amber",
            "jurisdictions": ["PE"],
            "indicators": [{"kind": "domain", "value": f"restream-{n}.example"}],
        }
        if urgent:
            body |= {
                "live_from": now.isoformat(),
                "live_until": (now + timedelta(hours=2)).isoformat(),
            }
        return body

    def measure(count: int, start_n: int, *, urgent: bool) -> list[float]:
        sent = {}
        for i in range(count):
            status, body = post(report(start_n + i, urgent=urgent))
            assert status == 201, body
            sent[body["id"]] = time.monotonic()
            time.sleep(SPACING)  # one report at a time, as a member's analyst sends them
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not all(i in receiver.arrivals for i in sent):
            time.sleep(0.02)
        return [receiver.arrivals[i] - t for i, t in sent.items() if i in receiver.arrivals]

    rows: dict[tuple[str, str], list[list[float]]] = {}
    ingest = None
    try:
        wait_healthy(base, workers=True)
        measure(5, 0, urgent=False)  # warm-up
        n = 100
        for _ in range(ROUNDS):
            rows.setdefault(("at rest", "normal"), []).append(measure(PER_ROUND, n, urgent=False))
            n += PER_ROUND
        ingest = Ingest(base)
        ingest.start()
        time.sleep(5)  # the load is under way before the first measured report
        for _ in range(ROUNDS):
            for kind in ("urgent", "normal"):
                rows.setdefault(("under bulk ingest", kind), []).append(
                    measure(PER_ROUND, n, urgent=kind == "urgent")
                )
                n += PER_ROUND
        ingest.stopping.set()
        ingest.join(120)
    finally:
        if ingest is not None:
            ingest.stopping.set()
        stop(procs)
        redis.Redis.from_url(REDIS_URL).flushdb()
        from django.db import connections

        connections.close_all()
        seed.drop(DB)
    write(rows, ingest)


def stat(rounds: list[list[float]], p: float) -> str:
    values = [percentile(r, p) * 1000 for r in rounds if r]
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def write(rows, ingest: Ingest) -> None:
    import celery
    from common import machine, write_section

    lines = [
        f"{machine()} · Celery {celery.__version__} · gunicorn 3 workers, Celery "
        "2 processes on all queues + 1 on `urgent`, all on this one machine.",
        "",
        f"On a copy of the 1,000,000-report seed. {ROUNDS} rounds of {PER_ROUND} reports each, "
        f"one every {SPACING * 1000:.0f} ms; each cell is the median over the rounds of that "
        "percentile, in ms (min-max over the rounds).",
        "",
        "| situation | reports | n | p50 | p99 | goal |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for (situation, kind), rounds in rows.items():
        goal = "p99 < 2 s" if situation == "at rest" else ("p99 < 5 s" if kind == "urgent" else "—")
        arrived = sum(len(r) for r in rounds)
        sent = PER_ROUND * len(rounds)
        if arrived < sent:
            lines.append(
                f"| {situation} | {kind} | {sent} | only {arrived} arrived in 300 s | | {goal} |"
            )
            continue
        lines.append(
            f"| {situation} | {kind} | {sent} | {stat(rounds, 50)} | {stat(rounds, 99)} | {goal} |"
        )
    if ingest is not None and ingest.seconds:
        lines += [
            "",
            f"The concurrent ingest stored {ingest.created:,} reports in {ingest.seconds:.0f} s "
            f"({ingest.created / ingest.seconds:,.0f} reports/s, paced in batches of {BATCH}) "
            "while the reports above were measured; the same workers deduplicated them. When the "
            "ingest outpaces what the two worker processes link, the backlog grows and a "
            "normal report waits behind it (bulk and default queues are taken in turn, but each "
            "bulk batch takes seconds to link); urgent reports have a worker of their own. "
            'See ARCHITECTURE.md, "Scaling out": workers are sized to the bulk volume.',
        ]
    write_section("Dedup to notify: 201 → webhook arrival", lines)


if __name__ == "__main__":
    main()
