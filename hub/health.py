"""State of the parts the hub needs: database, Redis (the broker) and the Celery workers.

`/healthz` is public: its answer names what is down and nothing else. The workers' host names
and the drivers' error texts (which carry addresses, ports, user names, versions) would map the
hub's inside for anyone who asks; they go to the server's log, where the operator reads them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from celery import Celery
from django.conf import settings
from django.db import connection

HEARTBEAT_KEY = "atalaya:heartbeat"

logger = logging.getLogger(__name__)


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception:  # any failure means "down"; the log says which
        logger.exception("healthz: the database is down")
        return {"ok": False}


def check_redis() -> dict[str, Any]:
    try:
        redis_client().ping()
        return {"ok": True}
    except Exception:
        logger.exception("healthz: Redis is down")
        return {"ok": False}


def check_workers(*, broker_ok: bool) -> dict[str, Any]:
    if not broker_ok:
        # Pinging through a dead broker would block on kombu's reconnect loop.
        logger.error("healthz: workers not pinged, the broker is unreachable")
        return {"ok": False}
    # A throwaway app bound to the configured broker: the main app's producer pool is created
    # once and would keep publishing to whatever broker it first saw.
    app = Celery("healthz", broker=settings.CELERY_BROKER_URL, set_as_current=False)
    try:
        replies = app.control.ping(timeout=settings.HEALTHZ_WORKER_TIMEOUT)
    except Exception:
        logger.exception("healthz: pinging the workers failed")
        return {"ok": False}
    finally:
        app.close()
    names = sorted(name for reply in replies for name in reply)
    if names:
        logger.debug("healthz: workers answering: %s", ", ".join(names))
    else:
        logger.error("healthz: no worker answered within %s s", settings.HEALTHZ_WORKER_TIMEOUT)
    state: dict[str, Any] = {"ok": bool(names)}
    beat = last_heartbeat()
    if beat is not None:
        # An age, not a host: it tells that beat and a worker run, not where.
        state["last_heartbeat_age_s"] = round(time.time() - beat, 1)
    return state


def last_heartbeat() -> float | None:
    try:
        value = redis_client().get(HEARTBEAT_KEY)
    except Exception:
        return None
    return float(value) if value else None


def health() -> tuple[bool, dict[str, Any]]:
    db = check_database()
    rd = check_redis()
    workers = check_workers(broker_ok=rd["ok"])
    checks = {"database": db, "redis": rd, "workers": workers}
    return all(c["ok"] for c in checks.values()), checks
