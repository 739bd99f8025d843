"""Benchmark: an ISP's blocklist with 100,000 domains in force — the time to build the RPZ and
text feeds, to serve them over HTTP from a real gunicorn, and to answer 304 to a poll with the
current ETag. Run by `make bench`; writes its section of BENCHMARKS.md.

Seeds its own database (`atalaya_bench_feeds`) once, through the real services (20 orders of
5,000 domains each issued by one authority to one ISP, with real host names of
../shared/data/piracy-domains.hosts first and generated mirrors after); a re-run reuses it.
Each figure is the median of several runs, with min and max.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BASE_DB = os.environ.get("DATABASE_URL", "postgres://atalaya:atalaya@127.0.0.1:5432/atalaya")
DB_NAME = "atalaya_bench_feeds"
DB_URL = urlunsplit(urlsplit(BASE_DB)._replace(path=f"/{DB_NAME}"))
REDIS_URL = urlunsplit(
    urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))._replace(path="/14")
)
ENV = dict(os.environ, DATABASE_URL=DB_URL, REDIS_URL=REDIS_URL, DEBUG="false", LOG_LEVEL="WARNING")
ENV.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.update(
    DATABASE_URL=DB_URL,
    REDIS_URL=REDIS_URL,
    DJANGO_SETTINGS_MODULE="hub.settings",
    SECRET_KEY=ENV["SECRET_KEY"],
)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import ensure_database, free_port  # noqa: E402

DOMAINS = int(os.environ.get("BENCH_FEED_DOMAINS", "100000"))
ORDERS = 20
RUNS = int(os.environ.get("BENCH_FEED_RUNS", "7"))
POLLS = int(os.environ.get("BENCH_FEED_POLLS", "200"))
HOSTS = ROOT.parent / "shared" / "data" / "piracy-domains.hosts"


def domains(count: int) -> list[str]:
    """Real piracy host names first (when the shared data is there), then generated mirrors
    of them on other suffixes: what a season of dynamic-blocking orders looks like."""
    from reports.indicators import IndicatorError, normalise

    real: list[str] = []
    if HOSTS.exists():
        for line in HOSTS.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#"):
                try:
                    real.append(normalise("domain", parts[1]))
                except IndicatorError:
                    continue
    names = list(dict.fromkeys(real))
    suffixes = ["example", "test", "invalid", "example.net", "example.org"]
    i = 0
    while len(names) < count:
        label = real[i % len(real)].split(".")[0] if real else "mirror"
        base = f"{label.removeprefix('xn--')[:40]}-{i}"
        names.append(f"{base}.{suffixes[i % len(suffixes)]}")
        i += 1
    return names[:count]


def seed():
    from datetime import timedelta

    from django.utils import timezone

    from enforcement.models import OrderTarget
    from enforcement.services import OrderInput, TargetInput, order_issue
    from members.models import Organization
    from members.services import Actor
    from members.tests.factories import UserFactory

    authority, _ = Organization.objects.get_or_create(
        slug="bench-authority", defaults={"name": "Authority", "kind": "regulator", "country": "PE"}
    )
    isp, _ = Organization.objects.get_or_create(
        slug="bench-isp", defaults={"name": "ISP", "kind": "telco", "country": "PE"}
    )
    in_force = OrderTarget.objects.in_force().for_isp(isp).count()
    if in_force >= DOMAINS:
        print(f"seed: reusing {in_force:,} entries in force")
        return authority, isp
    OrderTarget.objects.all().delete()
    from enforcement.models import BlockingOrder

    BlockingOrder.objects.all().delete()
    user = authority.users.first() or UserFactory(organization=authority, role="admin")
    names = domains(DOMAINS)
    per = len(names) // ORDERS
    started = time.perf_counter()
    for n in range(ORDERS):
        chunk = names[n * per : (n + 1) * per]
        order_issue(
            actor=Actor(user=user),
            data=OrderInput(
                reference=f"BENCH-{n:03d}",
                legal_basis="Bench",
                country="PE",
                targets=[TargetInput("domain", d) for d in chunk],
                deadline=timezone.now() + timedelta(days=1),
                valid_until=timezone.now() + timedelta(days=3650),
                isps=[isp],
                # The seed includes names a real season would override (platforms' user hosts).
                override_protected=True,
                justification="Benchmark seed; not a real order of any authority.",
            ),
        )
    print(
        f"seed: {len(names):,} domains in {ORDERS} orders in {time.perf_counter() - started:.0f} s"
    )
    return authority, isp


def median_min_max(values: list[float]) -> str:
    return (
        f"{statistics.median(values) * 1000:,.1f} ms "
        f"({min(values) * 1000:,.1f} - {max(values) * 1000:,.1f})"
    )


def main() -> None:
    ensure_database(BASE_DB, DB_NAME)
    import django

    django.setup()
    import urllib3
    from common import machine, write_section
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from enforcement import feeds
    from enforcement.selectors import blocklist_entries, blocklist_version, zone_origin
    from members.tests.factories import make_key

    call_command("migrate", verbosity=0)
    _authority, isp = seed()
    key = make_key(isp, scopes=("read",))

    # Building in-process: the query, the consolidation and the rendering, without HTTP.
    builds: dict[str, list[float]] = {"query": [], "txt": [], "rpz": [], "version": []}
    for _ in range(RUNS):
        t0 = time.perf_counter()
        entries = blocklist_entries(isp)
        t1 = time.perf_counter()
        text = feeds.render_txt(entries, isp=isp.slug, as_of=timezone.now())
        t2 = time.perf_counter()
        zone = feeds.render_rpz(entries, origin=zone_origin(isp), serial=1)
        t3 = time.perf_counter()
        blocklist_version(isp)
        t4 = time.perf_counter()
        builds["query"].append(t1 - t0)
        builds["txt"].append(t2 - t1)
        builds["rpz"].append(t3 - t2)
        builds["version"].append(t4 - t3)
    count = len(entries)
    connection.close()

    port = free_port()
    workers = 3
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "hub.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=ENV,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        http = urllib3.PoolManager(maxsize=2)
        base = f"http://127.0.0.1:{port}/api/v1"
        headers = {"Authorization": f"Bearer {key}"}
        _wait(http, f"http://127.0.0.1:{port}/healthz")
        served: dict[str, list[float]] = {}
        sizes: dict[str, int] = {}
        etags: dict[str, str] = {}
        for fmt in ("rpz", "txt"):
            times = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                r = http.request("GET", f"{base}/blocklist.{fmt}", headers=headers)
                times.append(time.perf_counter() - t0)
                assert r.status == 200, r.status
            served[fmt], sizes[fmt], etags[fmt] = times, len(r.data), r.headers["ETag"]
        polls = []
        for _ in range(POLLS):
            t0 = time.perf_counter()
            r = http.request(
                "GET",
                f"{base}/blocklist.rpz",
                headers={**headers, "If-None-Match": etags["rpz"]},
            )
            polls.append(time.perf_counter() - t0)
            assert r.status == 304, r.status
    finally:
        server.terminate()
        server.wait(30)

    polls.sort()
    lines = [
        f"{machine()} · gunicorn {workers} workers, PostgreSQL and the client on the same "
        f"machine. {count:,} domains in force for one ISP, from {ORDERS} orders; median of "
        f"{RUNS} runs (min - max), 304 over {POLLS} polls.",
        "",
        "| what | time | size |",
        "| --- | ---: | ---: |",
        f"| read the entries in force (one query) | {median_min_max(builds['query'])} | |",
        f"| render text | {median_min_max(builds['txt'])} | {len(text.encode()):,} B |",
        f"| render RPZ | {median_min_max(builds['rpz'])} | {len(zone.encode()):,} B |",
        f"| `GET /api/v1/blocklist.txt` (200, whole) | {median_min_max(served['txt'])} | "
        f"{sizes['txt']:,} B |",
        f"| `GET /api/v1/blocklist.rpz` (200, whole) | {median_min_max(served['rpz'])} | "
        f"{sizes['rpz']:,} B |",
        f"| compute the version (ETag) | {median_min_max(builds['version'])} | |",
        f"| `GET /api/v1/blocklist.rpz` with the current ETag (304): p50 / p95 / max | "
        f"{statistics.median(polls) * 1000:.1f} / {polls[int(len(polls) * 0.95)] * 1000:.1f} / "
        f"{polls[-1] * 1000:.1f} ms | 0 B |",
        "",
        "A 304 reads only the ISP's orders (the version), never the entries, so its time does "
        "not grow with the list; a poll every minute by every ISP is cheap. The 200 is dominated "
        f"by reading {count:,} rows and rendering them; an ISP that polls with its ETag pays it "
        "once per change.",
    ]
    write_section("Blocklist feeds: RPZ and text for one ISP, and the 304", lines)


def _wait(http, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            http.request("GET", url, timeout=2, retries=False)
            return
        except Exception:  # not up yet
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


if __name__ == "__main__":
    main()
