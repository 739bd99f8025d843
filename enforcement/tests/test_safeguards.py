"""Safeguards: the protected list (refuses without an override) and the warnings (inform).

The protected-list checks are pure and run against `ProtectedRules`; the table-backed loader,
the seeding migration and the shared-hosting warnings use the database, with targets and links
made by the real deduplication code (`reports.dedup.link_reports`).
"""

from __future__ import annotations

import importlib
import ipaddress
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from enforcement import safeguards
from enforcement.models import ProtectedEntry
from enforcement.protected_defaults import PROTECTED_DEFAULTS, PROVIDERS
from enforcement.safeguards import (
    ProtectedHit,
    ProtectedRules,
    load_protected_rules,
    protected_hits,
    warnings_for,
)
from kernel.vocabulary import TLP
from reports import clustering, dedup
from reports.indicators import normalise
from reports.tests.factories import report_by

SEED_MIGRATION = importlib.import_module("enforcement.migrations.0002_protected_defaults")

EXAMPLE_RULES = ProtectedRules.from_entries(
    [
        ("domain", "cdn.example.com", True, "ExampleCDN"),
        ("domain", "shop.example.net", False, "Shop"),
        ("network", "192.0.2.0/24", True, "DocNet"),
        ("network", "2001:db8::/32", True, "DocNet6"),
    ]
)
# The reviewed defaults as rules, without the database.
DEFAULTS = ProtectedRules.from_entries(
    (kind, value, include_subdomains, provider)
    for kind, value, include_subdomains, provider, _note in PROTECTED_DEFAULTS
)


def target_warnings(kind: str, value: str, viewer=None) -> list[str]:
    """The warnings `warnings_for` gives one target."""
    return warnings_for([(kind, value)], viewer)[(kind, value)]


def hit(kind: str, value: str, rules: ProtectedRules = EXAMPLE_RULES) -> ProtectedHit | None:
    hits = protected_hits([(kind, value)], rules)
    assert len(hits) <= 1
    return hits[0] if hits else None


# --------------------------------------------------------------------------- the defaults


def test_every_provider_is_represented_by_names_and_networks():
    for provider in PROVIDERS:
        kinds = {kind for kind, _, _, who, _ in PROTECTED_DEFAULTS if who == provider}
        assert kinds == {"domain", "network"}, provider
    networks = {v for k, v, *_ in PROTECTED_DEFAULTS if k == "network"}
    names = {v for k, v, *_ in PROTECTED_DEFAULTS if k == "domain"}
    assert {"104.16.0.0/13", "2606:4700::/32", "151.101.0.0/16", "8.8.8.0/24"} <= networks
    assert {"8.8.4.0/24", "2001:4860::/32", "13.32.0.0/15", "13.107.246.0/24"} <= networks
    assert {"googleusercontent.com", "drive.usercontent.google.com", "akamaized.net"} <= names
    assert {"cloudfront.net", "fastly.net", "microsoftonline.com", "one.one.one.one"} <= names


def test_every_default_parses_strictly_and_is_already_canonical():
    seen = set()
    for kind, value, include_subdomains, provider, note in PROTECTED_DEFAULTS:
        assert kind in ("domain", "network")
        assert isinstance(include_subdomains, bool) and provider and len(note) <= 300
        if kind == "network":
            ipaddress.ip_network(value, strict=True)
            assert normalise("cidr", value) == value
        else:
            assert normalise("domain", value) == value
        assert (kind, value) not in seen
        seen.add((kind, value))


def test_no_free_hosting_parent_is_protected():
    for kind, value, *_ in PROTECTED_DEFAULTS:
        if kind == "domain":
            listed = clustering.is_warning_listed("domain", value) or ""
            assert not listed.startswith("free-hosting parent"), value
    for parent in ("blogspot.com", "workers.dev", "github.io", "pages.dev", "appspot.com"):
        assert hit("domain", parent, DEFAULTS) is None


def test_the_seeding_migration_carries_a_copy_of_the_defaults():
    # When the defaults change, a new data migration seeds the change; extend this test to it.
    assert SEED_MIGRATION.PROTECTED_DEFAULTS == PROTECTED_DEFAULTS


@pytest.mark.django_db
def test_seeding_twice_adds_nothing_and_keeps_the_secretariats_edits():
    ProtectedEntry.objects.all().delete()
    editor = SimpleNamespace(connection=connection)
    SEED_MIGRATION.seed_protected_defaults(apps, editor)
    assert ProtectedEntry.objects.count() == len(PROTECTED_DEFAULTS)
    ProtectedEntry.objects.filter(value="google.com").update(provider="Alphabet")
    SEED_MIGRATION.seed_protected_defaults(apps, editor)
    assert ProtectedEntry.objects.count() == len(PROTECTED_DEFAULTS)
    assert ProtectedEntry.objects.get(value="google.com").provider == "Alphabet"


# --------------------------------------------------------------------------- domain hits


def test_a_protected_name_itself_hits():
    found = hit("domain", "cdn.example.com")
    assert found == ProtectedHit(
        "domain",
        "cdn.example.com",
        "cdn.example.com",
        "ExampleCDN",
        "is the protected name cdn.example.com (ExampleCDN)",
    )


def test_a_name_under_a_protected_name_hits():
    found = hit("domain", "img.eu.cdn.example.com")
    assert found is not None and found.entry == "cdn.example.com"
    assert found.reason == "is under the protected name cdn.example.com (ExampleCDN)"


def test_a_parent_of_a_protected_name_hits_because_a_wildcard_would_block_it():
    found = hit("domain", "example.com")
    assert found is not None and found.entry == "cdn.example.com"
    assert found.reason.startswith("is a parent of the protected name cdn.example.com")
    assert hit("domain", "usercontent.google.com", DEFAULTS) is not None
    assert hit("domain", "one.one.one", DEFAULTS).entry == "one.one.one.one"


def test_an_entry_without_sub_domains_protects_itself_and_its_parents_only():
    assert hit("domain", "shop.example.net").reason.startswith("is the protected name")
    assert hit("domain", "example.net").reason.startswith("is a parent of")
    assert hit("domain", "customer.shop.example.net") is None
    assert hit("domain", "d111abcdef8.cloudfront.net", DEFAULTS) is None
    assert hit("domain", "cloudfront.net", DEFAULTS).provider == "Amazon CloudFront"


def test_a_url_hits_through_its_host():
    found = hit("url", "https://drive.google.com/file/d/abc/view", DEFAULTS)
    assert found is not None and (found.entry, found.provider) == ("google.com", "Google")
    assert found.reason == (
        "its host drive.google.com is under the protected name google.com (Google)"
    )
    assert hit("url", "https://pirate.example/live", DEFAULTS) is None


def test_unrelated_names_miss():
    for name in (
        "pirate.example",
        "notgoogle.com",  # a suffix without a label boundary
        "google.com.pirate.example",  # a protected name as a left-hand label
        "fastly.net.example",
        "examplecdn.com",
    ):
        assert hit("domain", name, DEFAULTS) is None, name
        assert hit("domain", name) is None, name


def test_sites_on_free_hosting_parents_miss():
    for name in ("x.blogspot.com", "pirate.workers.dev", "streams.github.io", "tv.pages.dev"):
        assert hit("domain", name, DEFAULTS) is None, name


# --------------------------------------------------------------------------- address hits


def test_an_ipv4_address_inside_a_protected_network_hits():
    found = hit("ipv4", "104.16.123.96", DEFAULTS)
    assert found == ProtectedHit(
        "ipv4",
        "104.16.123.96",
        "104.16.0.0/13",
        "Cloudflare",
        "covered by protected network 104.16.0.0/13 (Cloudflare)",
    )
    assert hit("ipv4", "8.8.8.8", DEFAULTS).provider == "Google"
    assert hit("ipv4", "198.51.100.7", DEFAULTS) is None


def test_an_ipv6_address_inside_a_protected_network_hits():
    assert hit("ipv6", "2001:db8:1::7").entry == "2001:db8::/32"
    assert hit("ipv6", "2a04:4e42::81", DEFAULTS).provider == "Fastly"
    assert hit("ipv6", "2001:db9::1") is None


def test_an_ipv4_mapped_ipv6_address_is_checked_as_ipv4():
    assert hit("ipv6", "::ffff:192.0.2.9").entry == "192.0.2.0/24"


def test_a_url_with_an_ip_literal_host_is_checked_against_the_networks():
    assert hit("url", "http://192.0.2.10/live.m3u8").entry == "192.0.2.0/24"
    assert hit("url", "http://[2001:db8::5]:8080/x").entry == "2001:db8::/32"
    assert hit("url", "http://198.51.100.1/x") is None


def test_a_cidr_inside_a_protected_network_hits():
    found = hit("cidr", "192.0.2.128/25")
    assert found.reason == "covered by protected network 192.0.2.0/24 (DocNet)"


def test_a_cidr_containing_a_protected_network_hits():
    found = hit("cidr", "192.0.0.0/16")
    assert found.reason == "contains protected network 192.0.2.0/24 (DocNet)"
    assert hit("cidr", "2001:d00::/24").entry == "2001:db8::/32"
    assert hit("cidr", "104.0.0.0/8", DEFAULTS) is not None


def test_a_cidr_next_to_a_protected_network_misses():
    assert hit("cidr", "192.0.3.0/24") is None
    assert hit("cidr", "192.0.1.0/24") is None


def test_each_target_is_reported_once_and_other_kinds_are_ignored():
    targets = [
        ("domain", "cdn.example.com"),
        ("app_id", "com.example.app"),
        ("domain", "cdn.example.com"),
        ("ipv4", "192.0.2.1"),
    ]
    assert [h.value for h in protected_hits(targets, EXAMPLE_RULES)] == [
        "cdn.example.com",
        "192.0.2.1",
    ]


def test_a_hundred_thousand_domains_find_exactly_the_protected_ones():
    # Speed is measured in `make bench`, not asserted here.
    targets = [("domain", f"mirror{i}.site{i % 997}.example") for i in range(100_000)]
    targets[::1000] = [("domain", f"r{i}---sn-x.googlevideo.com") for i in range(100)]
    hits = protected_hits(targets, DEFAULTS)
    assert len(hits) == 100
    assert {h.provider for h in hits} == {"Google"}


ADDRESS_SPACE = st.builds(
    lambda top, rest: (top << 24) | rest,
    st.sampled_from([10, 104, 192]),
    st.integers(0, 2**24 - 1),
)
NETWORKS = st.builds(
    lambda address, prefix: ipaddress.IPv4Network((address, prefix), strict=False),
    ADDRESS_SPACE,
    st.integers(4, 32),
)


@settings(max_examples=300, deadline=None)
@given(
    protected=st.lists(NETWORKS, max_size=12),
    networks=st.lists(NETWORKS, max_size=8),
    addresses=st.lists(ADDRESS_SPACE.map(ipaddress.IPv4Address), max_size=8),
)
def test_network_hits_agree_with_a_naive_ipaddress_reference(protected, networks, addresses):
    rules = ProtectedRules.from_entries(("network", str(n), True, "P") for n in protected)
    targets = [("cidr", str(n)) for n in networks] + [("ipv4", str(a)) for a in addresses]
    hits = {(h.kind, h.value): h for h in protected_hits(targets, rules)}
    for kind, value in targets:
        if kind == "cidr":
            target = ipaddress.ip_network(value)
            expected = any(p.overlaps(target) for p in protected)
        else:
            target = ipaddress.ip_address(value)
            expected = any(target in p for p in protected)
        assert ((kind, value) in hits) == expected, (kind, value)
        if expected:
            entry = ipaddress.ip_network(hits[(kind, value)].entry)
            assert entry.overlaps(target) if kind == "cidr" else target in entry


# --------------------------------------------------------------------------- the table


@pytest.mark.django_db
def test_editing_the_table_changes_the_rules_on_the_next_call():
    ProtectedEntry.objects.all().delete()
    entry = ProtectedEntry.objects.create(
        kind="domain", value="streams.example.org", include_subdomains=True, provider="Streams"
    )
    first = load_protected_rules()
    assert hit("domain", "live.streams.example.org", first) is not None
    assert load_protected_rules() is first  # unchanged table: the cached rules

    ProtectedEntry.objects.filter(pk=entry.pk).update(include_subdomains=False)
    assert hit("domain", "live.streams.example.org", load_protected_rules()) is None

    ProtectedEntry.objects.create(kind="network", value="203.0.113.0/24", provider="Docs")
    assert hit("ipv4", "203.0.113.5", load_protected_rules()).provider == "Docs"

    ProtectedEntry.objects.all().delete()
    assert load_protected_rules().domains == ()


# --------------------------------------------------------------------------- warnings


def link(*reports) -> None:
    dedup.link_reports([r.pk for r in reports])


@pytest.mark.django_db
def test_an_ip_target_always_warns_that_the_address_may_be_shared():
    assert target_warnings("ipv4", "198.51.100.7") == [safeguards.SHARED_ADDRESS]
    assert target_warnings("ipv6", "2001:db8::7") == [safeguards.SHARED_ADDRESS]
    assert target_warnings("cidr", "198.51.100.0/24") == [safeguards.SHARED_NETWORK]


@pytest.mark.django_db
def test_an_address_the_reports_link_with_unrelated_sites_warns_of_shared_hosting(owner, coparty):
    address = ("ipv4", "198.51.100.7")
    link(report_by(owner, tlp=TLP.CLEAR, indicators=[("domain", "alpha-pirate.example"), address]))
    link(report_by(coparty, tlp=TLP.CLEAR, indicators=[("domain", "beta-stream.example"), address]))
    warnings = target_warnings(*address, viewer=owner)
    assert warnings == [
        "shared hosting: the hub's reports link this address with 2 registrable domains "
        "(alpha-pirate.example, beta-stream.example); blocking it blocks all of them and any "
        "other site hosted there"
    ]
    network = target_warnings("cidr", "198.51.100.0/24", viewer=owner)
    assert network[0].startswith("shared hosting: the hub's reports link addresses in this network")


@pytest.mark.django_db
def test_mirrors_of_one_brand_on_one_address_are_not_shared_hosting(owner):
    link(
        report_by(
            owner,
            indicators=[("domain", "yts.mx"), ("domain", "yts.ag"), ("ipv4", "198.51.100.9")],
        )
    )
    assert target_warnings("ipv4", "198.51.100.9", viewer=owner) == [safeguards.SHARED_ADDRESS]


@pytest.mark.django_db
def test_an_anycast_address_reported_with_many_sites_warns_of_both(owner, coparty):
    # A warning-listed address is never merged on, so only the co-reporting shows the sharing.
    one, two = ("domain", "one-pirate.example"), ("domain", "two-pirate.example")
    link(report_by(owner, tlp=TLP.CLEAR, indicators=[one, ("ipv4", "104.16.0.9")]))
    link(report_by(coparty, tlp=TLP.CLEAR, indicators=[two, ("ipv4", "104.16.0.9")]))
    warnings = target_warnings("ipv4", "104.16.0.9", viewer=owner)
    assert warnings[0].startswith("shared hosting: the hub's reports link this address with 2")
    assert warnings[1] == (
        "shared anycast range 104.16.0.0/13 (Cloudflare): "
        "blocking 104.16.0.9 blocks unrelated sites served from that range"
    )


@pytest.mark.django_db
def test_a_wide_cidr_warns_how_many_addresses_it_covers():
    assert "wide network: 198.18.0.0/16 covers 65,536 addresses" in target_warnings(
        "cidr", "198.18.0.0/16"
    )
    assert "wide network: 2001:db8::/32 covers 2^96 addresses" in target_warnings(
        "cidr", "2001:db8::/32"
    )
    assert target_warnings("cidr", "198.18.0.0/24") == [safeguards.SHARED_NETWORK]
    assert target_warnings("cidr", "2001:db8:1::/48") == [safeguards.SHARED_NETWORK]


@pytest.mark.django_db
def test_a_free_hosting_parent_warns_that_every_site_under_it_is_blocked():
    assert target_warnings("domain", "blogspot.com") == [
        "free-hosting parent blogspot.com: blocking blogspot.com blocks every site under it"
    ]
    assert target_warnings("domain", "x.blogspot.com") == []
    assert target_warnings("url", "https://workers.dev/") == [
        "free-hosting parent workers.dev: blocking this URL's host workers.dev by name "
        "blocks every site under it"
    ]


@pytest.mark.django_db
def test_a_platform_or_a_shared_cdn_warns():
    assert target_warnings("domain", "t.me") == [
        "major platform t.me: blocking t.me blocks that platform's service for everyone"
    ]
    assert target_warnings("url", "https://t.me/s/pirate_channel") == [
        "major platform t.me: blocking this URL's host t.me by name "
        "blocks that platform's service for everyone"
    ]
    assert target_warnings("domain", "d111abcdef8.cloudfront.net") == [
        "shared CDN cloudfront.net: blocking d111abcdef8.cloudfront.net "
        "may block unrelated sites delivered through it"
    ]


@pytest.mark.django_db
def test_a_plain_pirate_name_has_no_warning():
    assert target_warnings("domain", "pirate-streams.example") == []
    assert target_warnings("url", "https://pirate-streams.example/live/1") == []


@pytest.mark.django_db
def test_shared_hosting_is_told_only_from_reports_the_issuer_may_see(owner, coparty, outsider):
    address = ("ipv4", "198.51.100.7")
    link(report_by(owner, sharing="private", indicators=[("domain", "alpha.example"), address]))
    link(report_by(coparty, sharing="private", indicators=[("domain", "beta.example"), address]))

    assert target_warnings(*address, viewer=outsider) == [safeguards.SHARED_ADDRESS]
    assert target_warnings(*address) == [safeguards.SHARED_ADDRESS]


@pytest.mark.django_db
def test_warnings_for_many_targets_read_the_database_once(django_assert_num_queries, owner):
    link(report_by(owner, indicators=[("domain", "gamma.example"), ("ipv4", "198.51.100.20")]))
    targets = [("ipv4", f"198.51.100.{i}") for i in range(1, 60)]
    targets += [("cidr", "198.51.100.0/24"), ("domain", "blogspot.com"), ("domain", "a.example")]
    with django_assert_num_queries(1):
        warnings = warnings_for(targets, owner)
    assert set(warnings) == set(targets)
    assert warnings[("domain", "a.example")] == []
    with django_assert_num_queries(0):
        warnings_for([("domain", "a.example"), ("url", "https://a.example/x")])


@pytest.mark.django_db
def test_the_secretariat_cannot_save_a_protected_entry_that_does_not_parse():
    from enforcement.admin import ProtectedEntryForm

    bad = ProtectedEntryForm(data={"kind": "network", "value": "10.0.0.1/8", "provider": "X"})
    good = ProtectedEntryForm(
        data={
            "kind": "domain",
            "value": "Ejemplo.COM.",
            "provider": "X",
            "include_subdomains": True,
        }
    )

    assert not bad.is_valid() and "value" in bad.errors
    assert good.is_valid(), good.errors
    assert good.cleaned_data["value"] == "ejemplo.com"
