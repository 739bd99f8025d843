"""Shared by the benchmarks: the machine line and writing one section of BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# What the benchmarked processes run with: production mode (no query log, no debug pages).
SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-not-secret",
    "LOG_LEVEL": "WARNING",
}


def machine() -> str:
    import django

    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    mem_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    cpu = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?"
    )
    return (
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores ({cpu}) · "
        f"{mem_kb / 1024 / 1024:.1f} GiB · Python {platform.python_version()} · "
        f"Django {django.get_version()}"
    )


def write_section(heading: str, lines: list[str]) -> None:
    """Replaces the section `## <heading>` of BENCHMARKS.md (up to the next `## `), or appends
    it; other benchmarks' sections are kept."""
    out = ROOT / "BENCHMARKS.md"
    text = out.read_text() if out.exists() else "# Benchmarks\n\nWritten by `make bench`.\n"
    marker = f"## {heading}"
    body = "\n".join([marker, "", *lines]).rstrip() + "\n"
    if marker in text:
        start = text.index(marker)
        end = text.find("\n## ", start + len(marker))
        rest = text[end + 1 :] if end != -1 else ""
        text = text[:start] + body + ("\n" + rest if rest else "")
    else:
        text = text.rstrip() + "\n\n" + body
    out.write_text(text)
    print(body)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_database(base_url: str, name: str) -> None:
    """Creates the benchmark's own database on the server of `base_url` if it is missing."""
    import psycopg

    admin = urlunsplit(urlsplit(base_url)._replace(path="/postgres")).replace(
        "postgres://", "postgresql://", 1
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# Redis database 14: the benchmarks' own, flushed before and after; the dev hub uses 0.
BENCH_REDIS_URL = urlunsplit(
    urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))._replace(path="/14")
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def start(cmd: list[str], env: dict) -> subprocess.Popen:
    """A server process in its own session (so `stop` ends its children too), silent."""
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def gunicorn(port: int, env: dict, workers: int = 3) -> subprocess.Popen:
    return start(
        [str(ROOT / ".venv/bin/gunicorn"), "hub.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "120"],
        env,
    )  # fmt: skip


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        with suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        p.wait(30)


def wait_healthy(base: str, *, workers: bool, seconds: float = 60) -> None:
    """Waits until the server answers /healthz: 200, or 503 when no Celery worker is meant to
    run (the health check also pings the workers)."""
    import urllib3

    http = urllib3.PoolManager()
    accepted = {200} if workers else {200, 503}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with suppress(urllib3.exceptions.HTTPError):
            if http.request("GET", base + "/healthz", retries=False).status in accepted:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{base} did not become healthy in {seconds} s")
