"""Non-interference: whatever the hub derives from reports is, for a reader, what it would be if
the reports that reader may not see did not exist (docs/contract.md, "Derived data").

For small random worlds (organisations, agreements, reports on a pool of values chosen to meet,
cluster, suggest and pass through a shared CDN), the world is built twice through the real
services and the real worker code: once whole, and once without the reports reader X may not
see. Everything X can get must be the same in both: the targets list and each target's detail
(figures, first and last seen, reports, cluster, links, suggestions), the portal's target pages,
each report's "also reported in", the report list, the inbox, the dashboard's figures, search
hits, the body of every webhook message and every e-mail X is sent, X's TAXII collections and
every object in them, its STIX export, its MISP feed (manifest and events) and its indicator
feeds. Answers are compared by
value: database ids differ between the two builds, so a report is known by its title and an
agreement by its title; target ids are name-based and compared as they are.

The access policy itself (which reports X may see) is proved against its reference model in
test_policy_property.py; this test takes it as given and proves what is built on it.

`NON_INTERFERENCE_EXAMPLES` (environment) sets how many worlds are generated; `make test` runs
the default, derandomised so that CI is reproducible.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import api_client_for
from hub import dashboard, search
from kernel.vocabulary import TLP
from members.models import Organization
from members.tests.factories import OrganizationFactory, UserFactory
from notifications import fanout
from notifications.models import Event, NotificationSettings, WebhookDelivery, WebhookEndpoint
from notifications.tasks import process_event
from reports.models import Indicator, Report
from reports.selectors import also_reported_by, visible_reports
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("NON_INTERFERENCE_EXAMPLES", "12"))
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)

ORGS = [
    ("rh-pe", "rightsholder", "PE"),
    ("isp-pe", "telco", "PE"),
    ("rh-br", "rightsholder", "BR"),
    ("pay-co", "intermediary", "CO"),
]
CATEGORIES = ["iptv", "live_sports"]
JURISDICTIONS = [(), ("PE",), ("BR",)]
TLPS = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]
# Values that meet in every way the hub links targets: one site (kinoflix.com and its www),
# one brand on two suffixes, a numbered family (suggested, never linked), addresses that join
# only when reported together, and a shared CDN host that must never carry a link.
POOL = [
    ("domain", "kinoflix.com"),
    ("domain", "www.kinoflix.com"),
    ("domain", "kinoflix.net"),
    ("domain", "streamzone1.com"),
    ("domain", "streamzone2.com"),
    ("ipv4", "203.0.113.7"),
    ("ipv4", "198.51.100.9"),
    ("domain", "d1.cloudfront.net"),
    ("domain", "pelisgratis.org"),
]
SEARCHES = ["kinoflix", "203.0.113", "streamzone", "Report"]


@dataclass(frozen=True)
class AgreementDraft:
    parties: frozenset[int]
    categories: frozenset[str]
    jurisdictions: frozenset[str]
    max_tlp: int
    share_identity: bool


@dataclass(frozen=True)
class ReportDraft:
    owner: int
    category: str
    tlp: int
    jurisdictions: tuple[str, ...]
    private: bool
    recipients: frozenset[int]
    indicators: tuple[int, ...]
    live: bool


@dataclass(frozen=True)
class World:
    agreements: tuple[AgreementDraft, ...]
    reports: tuple[ReportDraft, ...]


def _orgs() -> st.SearchStrategy[frozenset[int]]:
    return st.frozensets(st.integers(0, len(ORGS) - 1), min_size=2)


agreements = st.builds(
    AgreementDraft,
    parties=_orgs(),
    categories=st.frozensets(st.sampled_from(CATEGORIES), max_size=1),
    jurisdictions=st.frozensets(st.sampled_from(["PE", "BR"]), max_size=1),
    max_tlp=st.sampled_from([TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT]),
    share_identity=st.booleans(),
)
reports = st.builds(
    ReportDraft,
    owner=st.integers(0, len(ORGS) - 1),
    category=st.sampled_from(CATEGORIES),
    tlp=st.sampled_from(TLPS),
    jurisdictions=st.sampled_from(JURISDICTIONS),
    private=st.booleans(),
    recipients=st.frozensets(st.integers(0, len(ORGS) - 1)),
    indicators=st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=3, unique=True).map(
        tuple
    ),
    live=st.booleans(),
)
worlds = st.builds(
    World,
    agreements=st.lists(agreements, max_size=3).map(tuple),
    reports=st.lists(reports, min_size=1, max_size=7).map(tuple),
)


# --- building a world ------------------------------------------------------------------------


def build(world: World, omit: frozenset[int] = frozenset()) -> list[Organization]:
    """The world through the real services, reports in order (minus `omit`), each one's event
    processed by the worker's own code before the next is submitted."""
    mail.outbox = []
    orgs = []
    for slug, kind, country in ORGS:
        # One clock for both builds: a member's STIX identity is versioned by it.
        org = OrganizationFactory(slug=slug, name=slug, kind=kind, country=country, created_at=NOW)
        UserFactory(organization=org, role="admin", email=f"admin@{slug}.example")
        NotificationSettings.objects.create(
            organization=org,
            email_enabled=True,
            email_digest=NotificationSettings.Digest.IMMEDIATE,
        )
        # Never called: deliveries are sent on commit, and this test's transaction never commits.
        WebhookEndpoint.objects.create(
            organization=org, url=f"https://{slug}.example/hook", secret="whsec_dGVzdA=="
        )
        orgs.append(org)
    for draft in world.agreements:
        agreement_between(
            *(orgs[i] for i in sorted(draft.parties)),
            categories=sorted(draft.categories),
            jurisdictions=sorted(draft.jurisdictions),
            max_tlp=draft.max_tlp,
            share_reporter_identity=draft.share_identity,
        )
    _process_events()
    for n, draft in enumerate(world.reports):
        if n in omit:
            continue
        created = NOW - datetime.timedelta(hours=len(world.reports) - n)
        live = (
            {"live_from": created, "live_until": NOW + datetime.timedelta(hours=2)}
            if draft.live
            else {}
        )
        # What the service accepts: CLEAR is never private, RED names others than its owner.
        private = draft.private and draft.tlp != TLP.CLEAR
        recipients = sorted(draft.recipients - {draft.owner}) or [(draft.owner + 1) % len(ORGS)]
        report = report_by(
            orgs[draft.owner],
            title=f"Report {n}",
            category=draft.category,
            tlp=draft.tlp,
            jurisdictions=draft.jurisdictions,
            sharing=Report.Sharing.PRIVATE if private else Report.Sharing.AGREEMENTS,
            recipients=[orgs[i] for i in recipients] if draft.tlp == TLP.RED else [],
            indicators=[POOL[i] for i in draft.indicators],
            **live,
        )
        # One clock for both builds: what is derived from times must match too.
        Report.objects.filter(pk=report.pk).update(created_at=created, updated_at=created)
        _process_events()
    return orgs


def _process_events() -> None:
    """Until none is left: processing an event may publish another (target.corroborated)."""
    while True:
        pending = list(
            Event.objects.filter(processed_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not pending:
            return
        for event_id in pending:
            process_event(event_id)


# --- what a reader gets ----------------------------------------------------------------------


class Names:
    """Replaces database ids (different in each build) with the titles that name the rows."""

    def __init__(self) -> None:
        self.reports = dict(Report.objects.values_list("pk", "title"))
        from members.models import Agreement

        self.agreements = dict(Agreement.objects.values_list("pk", "title"))

    def report(self, body: dict) -> dict:
        out = dict(body)
        out["id"] = self.reports[body["id"]]
        if body.get("duplicate_of") is not None:
            out["duplicate_of"] = self.reports[body["duplicate_of"]]
        out["agreements"] = sorted(self.agreements[a] for a in body.get("agreements") or [])
        return out


def answers(org: Organization) -> dict:
    names = Names()
    api = api_client_for(org)
    got: dict = {}

    targets = _get(api, "/api/v1/targets/?page_size=500")["results"]
    got["targets"] = targets
    details = []
    for target in targets:
        detail = _get(api, f"/api/v1/targets/{target['id']}/")
        detail["reports"] = [names.report(r) for r in detail["reports"]]
        details.append(detail)
    got["target details"] = details
    person = org.users.get(role="admin")
    portal = Client()
    portal.force_login(person)
    got["target pages"] = [
        _portal_main(portal, f"/reports/targets/{target['id']}/", names) for target in targets
    ]
    got["also reported in"] = {
        names.reports[report.pk]: {
            (i.kind, i.value): [
                (names.reports[other.pk], other.owner.slug if other.identity_disclosed else None)
                for other in also.get(i.target_id, [])
            ]
            for i in report.indicators.all()
        }
        for report in visible_reports(org)
        for also in [also_reported_by(org, report)]
    }
    got["reports"] = [
        names.report(r) for r in _get(api, "/api/v1/reports/?page_size=500")["results"]
    ]
    got["inbox"] = [
        (
            item["type"],
            names.report(item["report"]) if item["report"] else None,
            names.agreements.get(item["agreement"]),
            item["read"],
        )
        for item in _get(api, "/api/v1/notifications/?page_size=500")["results"]
    ]

    board = dashboard.dashboard_for(person, now=NOW)
    got["dashboard"] = {
        "new": [_row(r) for r in board.new_reports],
        "new count": board.new_count,
        "unread": board.unread,
        "live": [(_row(r.report), r.live_from, r.live_until, r.started) for r in board.live],
        "mine": [_row(r) for r in board.mine],
        "my statuses": board.my_status_counts,
        "corroborated": board.corroborated,
        "weekly": board.weekly,
        "clusters": board.clusters,
    }
    got["search"] = {
        query: (
            [r.title for r in found.reports],
            [(t.kind, t.value) for t in found.targets],
        )
        for query in SEARCHES
        for found in [search.search(org, query)]
    }
    got["webhooks"] = [
        _webhook_body(delivery, names)
        for delivery in WebhookDelivery.objects.filter(endpoint__organization=org)
        .select_related("event", "endpoint__organization")
        .order_by("pk")
    ]
    got["e-mails"] = [
        (m.subject, m.body) for m in mail.outbox if f"admin@{org.slug}.example" in m.to
    ]
    got.update(exchange_answers(api))
    return got


# --- what a reader gets through STIX, TAXII and the feeds -------------------------------------

TAXII = "application/taxii+json;version=2.1"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _stix_names() -> dict[str, str]:
    """STIX ids of this build's rows (random in each build) by the names that identify them."""
    names = {str(u): f"report {t}" for u, t in Report.objects.values_list("stix_id", "title")}
    for u, title, position in Indicator.objects.values_list("stix_id", "report__title", "position"):
        names[str(u)] = f"indicator {title}/{position}"
    names.update(
        {
            str(u): f"member {slug}"
            for u, slug in Organization.objects.values_list("stix_id", "slug")
        }
    )
    return names


def _named(body, names: dict[str, str]):
    """`body` with every UUID replaced by the row it names; a UUID no row has (a bundle's, or one
    derived from a report's random id, as a reporter relationship's) is left out of the
    comparison, its object being compared by its content. Name-based ids (observables, the
    hub's identity, TLP markings) are the same in both builds and so are kept as they are."""
    text = _UUID.sub(lambda m: names.get(m.group(0), m.group(0)), json.dumps(body, sort_keys=True))
    body = json.loads(text)
    return _without_derived_ids(body)


def _without_derived_ids(value):
    if isinstance(value, dict):
        if value.get("type") in ("relationship", "bundle"):
            value = {k: v for k, v in value.items() if k != "id"}
        # A TAXII `next` is a signed cursor over this build's date_added.
        return {k: _without_derived_ids(v) for k, v in value.items() if k != "next"}
    if isinstance(value, list):
        return [_without_derived_ids(v) for v in value]
    return value


def _streamed(api, url: str, params=None, **headers):
    response = api.get(url, params, **headers)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def exchange_answers(api) -> dict:
    """The reader's TAXII collections and everything in them, its STIX export of the report
    list, its MISP feed (manifest and every event) and its indicator feeds."""
    names = _stix_names()
    got: dict = {}
    listing = api.get("/taxii2/api/collections/", HTTP_ACCEPT=TAXII)
    assert listing.status_code == 200, listing.content[:300]
    collections = listing.json().get("collections", [])
    got["taxii collections"] = [
        (c["title"], c["can_read"], c["can_write"], c.get("alias")) for c in collections
    ]
    objects = {}
    for collection in collections:
        url = f"/taxii2/api/collections/{collection['id']}/objects/"
        response = api.get(url, {"limit": 1000}, HTTP_ACCEPT=TAXII)
        assert response.status_code == 200, (url, response.content[:300])
        assert not response.json().get("more"), "a world fits in one page"
        objects[collection["title"]] = _named(response.json(), names)
    got["taxii objects"] = objects
    stix = _streamed(api, "/api/v1/reports/", {"format": "stix", "page_size": 500})
    got["stix export"] = _named(json.loads(stix), names)
    manifest = json.loads(_streamed(api, "/api/v1/feeds/misp/manifest.json"))
    got["misp manifest"] = _named(manifest, names)
    # By the report each event is (its uuid is the report's STIX id, random in each build).
    got["misp events"] = {
        names.get(event, event): _named(
            json.loads(_streamed(api, f"/api/v1/feeds/misp/{event}.json")), names
        )
        for event in manifest
    }
    for fmt in ("txt", "csv"):
        text = _streamed(api, f"/api/v1/feeds/indicators.{fmt}")
        # Rows of one value are ordered by their report's STIX id, random in each build: the
        # rows are compared as a set, with the header first.
        lines = _UUID.sub(lambda m: names.get(m.group(0), "?"), text).splitlines()
        got[f"indicators.{fmt}"] = lines[:1] + sorted(lines[1:]) if fmt == "csv" else lines
    return got


def _row(row: dashboard.ReportRow) -> tuple:
    return (
        row.title,
        row.category,
        row.tlp_label,
        row.status,
        row.created_at,
        row.ours,
        row.reporter,
    )


_REPORT_LINK = re.compile(r"/reports/(\d+)/")
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _portal_main(client: Client, url: str, names: Names) -> str:
    """A portal page's <main> as compared: report ids (different in each build) replaced by
    the reports' titles, CSRF tokens (new on every answer) left out."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    main = _CSRF.sub("", html[html.index("<main") : html.index("</main>")])
    return _REPORT_LINK.sub(lambda m: f"/reports/{names.reports[int(m.group(1))]}/", main)


def _get(api, url: str) -> dict:
    response = api.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()


def _webhook_body(delivery: WebhookDelivery, names: Names) -> dict | None:
    body = fanout.payload_for(delivery)
    if body is None:
        return None
    body = {k: v for k, v in body.items() if k != "timestamp"}
    data = body.get("data")
    if isinstance(data, dict) and "reports" in data:
        data = dict(data, reports=[names.report(r) for r in data["reports"]])
        data["more_report_ids"] = [names.reports[i] for i in data["more_report_ids"]]
    elif isinstance(data, dict) and "title" in data and "indicators" in data:
        data = names.report(data)
    elif isinstance(data, dict):
        # An agreement: ids and times of its own rows differ between builds; nothing derives
        # from reports there.
        data = {k: v for k, v in data.items() if k not in ("id", "signatures", "created_at")}
    return dict(body, data=data)


# --- the property ----------------------------------------------------------------------------


def hidden_from_each(world: World, orgs: list[Organization]) -> dict[int, frozenset[int]]:
    """For each reader (by position), the positions of the reports it may not see."""
    title_to_n = {f"Report {n}": n for n in range(len(world.reports))}
    out = {}
    for i, org in enumerate(orgs):
        seen = set(Report.objects.visible_to(org).values_list("title", flat=True))
        out[i] = frozenset(n for t, n in title_to_n.items() if t not in seen)
    return out


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    # No shrinking: each example builds several worlds, and the first failing world is small
    # enough to read as it is.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds)
def test_what_a_reader_gets_does_not_depend_on_reports_it_may_not_see(world, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = False
    with transaction.atomic():
        orgs = build(world)
        # A reader that sees every report has nothing to compare.
        hidden = {i: omit for i, omit in hidden_from_each(world, orgs).items() if omit}
        full = {i: answers(orgs[i]) for i in hidden}
        transaction.set_rollback(True)
    for reader, omit in hidden.items():
        with transaction.atomic():
            orgs = build(world, omit)
            without = answers(orgs[reader])
            transaction.set_rollback(True)
        for part, value in full[reader].items():
            assert without[part] == value, _difference(
                world, reader, omit, part, value, without[part]
            )


def _difference(world, reader, omit, part, full, without) -> str:
    """Which answer changed, and how: the first item that differs, both ways, in full."""
    lines = [
        f"{ORGS[reader][0]}'s {part} change when reports {sorted(omit)} it may not see are "
        f"removed, in {world}"
    ]
    if isinstance(full, list) and isinstance(without, list):
        lines.append(f"lengths: {len(full)} with them, {len(without)} without")
        for n, (a, b) in enumerate(zip(full, without, strict=False)):
            if a != b:
                lines += [f"first difference at {n}:", f"  with:    {a}", f"  without: {b}"]
                break
    else:
        lines += [f"  with:    {full}", f"  without: {without}"]
    return "\n".join(lines)
