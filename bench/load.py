"""Benchmark: a mixed member workload against the whole hub, from a second process.

On a copy of the 1,000,000-report seed, gunicorn and a Celery worker serve while locust (in
its own virtualenv, `.venv-bench`, as a separate process) runs simulated members with no
think time: list (5), detail (3), search (2), submit (1). Several runs; requests/s, error
rate and latency percentiles per request type go to BENCHMARKS.md.
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
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
    start,
    stop,
    wait_healthy,
    write_section,
)

DB = "atalaya_bench_load"
REDIS_URL = BENCH_REDIS_URL
RUNS = int(os.environ.get("BENCH_LOAD_RUNS", "3"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "16"))
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "3"))
LOCUST = ROOT / ".venv-bench" / "bin" / "locust"
KINDS = ["list", "detail", "search", "submit", "Aggregated"]


def locust(base: str, seconds: int, prefix: str, keys: list[str]) -> dict[str, dict]:
    env = dict(os.environ, BENCH_KEYS=",".join(keys))
    subprocess.run(
        [str(LOCUST), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
         "--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{seconds}s",
         "--host", base, "--csv", prefix, "--only-summary", "--loglevel", "ERROR",
         "--exit-code-on-error", "0"],
        env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv") as f:
        return {row["Name"]: row for row in csv.DictReader(f)}


def main() -> None:
    if not LOCUST.exists():
        raise SystemExit("locust is missing: `make bench` installs it into .venv-bench")
    seed.clone(DB)
    env = dict(
        os.environ,
        DATABASE_URL=seed.db_url(DB),
        REDIS_URL=REDIS_URL,
        **SERVER_ENV,
    )
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    # Members that report and read a lot: the three the visibility benchmark reads as, and
    # 17 others (rightsholders and telcos), each simulated member picking one key.
    orgs = coalition.organisations()
    chosen = [o for o in orgs[:3]] + [o for o in orgs[3:] if o.kind in ("rightsholder", "telco")][
        :17
    ]
    keys = [coalition.api_key(o.id) for o in chosen]
    port = free_port()
    venv = ROOT / ".venv" / "bin"
    procs = [
        gunicorn(port, env, WORKERS),
        start([str(venv / "celery"), "-A", "hub", "worker", "-Q", "urgent,default,bulk",
               "--concurrency", "1", "--hostname", "bench-load@%h", "--without-gossip",
               "--without-mingle"], env),
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        wait_healthy(base, workers=True)
        with tempfile.TemporaryDirectory() as tmp:
            locust(base, 10, f"{tmp}/warm", keys)
            for run in range(RUNS):
                results.append(locust(base, SECONDS, f"{tmp}/run{run}", keys))
                total = results[-1]["Aggregated"]
                print(
                    f"run {run + 1}: {float(total['Requests/s']):.0f} requests/s,"
                    f" {total['Failure Count']} failures",
                    flush=True,
                )
    finally:
        stop(procs)
        redis.Redis.from_url(REDIS_URL).flushdb()
        seed.drop(DB)
    write(results)


def med(values: list[float], digits: int = 0) -> str:
    return (
        f"{statistics.median(values):,.{digits}f} "
        f"({min(values):,.{digits}f}-{max(values):,.{digits}f})"
    )


def write(results: list[dict[str, dict]]) -> None:
    lines = [
        f"{machine()} · server: gunicorn {WORKERS} sync workers + 1 Celery worker process "
        f"(deduplicating what is submitted), PostgreSQL and Redis, and the load generator "
        f"(locust, {USERS} simulated members, no think time, one process): all on these 2 "
        "cores, so the client takes part of the CPU the server would have.",
        "",
        f"A copy of the 1,000,000-report seed. Mix: list 5 : detail 3 : search 2 : submit 1. "
        f"Median of {RUNS} runs of {SECONDS} s (min-max) after a 10 s warm-up.",
        "",
        "| request | requests/s | errors | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in KINDS:
        rows = [r[kind] for r in results if kind in r]
        if not rows:
            continue
        errors = [int(r["Failure Count"]) / max(1, int(r["Request Count"])) * 100 for r in rows]
        label = "**all**" if kind == "Aggregated" else kind
        lines.append(
            f"| {label} | {med([float(r['Requests/s']) for r in rows], 1)} | "
            f"{med(errors, 2)} % | {med([float(r['50%']) for r in rows])} | "
            f"{med([float(r['95%']) for r in rows])} | {med([float(r['99%']) for r in rows])} |"
        )
    write_section("Load: a mixed member workload", lines)


if __name__ == "__main__":
    main()
