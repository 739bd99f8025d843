"""Reports as STIX 2.1 (reports.stix): every object the hub emits passes stix2-validator in
strict mode; ids are ours and stable; observables have the §2.9 ids; a report reads the same to
everyone, and only its reporter's identity depends on the reader. The actors: an owner (a
rightsholder that reports), a co-party whose agreement discloses the reporter, a co-party whose
agreement does not, and an outsider (no agreement)."""

from __future__ import annotations

import datetime
import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stix2validator import ValidationOptions, validate_instance

from kernel.vocabulary import TLP
from members.tests.factories import OrganizationFactory
from reports import services
from reports.models import Report
from reports.stix import export
from reports.stix.extension import CUSTOM_SCO_TYPES, EXTENSION_ID
from reports.stix.markings import TLP_MARKING_IDS, tlp_of_marking

from .factories import _as, agreement_between, report_by

pytestmark = pytest.mark.django_db

EVERY_KIND = [
    ("domain", "pirate.example"),
    ("url", "https://pirate.example/live/it's\\here"),
    ("ipv4", "192.0.2.7"),
    ("ipv6", "2001:db8::7"),
    ("cidr", "198.51.100.0/24"),
    ("cidr", "2001:db8:1::/48"),
    ("app_id", "com.pirate.tv"),
    ("iptv_panel", "panel.pirate.example:8080"),
    ("payment_account", "paypal:seller@pirate.example"),
    ("ad_account", "adsense:ca-pub-1234567890"),
    ("watermark_id", "WM-0042-abc"),
]
STRICT = ValidationOptions(strict=True, version="2.1")
# stix2-validator knows only the built-in observable types: it takes an extension's new SCO for
# an SDO and asks for a UUIDv4 id ("uuid-check"), where STIX 2.1 §2.9 asks an SCO with ID
# contributing properties (ours: `value`) for the UUIDv5 we give it. Only that check is off,
# only for those objects.
STRICT_FOR_EXTENSION_SCOS = ValidationOptions(strict=True, version="2.1", disabled=["uuid-check"])


def problems(obj: dict) -> list[str]:
    options = STRICT_FOR_EXTENSION_SCOS if obj["type"] in CUSTOM_SCO_TYPES else STRICT
    result = validate_instance(obj, options)
    return [str(e) for e in result.errors] + [str(w) for w in result.warnings]


def of_type(objects: list[dict], type_: str) -> list[dict]:
    return [o for o in objects if o["type"] == type_]


def objects_for(report: Report, *, identity_disclosed: bool) -> list[dict]:
    fetched = export.for_stix(Report.objects.filter(pk=report.pk)).get()
    return export.report_objects(fetched, identity_disclosed=identity_disclosed)


@pytest.fixture
def readers(owner, coparty, outsider):
    """The owner shares with the co-party (identity disclosed) and with a second co-party
    (identity withheld); the outsider has no agreement."""
    discreet = OrganizationFactory(slug="discreet", kind="telco", country="PE")
    agreement_between(owner, coparty, share_reporter_identity=True)
    agreement_between(owner, discreet, share_reporter_identity=False)
    return {"owner": owner, "coparty": coparty, "discreet": discreet, "outsider": outsider}


# --- validity ------------------------------------------------------------------------------


def test_the_common_objects_are_valid_in_strict_mode_and_the_same_for_everyone(settings):
    objects = export.common_objects()

    assert [o["type"] for o in objects] == [
        "identity",
        "extension-definition",
        *["marking-definition"] * 5,
    ]
    for obj in objects:
        assert problems(obj) == [], obj["id"]
    assert objects[0]["id"] == f"identity--{settings.ATALAYA_STIX_IDENTITY}"
    assert objects[1]["id"] == EXTENSION_ID
    assert objects[1]["extension_types"] == ["new-sco", "property-extension"]
    assert isinstance(objects[1]["schema"], str)
    assert export.common_objects() == objects


def test_the_tlp_markings_are_the_oasis_tlp_2_objects():
    markings = {m["id"]: m for m in of_type(export.common_objects(), "marking-definition")}

    assert markings[TLP_MARKING_IDS[TLP.AMBER_STRICT]] == {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:AMBER+STRICT",
        "extensions": {
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": "amber+strict",
            }
        },
    }
    assert [m["name"] for m in markings.values()] == [
        "TLP:CLEAR",
        "TLP:GREEN",
        "TLP:AMBER",
        "TLP:AMBER+STRICT",
        "TLP:RED",
    ]


def test_every_object_of_a_report_is_valid_in_strict_mode_at_every_tlp(owner, coparty):
    now = timezone.now()
    checked: set[str] = set()
    for tlp in TLP:
        report = report_by(
            owner,
            tlp=tlp,
            indicators=EVERY_KIND,
            recipients=[coparty] if tlp == TLP.RED else [],
            description="Restreams of the final, found by our monitoring.",
            live_from=now,
            live_until=now + timedelta(hours=3),
        )
        report.indicators.filter(kind="domain").update(note="main domain")

        disclosed = objects_for(report, identity_disclosed=True)
        withheld = objects_for(report, identity_disclosed=False)

        # The observables are the same objects in every report: each is checked once.
        for obj in (o for o in disclosed if o["id"] not in checked):
            assert problems(obj) == [], obj["id"]
            checked.add(obj["id"])
        assert withheld == disclosed[: len(withheld)]
        assert [o["type"] for o in disclosed[len(withheld) :]] == ["identity", "relationship"]
        assert len(of_type(disclosed, "indicator")) == len(EVERY_KIND)
        assert {o["type"] for o in disclosed} >= {"domain-name", "url", "ipv4-addr", "ipv6-addr"}
        assert {o["type"] for o in disclosed} >= set(CUSTOM_SCO_TYPES)


def test_a_withdrawn_report_is_a_new_version_revoked_with_its_indicators(owner):
    report = report_by(owner, indicators=[("domain", "pirate.example"), ("ipv4", "192.0.2.9")])
    before = objects_for(report, identity_disclosed=False)

    services.report_update(
        actor=_as(owner), report=report, changes={"status": Report.Status.WITHDRAWN}
    )
    after = objects_for(report, identity_disclosed=True)

    for obj in after:
        assert problems(obj) == [], obj["id"]
    revoked = [o for o in after if o["type"] in ("report", "indicator", "relationship")]
    assert all(o["revoked"] is True for o in revoked)
    assert not any("revoked" in o for o in before)
    assert after[0]["id"] == before[0]["id"]
    assert after[0]["modified"] > before[0]["modified"]
    assert after[0]["extensions"][EXTENSION_ID]["status"] == "withdrawn"


def test_a_report_maps_its_fields_to_stix_and_the_rest_to_the_extension(owner, settings):
    now = timezone.now().replace(microsecond=123456)
    report = report_by(
        owner,
        tlp=TLP.GREEN,
        category="iptv",
        jurisdictions=["PE", "CO"],
        title="Panel farm",
        live_from=now,
        indicators=[("domain", "panel.example"), ("cidr", "203.0.113.0/24")],
    )

    sdo, domain_indicator, cidr_indicator, *observables = objects_for(
        report, identity_disclosed=False
    )

    assert sdo["id"] == f"report--{report.stix_id}"
    assert sdo["name"] == "Panel farm"
    assert sdo["labels"] == ["iptv"]
    assert sdo["object_marking_refs"] == [TLP_MARKING_IDS[TLP.GREEN]]
    assert sdo["created_by_ref"] == f"identity--{settings.ATALAYA_STIX_IDENTITY}"
    assert sdo["published"] == sdo["created"]
    assert sdo["created"].endswith("Z") and len(sdo["created"]) == len(
        "2026-01-01T00:00:00.000000Z"
    )
    assert sdo["extensions"][EXTENSION_ID] == {
        "extension_type": "property-extension",
        "category": "iptv",
        "status": "open",
        "jurisdictions": ["CO", "PE"],
        "live_from": now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.123456Z"),
    }
    assert domain_indicator["pattern"] == "[domain-name:value = 'panel.example']"
    assert cidr_indicator["pattern"] == "[ipv4-addr:value = '203.0.113.0/24']"
    assert domain_indicator["valid_from"] == sdo["created"]
    assert sdo["object_refs"] == [
        domain_indicator["id"],
        cidr_indicator["id"],
        *(o["id"] for o in observables),
    ]
    indicator_ids = {f"indicator--{i.stix_id}" for i in report.indicators.all()}
    assert {domain_indicator["id"], cidr_indicator["id"]} == indicator_ids


def test_patterns_escape_quotes_and_backslashes():
    assert export.pattern("url", "https://x.example/it's\\a") == (
        "[url:value = 'https://x.example/it\\'s\\\\a']"
    )
    assert export.pattern("app_id", "com.x") == "[atalaya-app-id:value = 'com.x']"
    assert export.pattern("cidr", "2001:db8::/32") == "[ipv6-addr:value = '2001:db8::/32']"


def test_observable_ids_are_the_stix_deterministic_ids():
    # STIX 2.1 §2.9, worked by hand: UUIDv5 in the SCO namespace over the canonical JSON of the
    # ID contributing properties ({"value": ...}, no spaces).
    namespace = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
    for type_, value in [
        ("domain-name", "pirate.example"),
        ("url", "https://pirate.example/a"),
        ("ipv4-addr", "192.0.2.7"),
        ("atalaya-app-id", "com.pirate.tv"),
    ]:
        expected = uuid.uuid5(namespace, '{"value":"' + value + '"}')
        assert export.sco_id(type_, value) == f"{type_}--{expected}"


def test_the_same_observable_in_two_reports_is_one_object(owner):
    first = report_by(owner, indicators=[("domain", "shared.example")])
    second = report_by(owner, title="Again", indicators=[("domain", "shared.example")])

    a = of_type(objects_for(first, identity_disclosed=False), "domain-name")
    b = of_type(objects_for(second, identity_disclosed=False), "domain-name")

    assert a == b
    bundle = export.bundle(Report.objects.filter(pk__in=[first.pk, second.pk]), owner)
    assert len(of_type(bundle["objects"], "domain-name")) == 1


# --- the reporter --------------------------------------------------------------------------


def test_the_report_object_is_byte_identical_with_and_without_the_reporter(owner):
    report = report_by(owner, indicators=EVERY_KIND[:3])

    disclosed = objects_for(report, identity_disclosed=True)
    withheld = objects_for(report, identity_disclosed=False)

    assert json.dumps(disclosed[0], sort_keys=True) == json.dumps(withheld[0], sort_keys=True)
    assert disclosed[: len(withheld)] == withheld
    member, relationship = disclosed[len(withheld) :]
    assert member["id"] == f"identity--{owner.stix_id}"
    assert member["name"] == owner.name
    assert relationship["source_ref"] == disclosed[0]["id"]
    assert relationship["target_ref"] == member["id"]
    assert owner.name not in json.dumps(withheld)
    assert str(owner.stix_id) not in json.dumps(withheld)


def test_the_relationship_to_the_reporter_keeps_its_id_across_exports(owner):
    report = report_by(owner)

    first = of_type(objects_for(report, identity_disclosed=True), "relationship")
    again = of_type(objects_for(report, identity_disclosed=True), "relationship")

    assert first == again
    assert uuid.UUID(first[0]["id"].removeprefix("relationship--")).version == 4


def test_each_reader_gets_the_reports_it_sees_and_the_reporter_only_where_disclosed(readers):
    owner = readers["owner"]
    shared = report_by(owner, title="Shared", indicators=[("domain", "shared.example")])
    private = report_by(
        owner,
        title="Private",
        sharing=Report.Sharing.PRIVATE,
        indicators=[("domain", "private.example")],
    )
    common = export.common_objects()

    def bundle_of(reader: str) -> dict:
        org = readers[reader]
        return export.bundle(Report.objects.visible_to(org), org)

    as_owner, as_coparty, as_discreet, as_outsider = (
        bundle_of(r) for r in ("owner", "coparty", "discreet", "outsider")
    )

    assert as_outsider["objects"] == common
    assert as_outsider["type"] == "bundle" and as_outsider["id"].startswith("bundle--")
    assert {o["name"] for o in of_type(as_owner["objects"], "report")} == {"Shared", "Private"}
    for bundle in (as_coparty, as_discreet):
        text = json.dumps(bundle)
        assert [o["name"] for o in of_type(bundle["objects"], "report")] == ["Shared"]
        assert "private.example" not in text and str(private.stix_id) not in text
    reporter = f"identity--{owner.stix_id}"
    assert reporter in {o["id"] for o in as_owner["objects"]}
    assert reporter in {o["id"] for o in as_coparty["objects"]}
    assert reporter not in json.dumps(as_discreet)
    assert owner.name not in json.dumps(as_discreet)
    # The report itself reads the same to all three.
    shared_sdo = [
        next(o for o in b["objects"] if o["id"] == f"report--{shared.stix_id}")
        for b in (as_owner, as_coparty, as_discreet)
    ]
    assert shared_sdo[0] == shared_sdo[1] == shared_sdo[2]


def test_a_bundle_costs_the_same_queries_for_2_or_8_reports(owner):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export.bundle(Report.objects.visible_to(owner), owner)
        return len(captured)

    for n in range(2):
        report_by(owner, title=f"R{n}", indicators=[("domain", f"r{n}.example")])
    few = queries()
    for n in range(2, 8):
        report_by(owner, title=f"R{n}", indicators=[("domain", f"r{n}.example")])
    assert queries() == few


def test_a_streamed_bundle_is_the_same_bundle(owner):
    for n in range(3):
        report_by(owner, title=f"R{n}", indicators=[("domain", f"r{n}.example")])
    visible = Report.objects.visible_to(owner)

    streamed = json.loads("".join(export.stream_bundle(visible, owner, chunk_size=2)))

    assert streamed["objects"] == export.bundle(visible, owner)["objects"]


# --- markings, read back -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marking", "tlp"),
    [
        *((marking_id, tlp) for tlp, marking_id in TLP_MARKING_IDS.items()),
        ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", TLP.CLEAR),
        ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", TLP.GREEN),
        ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", TLP.AMBER),
        ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TLP.RED),
        ("marking-definition--826578e1-40ad-459f-bc73-ede076f81f37", TLP.AMBER_STRICT),
        (
            {
                "id": "marking-definition--0d4c5a9e-6a47-4a0e-9f0e-7b1a2c3d4e5f",
                "name": "TLP:AMBER+STRICT",
            },
            3,
        ),
        ({"definition_type": "tlp", "definition": {"tlp": "white"}}, TLP.CLEAR),
        ({"name": "tlp:red"}, TLP.RED),
        (
            # MISP's TLP:CLEAR on the TLP 1.0 WHITE id: the id decides.
            {"id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "name": "TLP:CLEAR"},
            TLP.CLEAR,
        ),
        ({"name": "PAP:GREEN"}, None),
        ("marking-definition--b7869980-ee3c-4a11-a76b-98861a7d1b63", None),
        (42, None),
    ],
)
def test_a_marking_reads_as_its_tlp_by_id_then_by_name(marking, tlp):
    assert tlp_of_marking(marking) == tlp


def test_the_report_markings_read_back_as_the_reports_tlp(owner, coparty):
    for tlp in TLP:
        report = report_by(owner, tlp=tlp, recipients=[coparty] if tlp == TLP.RED else [])
        sdo = objects_for(report, identity_disclosed=False)[0]
        assert [tlp_of_marking(m) for m in sdo["object_marking_refs"]] == [tlp]
