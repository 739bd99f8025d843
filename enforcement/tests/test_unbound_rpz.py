"""The RPZ feed, loaded into a real Unbound resolver, blocks what an ISP was ordered to block
and nothing else; a new version of the feed takes effect on reload. No hub is involved: the
zone comes from `enforcement.feeds.render_rpz`, the names from data inside Unbound (see
enforcement/tests/unbound.py for how RPZ is made to apply to them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from enforcement.feeds import FeedEntry, render_rpz, rpz_serial

pytestmark = pytest.mark.e2e

ORIGIN = "rpz.atalaya."
ISSUED = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)

LOCAL_DATA = {
    "pirate-streams.test": "192.0.2.10",
    "www.pirate-streams.test": "192.0.2.11",
    "live.pirate-streams.test": "192.0.2.12",
    "deep.live.pirate-streams.test": "2001:db8::10",
    "legit-news.test": "192.0.2.20",
    # answers inside (or next to) the listed addresses
    "single-address.test": "198.51.100.7",
    "next-door.test": "198.51.100.8",
    "in-range.test": "203.0.113.50",
    "v6-in-range.test": "2001:db8::1:0:abcd:1",
    "v6-outside.test": "2001:db8:0:0:2::1",
    "v6-host.test": "2001:db8::1:0:0:1",
    "v6-loopback.test": "::1",
}

DOMAIN_ORDER = FeedEntry("domain", "pirate-streams.test", ("ORD-2026-001",))
PIRATED_PAGE = FeedEntry("url", "https://legit-news.test/pirated-match", ("ORD-2026-002",))
ADDRESS_ORDERS = [
    FeedEntry("ipv4", "198.51.100.7", ("ORD-2026-003",)),
    FeedEntry("cidr", "203.0.113.0/24", ("ORD-2026-003",)),
    FeedEntry("cidr", "2001:db8:0:0:1::/80", ("ORD-2026-004",)),
    FeedEntry("ipv6", "2001:db8::1:0:0:1", ("ORD-2026-004",)),
    FeedEntry("ipv6", "::1", ("ORD-2026-004",)),
]


def zone(entries, at: datetime) -> str:
    return render_rpz(entries, origin=ORIGIN, serial=rpz_serial(at))


def test_the_ordered_domain_and_every_name_under_it_get_nxdomain_and_others_resolve(unbound):
    unbound.start(zone([DOMAIN_ORDER, PIRATED_PAGE], ISSUED), records=LOCAL_DATA)

    assert unbound.query("pirate-streams.test") == ("NXDOMAIN", [])
    assert unbound.query("www.pirate-streams.test") == ("NXDOMAIN", [])
    assert unbound.query("live.pirate-streams.test") == ("NXDOMAIN", [])
    assert unbound.query("deep.live.pirate-streams.test", "AAAA") == ("NXDOMAIN", [])
    # Not every name under test. is NXDOMAIN (as Unbound's default `test.` zone would have
    # it): the unlisted domain resolves, and a URL order does not block its host.
    assert unbound.query("legit-news.test") == ("NOERROR", ["192.0.2.20"])


def test_a_reload_without_the_domain_lets_it_resolve_again_and_a_new_order_blocks_it_again(
    unbound,
):
    unbound.start(zone([DOMAIN_ORDER], ISSUED), records=LOCAL_DATA)
    assert unbound.query("www.pirate-streams.test") == ("NXDOMAIN", [])

    lifted = ISSUED + timedelta(hours=3)
    unbound.reload(zone([], lifted))
    assert unbound.serial == rpz_serial(lifted)
    assert unbound.query("pirate-streams.test") == ("NOERROR", ["192.0.2.10"])
    assert unbound.query("www.pirate-streams.test") == ("NOERROR", ["192.0.2.11"])

    # The answers are now in Unbound's cache; a re-issued order still wins over them.
    reissued = lifted + timedelta(minutes=1)
    unbound.reload(zone([DOMAIN_ORDER], reissued))
    assert unbound.query("www.pirate-streams.test") == ("NXDOMAIN", [])
    assert unbound.query("legit-news.test") == ("NOERROR", ["192.0.2.20"])


def test_a_name_whose_answer_is_a_listed_address_gets_nxdomain(unbound):
    unbound.start(zone(ADDRESS_ORDERS, ISSUED), records=LOCAL_DATA)

    assert unbound.query("single-address.test") == ("NXDOMAIN", [])
    assert unbound.query("in-range.test") == ("NXDOMAIN", [])
    assert unbound.query("next-door.test") == ("NOERROR", ["198.51.100.8"])


def test_ipv6_triggers_in_the_zz_encoding_match_the_addresses_unbound_answers(unbound):
    unbound.start(zone(ADDRESS_ORDERS, ISSUED), records=LOCAL_DATA)

    assert unbound.query("v6-in-range.test", "AAAA") == ("NXDOMAIN", [])  # 80.zz.1.0.0.db8.2001
    assert unbound.query("v6-host.test", "AAAA") == ("NXDOMAIN", [])  # 128.1.0.0.1.zz.db8.2001
    assert unbound.query("v6-loopback.test", "AAAA") == ("NXDOMAIN", [])  # 128.1.zz
    assert unbound.query("v6-outside.test", "AAAA") == ("NOERROR", ["2001:db8::2:0:0:1"])


def test_lifting_the_address_orders_lets_the_names_resolve_again(unbound):
    unbound.start(zone(ADDRESS_ORDERS, ISSUED), records=LOCAL_DATA)
    assert unbound.query("in-range.test") == ("NXDOMAIN", [])

    unbound.reload(zone([], ISSUED + timedelta(hours=1)))
    assert unbound.query("in-range.test") == ("NOERROR", ["203.0.113.50"])
    assert unbound.query("v6-in-range.test", "AAAA") == ("NOERROR", ["2001:db8::1:0:abcd:1"])


def test_a_reload_refuses_a_serial_that_does_not_grow(unbound):
    unbound.start(zone([DOMAIN_ORDER], ISSUED), records=LOCAL_DATA)

    with pytest.raises(ValueError, match="not above"):
        unbound.reload(zone([], ISSUED))
