"""What an ISP's resolver, firewall or spreadsheet reads: every rendering of a blocklist."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import dns.zone
import pytest

from enforcement.feeds import (
    DNS_KINDS,
    FeedEntry,
    render_csv,
    render_delta_csv,
    render_delta_json,
    render_delta_txt,
    render_json,
    render_rpz,
    render_txt,
    rpz_ip_owner,
    rpz_serial,
)

AS_OF = datetime(2026, 3, 1, 20, 15, tzinfo=UTC)
SINCE = AS_OF - timedelta(hours=1)
ORIGIN = "acme-telecom.rpz.atalaya.invalid"

ENTRIES = [
    FeedEntry("url", "https://videos.example/live/match-1", ("ORD-2",)),
    FeedEntry("domain", "pirate-streams.example", ("ORD-1", "ORD-2")),
    FeedEntry("ipv4", "198.51.100.7", ("ORD-3",)),
    FeedEntry("cidr", "203.0.113.0/24", ("ORD-3",)),
    FeedEntry("ipv6", "2001:db8::1", ("ORD-4",)),
    FeedEntry("domain", "xn--bcher-kva.example", ("ORD-1",)),
]


def body_lines(text: str, comment: str = "#") -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith(comment)]


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def rpz_records(zone: str) -> list[str]:
    """The records of a zone, without comments, directives, SOA and NS."""
    records = []
    for line in zone.splitlines():
        line = line.split(";", 1)[0].strip()
        if line and not line.startswith("$") and not line.startswith("@"):
            records.append(line)
    return records


# ------------------------------------------------------------------------------------ txt


def test_txt_starts_with_who_when_and_how_many_then_lists_one_value_per_line_sorted():
    text = render_txt(ENTRIES, isp="acme-telecom", as_of=AS_OF)

    assert text.splitlines()[:3] == [
        "# Atalaya blocklist for acme-telecom",
        "# as of 2026-03-01T20:15:00Z",
        "# 6 entries",
    ]
    assert body_lines(text) == sorted(e.value for e in ENTRIES)
    assert text.endswith("\n")


def test_txt_writes_as_of_in_utc_whatever_the_zone_it_is_given_in():
    lima = AS_OF.astimezone(timezone(timedelta(hours=-5)))

    assert "# as of 2026-03-01T20:15:00Z" in render_txt([], isp="x", as_of=lima)


def test_txt_lists_a_value_required_by_several_orders_once():
    twice = [
        FeedEntry("domain", "a.example", ("ORD-1",)),
        FeedEntry("domain", "a.example", ("ORD-2",)),
    ]

    text = render_txt(twice, isp="x", as_of=AS_OF)

    assert body_lines(text) == ["a.example"]
    assert "# 1 entries" in text


def test_txt_keeps_a_line_break_in_the_isp_name_from_starting_a_line_of_its_own():
    text = render_txt([], isp="acme\nevil.example", as_of=AS_OF)

    assert body_lines(text) == []


# ------------------------------------------------------------------------------------ csv


def test_csv_has_a_header_and_one_row_per_entry_with_its_orders_joined_by_a_space():
    rows = csv_rows(render_csv(ENTRIES))

    assert [r["value"] for r in rows] == sorted(e.value for e in ENTRIES)
    assert rows[[r["value"] for r in rows].index("pirate-streams.example")] == {
        "kind": "domain",
        "value": "pirate-streams.example",
        "orders": "ORD-1 ORD-2",
    }


def test_csv_gives_a_value_listed_twice_one_row_with_the_orders_of_both():
    twice = [
        FeedEntry("domain", "a.example", ("ORD-2",)),
        FeedEntry("domain", "a.example", ("ORD-1", "ORD-2")),
    ]

    assert csv_rows(render_csv(twice)) == [
        {"kind": "domain", "value": "a.example", "orders": "ORD-1 ORD-2"}
    ]


def test_csv_quotes_cells_holding_commas_and_quotes_so_they_read_back_unchanged():
    url = 'https://streams.example/watch?teams=a,b&title="final"'

    rows = csv_rows(render_csv([FeedEntry("url", url, ("ORD, 7",))]))

    assert rows == [{"kind": "url", "value": url, "orders": "ORD, 7"}]


def test_csv_lines_end_with_crlf_as_rfc_4180_has_it():
    assert render_csv([FeedEntry("domain", "a.example", ("ORD-1",))]) == (
        "kind,value,orders\r\ndomain,a.example,ORD-1\r\n"
    )


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_defuses_a_cell_a_spreadsheet_would_run_as_a_formula(start):
    rows = csv_rows(render_csv([FeedEntry("domain", "a.example", (f"{start}HYPERLINK(1)",))]))

    assert rows[0]["orders"] == f"'{start}HYPERLINK(1)"


def test_csv_leaves_ordinary_values_as_they_are():
    rows = csv_rows(render_csv(ENTRIES))

    assert not any(cell.startswith("'") for row in rows for cell in row.values())


# ----------------------------------------------------------------------------------- json


def test_json_carries_the_isp_the_moment_the_count_and_the_sorted_entries():
    document = render_json(ENTRIES, isp="acme-telecom", as_of=AS_OF)

    assert document["isp"] == "acme-telecom"
    assert document["as_of"] == "2026-03-01T20:15:00Z"
    assert document["count"] == 6
    assert [e["value"] for e in document["entries"]] == sorted(e.value for e in ENTRIES)
    assert document["entries"][0] == {"kind": "ipv4", "value": "198.51.100.7", "orders": ["ORD-3"]}
    json.dumps(document)  # serialisable as it is


def test_json_entries_list_their_orders():
    document = render_json(ENTRIES, isp="acme-telecom", as_of=AS_OF)

    by_value = {e["value"]: e for e in document["entries"]}
    assert by_value["pirate-streams.example"] == {
        "kind": "domain",
        "value": "pirate-streams.example",
        "orders": ["ORD-1", "ORD-2"],
    }


# --------------------------------------------------------------------------------- deltas

ADDED = [
    FeedEntry("domain", "new-mirror.example", ("ORD-5",)),
    FeedEntry("ipv4", "192.0.2.9", ("ORD-5",)),
]
REMOVED = [FeedEntry("domain", "old-mirror.example", ("ORD-1",))]


def test_a_txt_delta_marks_added_values_with_plus_and_removed_ones_with_minus():
    text = render_delta_txt(ADDED, REMOVED, isp="acme-telecom", since=SINCE, as_of=AS_OF)

    assert text.splitlines()[:4] == [
        "# Atalaya blocklist for acme-telecom",
        "# changes since 2026-03-01T19:15:00Z",
        "# as of 2026-03-01T20:15:00Z",
        "# 2 added, 1 removed",
    ]
    assert body_lines(text) == ["+192.0.2.9", "+new-mirror.example", "-old-mirror.example"]


def test_a_csv_delta_says_added_or_removed_in_words_and_gives_orders_for_additions_only():
    rows = csv_rows(render_delta_csv(ADDED, REMOVED))

    assert list(rows[0]) == ["change", "kind", "value", "orders"]
    assert rows == [
        {"change": "added", "kind": "ipv4", "value": "192.0.2.9", "orders": "ORD-5"},
        {"change": "added", "kind": "domain", "value": "new-mirror.example", "orders": "ORD-5"},
        {"change": "removed", "kind": "domain", "value": "old-mirror.example", "orders": ""},
    ]


def test_a_json_delta_lists_additions_with_orders_and_removals_by_kind_and_value():
    document = render_delta_json(ADDED, REMOVED, isp="acme-telecom", since=SINCE, as_of=AS_OF)

    assert document == {
        "isp": "acme-telecom",
        "since": "2026-03-01T19:15:00Z",
        "as_of": "2026-03-01T20:15:00Z",
        "added": [
            {"kind": "ipv4", "value": "192.0.2.9", "orders": ["ORD-5"]},
            {"kind": "domain", "value": "new-mirror.example", "orders": ["ORD-5"]},
        ],
        "removed": [{"kind": "domain", "value": "old-mirror.example"}],
    }


def test_an_empty_delta_says_so():
    text = render_delta_txt([], [], isp="x", since=SINCE, as_of=AS_OF)

    assert "# 0 added, 0 removed" in text
    assert body_lines(text) == []
    assert render_delta_csv([], []) == "change,kind,value,orders\r\n"


# ------------------------------------------------------------------------ rpz-ip triggers


@pytest.mark.parametrize(
    ("kind", "value", "owner"),
    [
        ("ipv4", "192.0.2.1", "32.1.2.0.192.rpz-ip"),
        ("cidr", "192.0.2.0/24", "24.0.2.0.192.rpz-ip"),
        ("cidr", "10.0.0.0/8", "8.0.0.0.10.rpz-ip"),
        ("ipv6", "::1", "128.1.zz.rpz-ip"),
        ("ipv6", "2001:db8::1", "128.1.zz.db8.2001.rpz-ip"),
        ("cidr", "2001:db8::/32", "32.zz.db8.2001.rpz-ip"),
        # the longer run of zero words is the one compressed
        ("cidr", "2001:db8:0:0:1::/80", "80.zz.1.0.0.db8.2001.rpz-ip"),
        # of two equal runs, the first (in address order), as RFC 5952 and BIND have it
        ("ipv6", "2001:db8:0:0:1:0:0:1", "128.1.0.0.1.zz.db8.2001.rpz-ip"),
        # a single zero word is not compressed
        ("ipv6", "2001:db8:0:1:1:1:1:1", "128.1.1.1.1.1.0.db8.2001.rpz-ip"),
        # no zero word at all: eight words
        ("ipv6", "2001:db8:1:2:3:4:5:6", "128.6.5.4.3.2.1.db8.2001.rpz-ip"),
    ],
)
def test_an_address_trigger_is_the_prefix_length_then_the_address_reversed(kind, value, owner):
    assert rpz_ip_owner(kind, value) == owner


def test_an_address_trigger_clears_the_host_bits_of_a_cidr():
    assert rpz_ip_owner("cidr", "192.0.2.77/24") == "24.0.2.0.192.rpz-ip"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("domain", "a.example"),
        ("url", "https://a.example/"),
        ("ipv4", "2001:db8::1"),
        ("ipv6", "192.0.2.1"),
        ("ipv4", "not-an-address"),
        ("cidr", "0.0.0.0/0"),
        ("cidr", "::/0"),
    ],
)
def test_an_address_trigger_is_refused_for_what_is_not_one_listable_address_or_range(kind, value):
    with pytest.raises(ValueError):
        rpz_ip_owner(kind, value)


# ----------------------------------------------------------------------------- rpz zones


def test_a_zone_sets_its_origin_and_ttl_and_opens_with_an_soa_holding_the_serial_and_an_ns():
    zone = render_rpz(ENTRIES, origin=ORIGIN, serial=1772396100, ttl=30)

    lines = zone.splitlines()
    assert f"$ORIGIN {ORIGIN}." in lines
    assert "$TTL 30" in lines
    soa = next(line for line in lines if " SOA " in line).split()
    assert soa[:4] == ["@", "SOA", "localhost.", "hostmaster.localhost."]
    assert [int(n) for n in soa[4:]] == [1772396100, 60, 60, 604800, 60]
    assert "@ NS localhost." in lines


def test_a_zone_is_one_dnspython_reads_whole_with_the_expected_names():
    zone = dns.zone.from_text(render_rpz(ENTRIES, origin=ORIGIN, serial=7), check_origin=True)

    names = {name.to_text() for name in zone.nodes}
    assert {
        "@",
        "pirate-streams.example",
        "*.pirate-streams.example",
        "xn--bcher-kva.example",
        "*.xn--bcher-kva.example",
        "32.7.100.51.198.rpz-ip",
        "24.0.113.0.203.rpz-ip",
        "128.1.zz.db8.2001.rpz-ip",
    } == names
    assert zone.get_rdataset("@", "SOA")[0].serial == 7
    cname = zone.get_rdataset("pirate-streams.example", "CNAME")[0]
    assert cname.target.to_text() == "."


def test_a_domain_is_blocked_with_its_sub_domains_by_name_relative_to_the_origin():
    zone = render_rpz(
        [FeedEntry("domain", "pirate-streams.example", ("ORD-1",))], origin=ORIGIN, serial=1
    )

    assert rpz_records(zone) == [
        "pirate-streams.example CNAME .",
        "*.pirate-streams.example CNAME .",
    ]


def test_a_zone_notes_the_orders_behind_each_trigger_in_a_comment():
    zone = render_rpz(
        [FeedEntry("domain", "a.example", ("ORD-1", "ORD-2"))], origin=ORIGIN, serial=1
    )

    assert "a.example CNAME . ; ORD-1 ORD-2" in zone.splitlines()


def test_a_line_break_in_an_order_reference_cannot_add_a_record_to_the_zone():
    entry = FeedEntry("domain", "a.example", ("ORD-1\ngoogle.com CNAME .",))

    zone = render_rpz([entry], origin=ORIGIN, serial=1)

    assert rpz_records(zone) == ["a.example CNAME .", "*.a.example CNAME ."]


def test_a_zone_leaves_urls_out_and_says_how_many():
    zone = render_rpz(ENTRIES, origin=ORIGIN, serial=1)

    assert not [line for line in rpz_records(zone) if "videos.example" in line]
    assert "; 1 URL entry left out" in zone
    assert "blocking each URL's host would block every other page on it" in zone


def test_a_zone_lists_domains_then_ipv4_then_ipv6_triggers():
    zone = render_rpz(ENTRIES, origin=ORIGIN, serial=1)

    assert rpz_records(zone) == [
        "pirate-streams.example CNAME .",
        "*.pirate-streams.example CNAME .",
        "xn--bcher-kva.example CNAME .",
        "*.xn--bcher-kva.example CNAME .",
        "32.7.100.51.198.rpz-ip CNAME .",
        "24.0.113.0.203.rpz-ip CNAME .",
        "128.1.zz.db8.2001.rpz-ip CNAME .",
    ]
    assert "; serial 1, 7 triggers" in zone


def test_a_zone_accepts_its_origin_with_or_without_the_final_dot():
    assert render_rpz([], origin=ORIGIN + ".", serial=1) == render_rpz([], origin=ORIGIN, serial=1)


def test_a_zone_refuses_an_origin_that_is_not_a_domain_name():
    with pytest.raises(ValueError):
        render_rpz([], origin="rpz atalaya", serial=1)


def test_an_empty_list_is_a_zone_without_triggers():
    zone = render_rpz([], origin=ORIGIN, serial=1)

    assert rpz_records(zone) == []
    dns.zone.from_text(zone, check_origin=True)


def long_domain(octets: int) -> str:
    """A domain whose labels take `octets` octets in wire format (each label and its length
    byte; the root's byte not counted)."""
    labels = []
    while octets > 64:
        labels.append("a" * 63)
        octets -= 64
    return ".".join([*labels, "b" * (octets - 1)])


# in wire format the origin's labels take one octet more than its text (a length byte for
# each label, where the text has one dot fewer); the root takes one more
ORIGIN_OCTETS = len(ORIGIN) + 1


def test_a_domain_too_long_to_sit_under_the_origin_is_skipped_with_a_comment():
    domain = long_domain(255 - ORIGIN_OCTETS - 1 + 1)  # one octet over, with the origin

    zone = render_rpz([FeedEntry("domain", domain)], origin=ORIGIN, serial=1)

    assert rpz_records(zone) == []
    assert f"; skipped, longer than 255 octets with the origin: {domain}" in zone


def test_a_domain_that_fits_only_without_the_wildcard_label_is_blocked_without_its_sub_domains():
    domain = long_domain(255 - ORIGIN_OCTETS - 1)  # exactly 255 with the origin

    zone = render_rpz([FeedEntry("domain", domain)], origin=ORIGIN, serial=1)

    assert rpz_records(zone) == [f"{domain} CNAME ."]
    assert f"; no wildcard for {domain}" in zone
    dns.zone.from_text(zone, check_origin=True)  # and every name in it is a legal one


@pytest.mark.parametrize(
    "value", ["bad name.example", "a..example", "-a.example", "x.rpz-ip", "a;b.example"]
)
def test_a_zone_skips_a_domain_that_could_break_it_or_be_read_as_another_trigger(value):
    zone = render_rpz([FeedEntry("domain", value)], origin=ORIGIN, serial=1)

    assert rpz_records(zone) == []
    assert "; skipped" in zone


def test_a_zone_skips_an_address_range_covering_everything():
    zone = render_rpz([FeedEntry("cidr", "0.0.0.0/0")], origin=ORIGIN, serial=1)

    assert rpz_records(zone) == []
    assert "; skipped cidr '0.0.0.0/0'" in zone


# ------------------------------------------------------------------------------- serials


def test_the_serial_is_the_seconds_since_the_epoch_of_the_last_change():
    assert rpz_serial(datetime(2026, 3, 1, tzinfo=UTC)) == 1772323200
    assert rpz_serial(datetime(2026, 3, 1)) == 1772323200  # naive is UTC


def test_the_serial_grows_with_every_later_change_and_fits_32_bits_until_2106():
    assert rpz_serial(AS_OF + timedelta(seconds=1)) > rpz_serial(AS_OF)
    assert rpz_serial(datetime(2106, 2, 7, 6, 28, 15, tzinfo=UTC)) == 2**32 - 1
    with pytest.raises(ValueError):
        rpz_serial(datetime(2106, 2, 7, 6, 28, 16, tzinfo=UTC))


def test_the_dns_kinds_are_those_a_resolver_can_enforce():
    assert sorted(DNS_KINDS) == ["cidr", "domain", "ipv4", "ipv6"]
