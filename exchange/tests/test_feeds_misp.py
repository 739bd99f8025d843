"""The MISP feed (/api/v1/feeds/misp/): what MISP's Feeds fetch, under the access policy.

Checked against MISP's own definitions as pymisp ships them: the event JSON schema
(pymisp/data/schema.json, MISP's format/2.4/schema.json), the attribute types and the
categories each type may have (pymisp/data/describeTypes.json), and pymisp's feed generator
(`MISPEvent.manifest`, what MISP's tools/misp-feed writes for each event).

What MISP's puller reads of a manifest (app/Model/Feed.php, MISP 2.4/2.5): the keys as event
uuids and each entry's `timestamp` (getNewEventUuids: an event is re-fetched when the
manifest's timestamp is greater than the stored one); `Orgc.name` and `Tag[].name`
(__filterEventsIndex, the feed's org and tag rules); MISPEvent.manifest adds `info`, `date`,
`analysis` and `threat_level_id`, which MISP's feed preview lists.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pymisp
import pytest
from django.db.models import F
from django.utils import timezone

from conftest import api_client_for
from exchange.feeds import misp
from kernel.vocabulary import TLP
from members.tests.factories import OrganizationFactory
from reports import services
from reports.models import Report
from reports.tests.factories import _as, agreement_between, report_by

PYMISP_DATA = Path(pymisp.__file__).parent / "data"
SCHEMA = json.loads((PYMISP_DATA / "schema.json").read_text())
DESCRIBE = json.loads((PYMISP_DATA / "describeTypes.json").read_text())["result"]
MANIFEST_FIELDS = {"Orgc", "Tag", "info", "date", "analysis", "threat_level_id", "timestamp"}

EVERY_KIND = (
    ("domain", "Fútbol-Libre.example"),
    ("url", "https://futbol.example/live?id=1"),
    ("ipv4", "192.0.2.10"),
    ("ipv6", "2001:db8::10"),
    ("cidr", "198.51.100.0/24"),
    ("app_id", "com.example.pirate"),
    ("iptv_panel", "panel.example:25461"),
    ("iptv_panel", "[2001:db8::1]:8080"),
    ("payment_account", "paypal:someone@example.com"),
    ("ad_account", "ca-pub-1234567890123456"),
    ("watermark_id", "WM-00042"),
)

MANIFEST = "/api/v1/feeds/misp/manifest.json"


def event_url(report: Report) -> str:
    return f"/api/v1/feeds/misp/{report.stix_id}.json"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def manifest_of(client) -> dict:
    response = client.get(MANIFEST)
    assert response.status_code == 200
    return json.loads(body(response))


def settle() -> None:
    """Moves every report's last change 5 s back: changed within the second being served, a
    report's MISP timestamp (and so the ETag) differs a second later, and a test's requests
    must not straddle that second."""
    Report.objects.update(updated_at=F("updated_at") - timedelta(seconds=5))


@pytest.fixture
def world(owner, coparty, outsider):
    """The owner shares with the co-party under an agreement that withholds its identity."""
    agreement_between(owner, coparty, share_reporter_identity=False)
    report = report_by(
        owner, title="Clásico restream", indicators=EVERY_KIND, description="Mirrors at HT."
    )
    settle()
    report.refresh_from_db()
    return report


def test_every_event_file_validates_against_misps_schema_with_known_types(world, coparty):
    client = api_client_for(coparty, scopes=("read",))

    response = client.get(event_url(world))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    event = json.loads(response.content)
    jsonschema.Draft4Validator(SCHEMA).validate(event)
    attributes = event["Event"]["Attribute"]
    assert len(attributes) == len(EVERY_KIND) + 1  # and the description
    for attribute in attributes:
        assert attribute["type"] in DESCRIBE["types"]
        assert attribute["type"] in DESCRIBE["category_type_mappings"][attribute["category"]]
    by_value = {a["value"]: a for a in attributes}
    assert by_value["xn--ftbol-libre-4gb.example"]["type"] == "domain"
    assert by_value["198.51.100.0/24"]["type"] == "ip-dst"
    assert by_value["panel.example|25461"]["type"] == "hostname|port"
    assert by_value["2001:db8::1|8080"]["type"] == "ip-dst|port"
    assert by_value["pub-1234567890123456"]["comment"] == "ad_account"
    assert by_value["Mirrors at HT."]["type"] == "comment"
    assert all(a["to_ids"] for a in attributes if a["type"] not in ("text", "comment"))
    stix_ids = {str(i.stix_id) for i in world.indicators.all()}
    assert stix_ids <= {a["uuid"] for a in attributes}


def test_the_manifest_is_what_pymisps_feed_generator_writes_for_each_event(world, coparty):
    client = api_client_for(coparty, scopes=("read",))

    manifest = manifest_of(client)
    event = json.loads(client.get(event_url(world)).content)

    assert list(manifest) == [str(world.stix_id)]
    entry = manifest[str(world.stix_id)]
    assert set(entry) == MANIFEST_FIELDS
    loaded = pymisp.MISPEvent()
    loaded.load(copy.deepcopy(event))  # load() takes the dict apart
    expected = loaded.manifest[str(world.stix_id)]
    assert entry["info"] == expected["info"] == "Clásico restream"
    assert entry["date"] == expected["date"]
    assert entry["timestamp"] == str(expected["timestamp"]) == event["Event"]["timestamp"]
    assert entry["Orgc"] == expected["Orgc"]
    assert [t["name"] for t in entry["Tag"]] == [t["name"] for t in expected["Tag"]]
    assert [t["name"] for t in entry["Tag"]] == [
        "tlp:amber",
        'atalaya:category="live_sports"',
        'atalaya:jurisdiction="PE"',
        'atalaya:status="open"',
    ]
    # pymisp reads every attribute back as it was written.
    assert {(a.type, a.value) for a in loaded.attributes} == {
        (a["type"], a["value"]) for a in event["Event"]["Attribute"]
    }


def test_a_coparty_without_identity_disclosure_sees_the_hub_as_creator(world, coparty, settings):
    client = api_client_for(coparty, scopes=("read",))

    entry = manifest_of(client)[str(world.stix_id)]
    event = json.loads(client.get(event_url(world)).content)["Event"]

    hub = {"name": misp.HUB_NAME, "uuid": str(settings.ATALAYA_STIX_IDENTITY)}
    assert entry["Orgc"] == event["Orgc"] == hub
    assert world.owner.name not in json.dumps(event)
    assert str(world.owner.stix_id) not in json.dumps(event)


def test_the_owner_and_a_party_whose_agreement_discloses_it_see_the_reporter(world, owner):
    partner = OrganizationFactory(slug="partner", kind="telco", country="PE")
    agreement_between(owner, partner, share_reporter_identity=True)
    reporter = {"name": owner.name, "uuid": str(owner.stix_id)}

    for org in (owner, partner):
        client = api_client_for(org, scopes=("read",))
        assert manifest_of(client)[str(world.stix_id)]["Orgc"] == reporter
        assert json.loads(client.get(event_url(world)).content)["Event"]["Orgc"] == reporter


def test_the_outsider_gets_an_empty_manifest_and_404_for_the_event(world, outsider):
    client = api_client_for(outsider, scopes=("read",))

    assert manifest_of(client) == {}
    missing = client.get(event_url(world))
    absent = client.get("/api/v1/feeds/misp/00000000-0000-4000-8000-000000000000.json")
    assert missing.status_code == absent.status_code == 404
    assert missing.json()["detail"] == absent.json()["detail"]
    assert body(client.get("/api/v1/feeds/misp/hashes.csv")) == b""


def test_a_report_shared_later_appears_in_the_manifest_under_a_new_etag(owner, coparty):
    report = report_by(owner, title="Later")
    client = api_client_for(coparty, scopes=("read",))
    before = client.get(MANIFEST)
    assert json.loads(body(before)) == {}

    agreement_between(owner, coparty)

    after = client.get(MANIFEST, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert list(json.loads(body(after))) == [str(report.stix_id)]
    assert after["ETag"] != before["ETag"]


def test_an_unchanged_manifest_answers_304_and_an_update_changes_it(world, coparty):
    client = api_client_for(coparty, scopes=("read",))
    first = client.get(MANIFEST)
    etag = first["ETag"]

    again = client.get(MANIFEST, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert client.get(MANIFEST, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304

    services.report_update(actor=_as(world.owner), report=world, changes={"title": "Renamed"})

    changed = client.get(MANIFEST, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert json.loads(body(changed))[str(world.stix_id)]["info"] == "Renamed"
    settle()
    event = client.get(event_url(world))
    assert client.get(event_url(world), HTTP_IF_NONE_MATCH=event["ETag"]).status_code == 304


def test_a_withdrawn_report_stays_in_the_feed_with_deleted_attributes(world, coparty):
    client = api_client_for(coparty, scopes=("read",))
    before = json.loads(client.get(event_url(world)).content)["Event"]

    settle()
    services.report_update(
        actor=_as(world.owner), report=world, changes={"status": Report.Status.WITHDRAWN}
    )

    entry = manifest_of(client)[str(world.stix_id)]
    after = json.loads(client.get(event_url(world)).content)["Event"]
    assert {"name": 'atalaya:status="withdrawn"'} in entry["Tag"]
    assert int(entry["timestamp"]) >= int(before["timestamp"])
    assert all(a["deleted"] and not a["to_ids"] for a in after["Attribute"])
    assert all(a["timestamp"] == after["timestamp"] for a in after["Attribute"])
    jsonschema.Draft4Validator(SCHEMA).validate({"Event": after})
    assert body(client.get("/api/v1/feeds/misp/hashes.csv")) == b""


def test_hashes_are_md5_of_each_value_with_its_event(world, coparty):
    client = api_client_for(coparty, scopes=("read",))

    response = client.get("/api/v1/feeds/misp/hashes.csv")

    lines = body(response).decode().splitlines()
    expected = {
        f"{hashlib.md5(v.encode()).hexdigest()},{world.stix_id}"  # noqa: S324 - MISP's format
        for v in ("xn--ftbol-libre-4gb.example", "panel.example", "2001:db8::1", "192.0.2.10")
    }
    assert expected <= set(lines)
    assert len(lines) == len(EVERY_KIND)


def test_an_event_timestamp_never_names_the_current_second():
    now = timezone.now()
    earlier = now - timedelta(seconds=5)

    assert misp.misp_timestamp(now, now) == str(int(now.timestamp()) - 1)
    assert misp.misp_timestamp(earlier, now) == str(int(earlier.timestamp()))


def test_a_live_event_report_is_a_high_threat_and_red_is_tagged_red(owner, coparty):
    agreement_between(owner, coparty, max_tlp=TLP.AMBER_STRICT)
    live = report_by(owner, live_from=timezone.now(), live_until=timezone.now())
    red = report_by(owner, tlp=TLP.RED, recipients=[coparty], title="Red")
    client = api_client_for(coparty, scopes=("read",))

    manifest = manifest_of(client)

    assert manifest[str(live.stix_id)]["threat_level_id"] == misp.THREAT_HIGH
    assert {"name": "tlp:red"} in manifest[str(red.stix_id)]["Tag"]
