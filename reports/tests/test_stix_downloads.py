"""The reports list as STIX 2.1: `GET /api/v1/reports/?format=stix` (the page of the filtered
list as one bundle) and the portal's download (the whole filtered list), both through the access
policy. The actors: an owner, a co-party whose agreement names the reporter, a co-party whose
agreement does not, and an outsider (no agreement)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import api_client_for
from kernel.vocabulary import TLP
from members.tests.factories import OrganizationFactory, UserFactory
from reports.models import Report
from reports.stix import export
from reports.stix.export import common_objects

from .factories import agreement_between, report_by

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/"
STIX = "application/stix+json;version=2.1"
LIST = reverse("reports:list")
DOWNLOAD = reverse("reports:export_stix")


@pytest.fixture
def world(owner, coparty, outsider):
    discreet = OrganizationFactory(slug="discreet", kind="telco", country="PE")
    agreement_between(owner, coparty, share_reporter_identity=True)
    agreement_between(owner, discreet, share_reporter_identity=False)
    reports = {
        "final": report_by(owner, title="Final restream", indicators=[("domain", "final.example")]),
        "iptv": report_by(
            owner, title="Panel", category="iptv", indicators=[("iptv_panel", "p.example:81")]
        ),
        "private": report_by(
            owner,
            title="Private lead",
            sharing=Report.Sharing.PRIVATE,
            indicators=[("domain", "private-lead.example")],
        ),
        "clear": report_by(owner, title="Clear", tlp=TLP.CLEAR, indicators=[("ipv4", "192.0.2.1")]),
        "theirs": report_by(outsider, title="Outsider's own", indicators=[("domain", "o.example")]),
    }
    return {
        "owner": owner,
        "coparty": coparty,
        "discreet": discreet,
        "outsider": outsider,
        **{f"report:{k}": v for k, v in reports.items()},
    }


def report_names(bundle: dict) -> list[str]:
    return [o["name"] for o in bundle["objects"] if o["type"] == "report"]


def stix_get(client, params: dict | None = None):
    response = client.get(URL, {**(params or {}), "format": "stix"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == STIX
    return response


# --- API -----------------------------------------------------------------------------------


def test_the_api_bundle_holds_the_reports_of_the_filtered_list(world):
    # One world for every reader and filter (each case alone would build it again).
    for reader in ("owner", "coparty", "discreet", "outsider"):
        client = api_client_for(world[reader])
        for query in ({}, {"category": "iptv"}, {"q": "restream"}, {"tlp": "clear"}):
            listed = [r["title"] for r in client.get(URL, query).json()["results"]]
            bundle = stix_get(client, query).json()

            assert bundle["type"] == "bundle"
            assert bundle["objects"][: len(common_objects())] == common_objects()
            assert report_names(bundle) == listed, (reader, query)


def test_an_outsider_gets_the_common_objects_and_only_what_it_may_see(world):
    bundle = stix_get(api_client_for(world["outsider"])).json()
    text = json.dumps(bundle)

    assert report_names(bundle) == ["Outsider's own", "Clear"]
    assert "final.example" not in text and "private-lead.example" not in text
    # As in the list, a TLP:CLEAR report names its reporter to everyone.
    assert f"identity--{world['owner'].stix_id}" in text


def test_the_reporter_is_in_the_bundle_only_where_an_agreement_names_it(world):
    reporter = f"identity--{world['owner'].stix_id}"

    # TLP:AMBER only: a TLP:CLEAR report names its reporter to everyone.
    amber = {"tlp": "amber"}
    disclosed = json.dumps(stix_get(api_client_for(world["coparty"]), amber).json())
    withheld = json.dumps(stix_get(api_client_for(world["discreet"]), amber).json())

    assert reporter in disclosed and world["owner"].name in disclosed
    assert reporter not in withheld and world["owner"].name not in withheld
    assert "Private lead" not in disclosed + withheld


def test_the_api_bundle_is_one_page_and_links_to_the_next(world):
    client = api_client_for(world["owner"])
    response = stix_get(client, {"page_size": 2})
    seen = report_names(response.json())
    while link := response.get("Link"):
        assert link.startswith("<") and link.endswith('>; rel="next"')
        response = client.get(link.removeprefix("<").removesuffix('>; rel="next"'))
        assert response.status_code == 200 and response["Content-Type"] == STIX
        seen += report_names(response.json())
    all_titles = [r["title"] for r in client.get(URL, {"page_size": 50}).json()["results"]]
    assert seen == all_titles and len(seen) == 4


def test_the_bundle_is_also_what_accept_asks_for(world):
    response = api_client_for(world["owner"]).get(URL, HTTP_ACCEPT=STIX)

    assert response.status_code == 200 and response["Content-Type"] == STIX
    assert len(report_names(response.json())) == 4


def test_a_single_report_is_not_offered_as_stix(world):
    client = api_client_for(world["owner"])
    pk = world["report:final"].pk

    assert client.get(f"{URL}{pk}/", {"format": "stix"}).status_code == 404


def test_the_api_bundle_costs_the_same_queries_for_2_or_8_reports(owner):
    client = api_client_for(owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            stix_get(client)
        return len(captured)

    queries()  # the key's first use is written down once
    for n in range(2):
        report_by(owner, title=f"R{n}", indicators=[("domain", f"r{n}.example")])
    few = queries()
    for n in range(2, 8):
        report_by(owner, title=f"R{n}", indicators=[("domain", f"r{n}.example")])
    assert queries() == few


# --- portal --------------------------------------------------------------------------------


def download(client, org, query: str = "") -> dict:
    client.force_login(UserFactory(organization=org, role="viewer"))
    response = client.get(f"{DOWNLOAD}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == STIX
    assert response["Content-Disposition"].startswith('attachment; filename="atalaya-reports-')
    assert "no-store" in response["Cache-Control"]
    return json.loads(b"".join(response.streaming_content))


def test_the_portal_download_holds_the_filtered_list(client, world):
    api = api_client_for(world["coparty"])
    for query in ("", "category=iptv", "q=restream"):
        bundle = download(client, world["coparty"], query)

        params = dict(p.split("=") for p in query.split("&") if p)
        listed = [r["title"] for r in api.get(URL, params).json()["results"]]
        assert report_names(bundle) == listed, query
        assert "Private lead" not in json.dumps(bundle)


def test_the_portal_download_of_an_outsider_holds_only_what_it_may_see(client, world):
    assert report_names(download(client, world["outsider"])) == ["Outsider's own", "Clear"]


def test_the_list_offers_the_stix_download_beside_the_csv(client, world):
    client.force_login(UserFactory(organization=world["owner"], role="viewer"))

    content = client.get(f"{LIST}?category=iptv").content.decode()

    assert f'href="{DOWNLOAD}?category=iptv" download' in content


def test_the_portal_download_needs_a_sign_in_and_is_not_for_hub_staff(client):
    from members.models import User

    assert client.get(DOWNLOAD).status_code == 302
    client.force_login(User.objects.create_user("staff@hub.example", "pw", is_staff=True))
    assert client.get(DOWNLOAD).status_code == 404


# --- what the export trusts and keeps ------------------------------------------------------


def test_a_queryset_annotated_for_the_owner_cannot_name_the_reporter_to_a_discreet_coparty(
    world,
):
    owner, discreet = world["owner"], world["discreet"]
    # The discreet co-party's reports, with the disclosure asked for the owner (who is always
    # told): the export asks again for the reader it is given.
    misannotated = Report.objects.visible_to(discreet).with_disclosure(owner).filter(tlp=TLP.AMBER)
    reporter = f"identity--{owner.stix_id}"

    bundled = json.dumps(export.bundle(misannotated, discreet))
    streamed = "".join(export.stream_bundle(misannotated, discreet))

    assert sorted(report_names(json.loads(bundled))) == ["Final restream", "Panel"]
    for text in (bundled, streamed):
        assert reporter not in text and owner.name not in text
    # The owner's own bundle of the same queryset still names it.
    assert reporter in json.dumps(export.bundle(misannotated, owner))


def test_a_download_remembers_only_the_objects_that_can_repeat(world):
    # A report, its indicators and its relationship appear once in any download; only
    # observables and identities can come again, so only they are remembered (memory).
    owner = world["owner"]
    reports = export.for_stix(Report.objects.visible_to(owner).with_disclosure(owner))
    seen: set[tuple[str, str]] = set()
    emitted = [
        o
        for r in reports
        for o in export._unique(export.report_objects(r, identity_disclosed=True), seen)
    ]

    remembered = {object_id for object_id, _version in seen}
    assert remembered == {o["id"] for o in emitted if o["type"] == "identity" or "created" not in o}
    assert {"report", "indicator", "relationship"}.isdisjoint(i.split("--")[0] for i in remembered)
    assert len(emitted) == len({(o["id"], o.get("modified")) for o in emitted})
