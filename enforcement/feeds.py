"""Rendering of an ISP's consolidated blocklist: plain text, CSV, JSON and a DNS response
policy zone (RPZ), and the deltas (`?since=`) of the first three. Pure functions of the
entries: no database, no settings, so what an ISP's resolver or firewall loads can be
tested line by line.

Every renderer sorts (by value, then kind) and merges duplicate entries (their order
references united), so the same list always renders to the same bytes: the ETag of a feed
depends on its version only, and an ISP can diff two fetches.

The RPZ format follows draft-vixie-dnsop-dns-rpz as BIND and Unbound implement it:
- a QNAME trigger `name CNAME .` answers NXDOMAIN for `name`, and `*.name CNAME .` for
  every name under it;
- a response-IP trigger `<prefix>.<address reversed>.rpz-ip CNAME .` answers NXDOMAIN for
  any query whose answer holds an address inside the prefix. IPv4 reverses the four octets
  (192.0.2.0/24 -> `24.0.2.0.192.rpz-ip`); IPv6 reverses the 16-bit words of the RFC 5952
  text form, the `::` becoming the label `zz` (2001:db8::/32 -> `32.zz.db8.2001.rpz-ip`).
  That is the canonical form BIND's ip2name() writes (it warns on any other), and the form
  Unbound's netblockdnametoaddr() reads: a `zz` label, or more than four address labels,
  marks an IPv6 address.
URL targets are left out of the zone: DNS sees names, not paths.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

KINDS = ("domain", "url", "ipv4", "ipv6", "cidr")
#: The kinds a DNS resolver can enforce (what the RPZ feed holds; `?kind=dns` selects them).
DNS_KINDS = frozenset({"domain", "ipv4", "ipv6", "cidr"})
IP_KINDS = frozenset({"ipv4", "ipv6", "cidr"})

#: Cells beginning with one of these are read as a formula by spreadsheet programs
#: (OWASP, "CSV Injection"); such a cell gets a leading apostrophe.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: SOA timers of the zone, in seconds. ISPs poll the feed (or transfer the zone) every
#: minute, so a secondary checks the serial every minute and retries as often; it keeps
#: serving its copy for a week when the hub cannot be reached (orders stay enforced through
#: an outage); negative answers are cached for a minute.
SOA_REFRESH = 60
SOA_RETRY = 60
SOA_EXPIRE = 7 * 24 * 3600
SOA_MINIMUM = 60

MAX_NAME_OCTETS = 255  # RFC 1035 2.3.4, in wire format: each label and its length byte, and root
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


@dataclass(frozen=True)
class FeedEntry:
    """One value to block. `value` is already normalised (domains: lowercase A-labels without
    a trailing dot; IPv6: compressed; CIDR: `192.0.2.0/24`, `2001:db8::/32`); `orders` are
    the references of the orders requiring it."""

    kind: str
    value: str
    orders: tuple[str, ...] = ()


# ------------------------------------------------------------------------------- helpers


def _iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, as the REST API writes datetimes (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _one_line(text: str) -> str:
    """`text` made safe for a comment line: no line break or other control character can end
    the comment and smuggle a line into the file (order references are typed by issuers)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _sort_key(entry: FeedEntry) -> tuple[str, str]:
    return (entry.value, entry.kind)


def consolidate(entries: Iterable[FeedEntry]) -> list[FeedEntry]:
    """One entry per (kind, value), with the union of their order references, sorted."""
    items = list(entries)
    # Fast path: already one entry per value in order (as `blocklist_entries` returns them,
    # sorted by the database); checking costs one pass, merging again a dict and a sort.
    if all(_sort_key(a) < _sort_key(b) for a, b in itertools.pairwise(items)):
        return items
    merged: dict[tuple[str, str], set[str]] = {}
    for entry in items:
        merged.setdefault((entry.kind, entry.value), set()).update(entry.orders)
    return sorted(
        (FeedEntry(kind, value, tuple(sorted(refs))) for (kind, value), refs in merged.items()),
        key=_sort_key,
    )


def _csv_cell(text: str) -> str:
    """Neutralises CSV formula injection (a cell that starts with = + - @, a tab or a carriage
    return is run as a formula by Excel, LibreOffice and Sheets) with a leading apostrophe.
    Normalised domains, IP addresses and URLs never start so (a hostname label cannot begin
    with a hyphen; a URL begins with its scheme), but the orders column holds references an
    issuer typed, so every cell is guarded all the same."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv(header: list[str], rows: Iterable[list[str]]) -> str:
    """RFC 4180 CSV (CRLF line ends, quoting where a cell needs it) from the csv module."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _entry_json(entry: FeedEntry) -> dict:
    return {"kind": entry.kind, "value": entry.value, "orders": list(entry.orders)}


# ------------------------------------------------------------------------ the full list


def render_txt(entries: Iterable[FeedEntry], *, isp: str, as_of: datetime) -> str:
    """Three `#` comment lines, then one value per line, sorted."""
    items = consolidate(entries)
    lines = [
        f"# Atalaya blocklist for {_one_line(isp)}",
        f"# as of {_iso(as_of)}",
        f"# {len(items)} entries",
        *(entry.value for entry in items),
    ]
    return "\n".join(lines) + "\n"


def render_csv(entries: Iterable[FeedEntry]) -> str:
    """`kind,value,orders`, the order references joined by a space."""
    return _csv(
        ["kind", "value", "orders"],
        ([e.kind, e.value, " ".join(e.orders)] for e in consolidate(entries)),
    )


def render_json(entries: Iterable[FeedEntry], *, isp: str, as_of: datetime) -> dict:
    items = consolidate(entries)
    return {
        "isp": isp,
        "as_of": _iso(as_of),
        "count": len(items),
        "entries": [_entry_json(e) for e in items],
    }


# --------------------------------------------------------------------- deltas (?since=)


def render_delta_txt(
    added: Iterable[FeedEntry],
    removed: Iterable[FeedEntry],
    *,
    isp: str,
    since: datetime,
    as_of: datetime,
) -> str:
    """`+value` for each entry added since `since`, then `-value` for each removed, each
    group sorted, after four `#` comment lines."""
    plus, minus = consolidate(added), consolidate(removed)
    lines = [
        f"# Atalaya blocklist for {_one_line(isp)}",
        f"# changes since {_iso(since)}",
        f"# as of {_iso(as_of)}",
        f"# {len(plus)} added, {len(minus)} removed",
        *(f"+{e.value}" for e in plus),
        *(f"-{e.value}" for e in minus),
    ]
    return "\n".join(lines) + "\n"


def render_delta_csv(added: Iterable[FeedEntry], removed: Iterable[FeedEntry]) -> str:
    """`change,kind,value,orders`, change being `added` or `removed` (words, not +/-, which a
    spreadsheet would read as formulas); a removed entry has no orders."""
    rows = [["added", e.kind, e.value, " ".join(e.orders)] for e in consolidate(added)]
    rows += [["removed", e.kind, e.value, ""] for e in consolidate(removed)]
    return _csv(["change", "kind", "value", "orders"], rows)


def render_delta_json(
    added: Iterable[FeedEntry],
    removed: Iterable[FeedEntry],
    *,
    isp: str,
    since: datetime,
    as_of: datetime,
) -> dict:
    return {
        "isp": isp,
        "since": _iso(since),
        "as_of": _iso(as_of),
        "added": [_entry_json(e) for e in consolidate(added)],
        "removed": [{"kind": e.kind, "value": e.value} for e in consolidate(removed)],
    }


# ----------------------------------------------------------------------------------- RPZ


def rpz_serial(last_modified: datetime) -> int:
    """The zone's SOA serial: whole seconds since the Unix epoch of the list's last change
    (naive means UTC). It grows with every change and fits the 32-bit serial until 2106."""
    if last_modified.tzinfo is None:
        last_modified = last_modified.replace(tzinfo=UTC)
    serial = int(last_modified.timestamp())
    if not 0 <= serial < 2**32:
        raise ValueError(f"{last_modified} has no 32-bit RPZ serial")
    return serial


def rpz_ip_owner(kind: str, value: str) -> str:
    """The owner name, relative to the zone's origin, of the response-IP trigger for an ipv4,
    ipv6 or cidr entry: `32.1.2.0.192.rpz-ip` for 192.0.2.1, `32.zz.db8.2001.rpz-ip` for
    2001:db8::/32. Host bits of a CIDR are cleared (BIND refuses an owner that has any).
    Raises ValueError for another kind, an unparsable value or a /0 (which would block every
    answer: BIND refuses it, and no order may mean it)."""
    if kind not in IP_KINDS:
        raise ValueError(f"{kind!r} entries have no rpz-ip trigger")
    if kind == "cidr":
        network = ipaddress.ip_network(value, strict=False)
    else:
        address = ipaddress.ip_address(value)
        if (kind == "ipv4") != (address.version == 4):
            raise ValueError(f"{value!r} is not an {kind} address")
        network = ipaddress.ip_network(address)
    if network.prefixlen == 0:
        raise ValueError(f"{value!r} covers every address")
    if network.version == 4:
        labels = list(reversed(str(network.network_address).split(".")))
    else:
        # RFC 5952 (what `compressed` gives): lowercase, no leading zeros, the first longest
        # run of two or more zero words as `::`.
        head, sep, tail = network.network_address.compressed.partition("::")
        words_head = head.split(":") if head else []
        words_tail = tail.split(":") if tail else []
        labels = list(reversed(words_tail)) + (["zz"] if sep else []) + list(reversed(words_head))
    return ".".join([str(network.prefixlen), *labels, "rpz-ip"])


def _name_octets(labels: list[str]) -> int:
    return sum(len(label) + 1 for label in labels) + 1


def _address_key(entry: FeedEntry) -> tuple:
    """IPv4 before IPv6, then by address and prefix length (unparsable values last)."""
    try:
        network = ipaddress.ip_network(entry.value, strict=False)
    except ValueError:
        return (7, 0, 0, entry.value)
    return (network.version, int(network.network_address), network.prefixlen, entry.value)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _domain_problem(labels: list[str]) -> str | None:
    """Why a normalised domain cannot be a QNAME trigger, if it cannot: a label outside
    [a-z0-9_-] (which could also break the zone file's syntax), or a last label starting with
    `rpz-`, which RPZ reserves for its other triggers (`x.rpz-ip` would be read as an
    address)."""
    if not all(_LABEL.match(label) for label in labels):
        return "not a valid domain name"
    if labels[-1].startswith("rpz-"):
        return "its last label is reserved by RPZ"
    return None


def render_rpz(entries: Iterable[FeedEntry], *, origin: str, serial: int, ttl: int = 60) -> str:
    """A response policy zone answering NXDOMAIN for every domain (and each name under it)
    and for every answer holding a listed address. Owner names are relative to `$ORIGIN`.

    Left out, each with a comment saying so: URL entries (counted); a domain whose owner name
    would pass 255 octets with the origin (its `*.` wildcard alone, when the name itself
    still fits); an entry that cannot be a trigger (see `_domain_problem`, `rpz_ip_owner`)."""
    origin_labels = origin.rstrip(".").lower().split(".")
    if not all(_LABEL.match(label) for label in origin_labels):
        raise ValueError(f"invalid RPZ origin {origin!r}")
    origin_name = ".".join(origin_labels) + "."
    items = consolidate(entries)
    domains = [e for e in items if e.kind == "domain"]
    addresses = sorted((e for e in items if e.kind in IP_KINDS), key=_address_key)
    urls = [e for e in items if e.kind == "url"]

    def note(entry: FeedEntry) -> str:
        return f" ; {_one_line(' '.join(entry.orders))}" if entry.orders else ""

    body: list[str] = []
    triggers = 0
    for entry in domains:
        labels = entry.value.split(".")
        problem = _domain_problem(labels)
        if problem:
            body.append(f"; skipped, {problem}: {_one_line(entry.value)!r}")
            continue
        if _name_octets(labels + origin_labels) > MAX_NAME_OCTETS:
            body.append(
                f"; skipped, longer than {MAX_NAME_OCTETS} octets with the origin: {entry.value}"
            )
            continue
        body.append(f"{entry.value} CNAME .{note(entry)}")
        triggers += 1
        if _name_octets(["*", *labels, *origin_labels]) > MAX_NAME_OCTETS:
            body.append(f"; no wildcard for {entry.value}: *.{entry.value} would be too long")
        else:
            body.append(f"*.{entry.value} CNAME .{note(entry)}")
            triggers += 1
    for entry in addresses:
        try:
            owner = rpz_ip_owner(entry.kind, entry.value)
        except ValueError as error:
            body.append(
                f"; skipped {entry.kind} {_one_line(entry.value)!r}: {_one_line(str(error))}"
            )
            continue
        body.append(f"{owner} CNAME .{note(entry)}")
        triggers += 1

    head = [
        "; Atalaya blocklist: DNS response policy zone (draft-vixie-dnsop-dns-rpz)",
        f"; serial {serial}, {_plural(triggers, 'trigger', 'triggers')}",
    ]
    if urls:
        head.append(
            f"; {_plural(len(urls), 'URL entry', 'URL entries')} left out: DNS cannot block"
            " a path, and blocking each URL's host would block every other page on it"
        )
    head += [
        f"$ORIGIN {origin_name}",
        f"$TTL {ttl}",
        f"@ SOA localhost. hostmaster.localhost. {serial} {SOA_REFRESH} {SOA_RETRY}"
        f" {SOA_EXPIRE} {SOA_MINIMUM}",
        "@ NS localhost.",
    ]
    return "\n".join(head + body) + "\n"
