"""Benchmark: from `POST /api/v1/reports/` answering 201 to the co-party's webhook arriving.

Real parts: gunicorn, two Celery workers (all queues; urgent only) and Redis, a local HTTP
receiver. Measured at rest, then with a backlog of 10,000 reports being linked (submitted in
bulk by a third member just before). Run by `make bench`; writes its table to BENCHMARKS.md.
Uses its own database (`atalaya_bench`) and Redis database (14), never the dev ones.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BASE_DB = os.environ.get("DATABASE_URL", "postgres://atalaya:atalaya@127.0.0.1:5432/atalaya")
DB_URL = urlunsplit(urlsplit(BASE_DB)._replace(path="/atalaya_bench"))
REDIS_URL = urlunsplit(
    urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))._replace(path="/14")
)
ENV = dict(os.environ, DATABASE_URL=DB_URL, REDIS_URL=REDIS_URL, DEBUG="true", LOG_LEVEL="WARNING")
os.environ.update(DATABASE_URL=DB_URL, REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="hub.settings")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import ensure_database, free_port  # noqa: E402

AT_REST = int(os.environ.get("BENCH_AT_REST", "50"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "10000"))
UNDER_LOAD = int(os.environ.get("BENCH_UNDER_LOAD", "20"))


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


def start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=ENV,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ensure_database(BASE_DB, "atalaya_bench")
    import django

    django.setup()
    import redis
    import urllib3
    from django.core.management import call_command

    from members.models import Organization
    from members.tests.factories import make_key
    from reports import webhooks
    from reports.models import WebhookEndpoint
    from reports.tests.factories import agreement_between

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    redis.Redis.from_url(REDIS_URL).flushdb()
    owner = Organization.objects.create(
        slug="league", name="League", kind="rightsholder", country="PE"
    )
    isp = Organization.objects.create(slug="isp", name="ISP", kind="telco", country="PE")
    bulk = Organization.objects.create(
        slug="bulk", name="Bulk", kind="industry_group", country="PE"
    )
    agreement_between(owner, isp, categories=["live_sports"], jurisdictions=["PE"])
    receiver = Receiver()
    WebhookEndpoint.objects.create(
        organization=isp, url=receiver.url, secret=webhooks.generate_secret()
    )
    keys = {"owner": make_key(owner), "bulk": make_key(bulk)}

    port = free_port()
    venv = ROOT / ".venv" / "bin"
    procs = [
        start(
            [str(venv / "gunicorn"), "hub.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3"]
        ),
        start(
            [
                str(venv / "celery"),
                "-A",
                "hub",
                "worker",
                "-Q",
                "urgent,default,bulk",
                "--concurrency",
                "2",
                "--hostname",
                "bench@%h",
                "--without-gossip",
                "--without-mingle",
            ]
        ),
        start(
            [
                str(venv / "celery"),
                "-A",
                "hub",
                "worker",
                "-Q",
                "urgent",
                "--concurrency",
                "1",
                "--hostname",
                "bench-urgent@%h",
                "--without-gossip",
                "--without-mingle",
            ]
        ),
    ]
    http_ = urllib3.PoolManager(maxsize=4)
    base = f"http://127.0.0.1:{port}"

    def post(key: str, path: str, body: dict) -> tuple[int, dict]:
        r = http_.request(
            "POST",
            base + path,
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
            status, body = post(
                keys["owner"], "/api/v1/reports/", report(start_n + i, urgent=urgent)
            )
            assert status == 201, body
            sent[body["id"]] = time.monotonic()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not all(i in receiver.arrivals for i in sent):
            time.sleep(0.02)
        return [receiver.arrivals[i] - t for i, t in sent.items() if i in receiver.arrivals]

    try:
        for _ in range(100):
            try:
                if http_.request("GET", base + "/healthz").status == 200:
                    break
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.3)
        measure(5, 0, urgent=False)  # warm-up
        rows = []
        at_rest = measure(AT_REST, 100, urgent=False)
        rows.append(("at rest", "normal", at_rest, AT_REST))
        t0 = time.monotonic()
        for b in range(0, BACKLOG, 500):
            items = [
                report(100_000 + b + i, urgent=False) | {"title": "backlog"}
                for i in range(min(500, BACKLOG - b))
            ]
            status, body = post(keys["bulk"], "/api/v1/reports/bulk/", {"reports": items})
            assert status == 200 and body["created"] == len(items), body
        submit_s = time.monotonic() - t0
        urgent = measure(UNDER_LOAD, 1_000, urgent=True)
        rows.append((f"{BACKLOG:,}-report backlog", "urgent", urgent, UNDER_LOAD))
        normal = measure(UNDER_LOAD, 2_000, urgent=False)
        rows.append((f"{BACKLOG:,}-report backlog", "normal", normal, UNDER_LOAD))
    finally:
        for p in procs:
            with suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(30)
    write(rows, submit_s)


def write(rows, submit_s: float) -> None:
    import celery
    from common import machine, write_section

    lines = [
        f"{machine()} · Celery {celery.__version__} · gunicorn 3 workers, Celery "
        "2 processes on all queues + 1 on `urgent`, all on this one machine.",
        "",
        "| situation | reports | n | p50 | p99 | max | goal |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for situation, kind, values, n in rows:
        goal = "p99 < 2 s" if situation == "at rest" else ("p99 < 5 s" if kind == "urgent" else "—")
        if len(values) < n:
            lines.append(
                f"| {situation} | {kind} | {n} | only {len(values)} arrived in 300 s | | | {goal} |"
            )
            continue
        lines.append(
            f"| {situation} | {kind} | {n} | {statistics.median(values) * 1000:.0f} ms | "
            f"{percentile(values, 99) * 1000:.0f} ms | {max(values) * 1000:.0f} ms | {goal} |"
        )
    lines += [
        "",
        f"The backlog was submitted through `POST /api/v1/reports/bulk/` (batches of 500) "
        f"in {submit_s:.1f} s, just before the measured reports.",
    ]
    write_section("Dedup to notify: 201 → webhook arrival", lines)


if __name__ == "__main__":
    main()
