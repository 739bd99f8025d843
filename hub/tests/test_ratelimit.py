"""Rate limits: the API's, per API key and per client address, and the public unblock form's,
all counted in the "ratelimit" cache that every web worker (every process) shares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections
from rest_framework.test import APIClient

from conftest import ROOT
from hub import settings as hub_settings
from kernel import ratelimit
from kernel.ratelimit import Rate
from members.tests.factories import make_key

API = "/api/v1/organizations/"
FORM = "/transparency/unblock/"


@pytest.fixture
def limits(settings):
    """Both API limits off (conftest.py); each test turns on the one it is about."""
    return settings


def client_with(key: str, address: str = "192.0.2.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 429
    assert body["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_one_key_over_its_limit_is_refused_and_another_key_is_not(limits, owner, coparty):
    limits.API_RATE_LIMIT_PER_KEY = "3/minute"
    busy, other_key_same_org, other_org = (
        client_with(make_key(owner)),
        client_with(make_key(owner)),
        client_with(make_key(coparty)),
    )

    assert [busy.get(API).status_code for _ in range(3)] == [200, 200, 200]
    assert_throttled(busy.get(API))
    assert other_key_same_org.get(API).status_code == 200
    assert other_org.get(API).status_code == 200


def test_one_address_over_its_limit_is_refused_whichever_key_it_uses(limits, owner, coparty):
    limits.API_RATE_LIMIT_PER_ADDRESS = "3/minute"
    first, second = make_key(owner), make_key(coparty)

    codes = [
        client_with(key, "198.51.100.7").get(API).status_code for key in (first, second, first)
    ]
    refused = client_with(second, "198.51.100.7").get(API)
    elsewhere = client_with(first, "198.51.100.8").get(API)

    assert codes == [200, 200, 200]
    assert_throttled(refused)
    assert elsewhere.status_code == 200


def test_the_default_limits_do_not_get_in_a_busy_integrators_way(settings, owner):
    # The limits as the settings module sets them (conftest.py turns them off for other tests):
    # a burst of requests from one key goes through.
    settings.API_RATE_LIMIT_PER_KEY = hub_settings.API_RATE_LIMIT_PER_KEY
    settings.API_RATE_LIMIT_PER_ADDRESS = hub_settings.API_RATE_LIMIT_PER_ADDRESS
    assert Rate.parse(settings.API_RATE_LIMIT_PER_KEY).count >= 1000
    assert Rate.parse(settings.API_RATE_LIMIT_PER_ADDRESS).count >= 1000
    client = client_with(make_key(owner))
    assert {client.get(API).status_code for _ in range(50)} == {200}


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("600/minute", Rate(600, 60)),
        ("10/hour", Rate(10, 3600)),
        ("5/10s", Rate(5, 10)),
        ("1000/day", Rate(1000, 86400)),
        ("off", None),
        ("", None),
    ],
)
def test_rates_are_read_from_text(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["lots", "10", "0/minute", "10/fortnight"])
def test_a_malformed_rate_fails_loudly(text):
    with pytest.raises(ValueError, match="not a rate"):
        Rate.parse(text)


def test_the_count_starts_again_with_the_next_window(db):
    rate = Rate(2, 60)
    hits = [ratelimit.hit("t", "w", rate, now=6000.0 + s).allowed for s in (0, 1, 2, 59.5, 60)]
    assert hits == [True, True, False, False, True]
    assert ratelimit.hit("t", "w", rate, now=6030.0).retry_after == 30


# --------------------------------------------------------------------- shared across processes


def test_the_counts_are_kept_in_the_database_not_in_a_process():
    cache = caches[ratelimit.CACHE_ALIAS]
    assert isinstance(cache, ratelimit.CounterCache)
    assert settings.CACHES[ratelimit.CACHE_ALIAS]["LOCATION"] == "hub_ratelimit_cache"


def _hits_in_another_process(scope: str, who: str, n: int, rate: Rate) -> list[bool]:
    """`n` hits made by a separate Python process (another gunicorn worker, say) against this
    test's database."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"
    code = (
        "import django, json; django.setup()\n"
        "from kernel import ratelimit\n"
        f"rate = ratelimit.Rate({rate.count}, {rate.seconds})\n"
        f"hits = [ratelimit.hit({scope!r}, {who!r}, rate).allowed for _ in range({n})]\n"
        "print(json.dumps(hits))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings", "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_the_unblock_form_limit_holds_across_processes(client):
    from enforcement.public_views import THROTTLE_WINDOW, UNBLOCK_REQUESTS_PER_HOUR

    address = "203.0.113.99"
    rate = Rate(UNBLOCK_REQUESTS_PER_HOUR, THROTTLE_WINDOW)
    # Another worker took all but one of this address's requests for the hour...
    taken = _hits_in_another_process("unblock", address, UNBLOCK_REQUESTS_PER_HOUR - 1, rate)
    form = {
        "name": "Ana",
        "email": "ana@site.example",
        "organization": "",
        "relation": "site_owner",
        "message": "My cooking blog.",
        "website": "http://bot.example",  # the honeypot: nothing is stored
    }

    last = client.post(FORM, {**form, "value": "a.example"}, REMOTE_ADDR=address)
    refused = client.post(FORM, {**form, "value": "b.example"}, REMOTE_ADDR=address)
    # ...and this process's refusals count in the other one too.
    after = _hits_in_another_process("unblock", address, 1, rate)

    assert taken == [True] * (UNBLOCK_REQUESTS_PER_HOUR - 1)
    assert last.status_code == 200
    assert refused.status_code == 429
    assert after == [False]


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted():
    rate, threads, each = Rate(10_000, 3600), 6, 15
    barrier = threading.Barrier(threads)

    def work():
        try:
            barrier.wait()
            for _ in range(each):
                ratelimit.hit("race", "one", rate, now=7200.0)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()

    assert ratelimit.hit("race", "one", rate, now=7200.0).count == threads * each + 1
