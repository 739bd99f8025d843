"""The whole chain an ISP runs: an authority issues an order over the hub's API, the ISP
fetches its RPZ feed from the running hub (as its cron job would, with its key and the last
ETag), loads it into a real Unbound resolver, and the ordered domain and its sub-domains stop
resolving while an unlisted domain still does. When the order is lifted and the zone fetched
again, the domain resolves normally again."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from members.tests.factories import make_key
from reports.tests.test_e2e_notifications import HTTP

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOCAL_DATA = {
    "derby-live.test": "192.0.2.10",
    "www.derby-live.test": "192.0.2.11",
    "hd.cdn.derby-live.test": "192.0.2.12",
    "noticias-deportivas.test": "192.0.2.20",
}


def fetch_zone(live_server, key: str, etag: str | None = None):
    """What the ISP's cron job does: GET the feed with its key and the ETag it kept."""
    headers = {"Authorization": f"Bearer {key}"}
    if etag:
        headers["If-None-Match"] = etag
    response = HTTP.request("GET", f"{live_server.url}/api/v1/blocklist.rpz", headers=headers)
    return response.status, response.headers.get("ETag"), response.data.decode()


def test_an_isp_resolver_loading_the_hub_feed_blocks_the_ordered_domain_until_it_is_lifted(
    live_server, authority, coparty, unbound
):
    authority_key, isp_key = make_key(authority), make_key(coparty, scopes=("read",))
    response = HTTP.request(
        "POST",
        f"{live_server.url}/api/v1/blocking-orders/",
        body=json.dumps(
            {
                "reference": "APIN-2026-DERBY",
                "legal_basis": "Resolución 0101-2026/CDA-APIN",
                "country": "PE",
                "targets": [{"kind": "domain", "value": "Derby-Live.test"}],
                "deadline": (timezone.now() + timedelta(minutes=30)).isoformat(),
            }
        ).encode(),
        headers={"Authorization": f"Bearer {authority_key}", "Content-Type": "application/json"},
    )
    assert response.status == 201, response.data
    order_id = json.loads(response.data)["id"]

    status, etag, zone = fetch_zone(live_server, isp_key)
    assert status == 200
    unbound.start(zone, records=LOCAL_DATA)

    assert unbound.query("derby-live.test") == ("NXDOMAIN", [])
    assert unbound.query("www.derby-live.test") == ("NXDOMAIN", [])
    assert unbound.query("hd.cdn.derby-live.test") == ("NXDOMAIN", [])
    assert unbound.query("noticias-deportivas.test") == ("NOERROR", ["192.0.2.20"])
    assert fetch_zone(live_server, isp_key, etag)[0] == 304  # nothing changed: nothing to load

    lifted = HTTP.request(
        "POST",
        f"{live_server.url}/api/v1/blocking-orders/{order_id}/lift/",
        body=b"{}",
        headers={"Authorization": f"Bearer {authority_key}", "Content-Type": "application/json"},
    )
    assert lifted.status == 200, lifted.data
    status, new_etag, new_zone = fetch_zone(live_server, isp_key, etag)
    assert status == 200 and new_etag != etag
    unbound.reload(new_zone)

    assert unbound.query("derby-live.test") == ("NOERROR", ["192.0.2.10"])
    assert unbound.query("www.derby-live.test") == ("NOERROR", ["192.0.2.11"])
