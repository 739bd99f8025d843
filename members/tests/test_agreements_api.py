"""/api/v1/agreements/: propose, every party signs, active; suspend, terminate; parties only."""

import pytest

from conftest import api_client_for
from members.models import Agreement, AuditEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/agreements/"


def propose(client, **overrides):
    body = {
        "title": "Live sports in Peru",
        "parties": ["coparty"],
        "categories": ["live_sports"],
        "jurisdictions": ["PE"],
        "max_tlp": "amber",
        "share_reporter_identity": True,
    }
    body.update(overrides)
    return client.post(URL, body, format="json")


@pytest.fixture
def coparty_api(coparty):
    return api_client_for(coparty)


def test_a_proposal_is_signed_by_the_proposer_and_active_once_every_party_signed(
    owner_api, coparty_api, owner, coparty
):
    proposed = propose(owner_api)
    assert proposed.status_code == 201, proposed.content
    body = proposed.json()
    assert body["status"] == "proposed"
    assert body["parties"] == ["coparty", "owner"]
    assert [s["party"] for s in body["signatures"]] == ["owner"]
    assert body["max_tlp"] == "amber" and body["categories"] == ["live_sports"]

    signed = coparty_api.post(f"{URL}{body['id']}/sign/")
    assert signed.status_code == 200
    assert signed.json()["status"] == "active"
    assert {s["party"] for s in signed.json()["signatures"]} == {"owner", "coparty"}
    actions = list(
        AuditEvent.objects.filter(object_type="members.agreement", object_id=str(body["id"]))
        .order_by("at")
        .values_list("action", "organization__slug")
    )
    assert actions == [
        ("agreement.proposed", "owner"),
        ("agreement.signed", "coparty"),
        ("agreement.active", "coparty"),
    ]


def test_outsider_gets_404_for_every_agreement_route(owner_api, outsider_api, coparty):
    agreement_id = propose(owner_api).json()["id"]
    assert outsider_api.get(f"{URL}{agreement_id}/").status_code == 404
    for verb in ("sign", "suspend", "terminate"):
        hidden = outsider_api.post(f"{URL}{agreement_id}/{verb}/")
        missing = outsider_api.post(f"{URL}{agreement_id + 999}/{verb}/")
        assert hidden.status_code == missing.status_code == 404
    assert outsider_api.get(URL).json()["results"] == []
    assert Agreement.objects.get().status == "proposed"


def test_acting_on_agreements_needs_the_admin_scope(owner, coparty):
    writer = api_client_for(owner, scopes=["read", "write"])
    response = propose(writer)
    assert response.status_code == 403
    assert "'admin' scope" in response.json()["detail"]
    assert writer.get(URL).status_code == 200


def test_signing_an_active_agreement_is_a_409_conflict(owner_api, coparty_api, coparty):
    agreement_id = propose(owner_api).json()["id"]
    coparty_api.post(f"{URL}{agreement_id}/sign/")
    again = coparty_api.post(f"{URL}{agreement_id}/sign/")
    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")


def test_a_party_suspends_and_then_terminates_an_agreement(owner_api, coparty_api, coparty):
    agreement_id = propose(owner_api).json()["id"]
    assert owner_api.post(f"{URL}{agreement_id}/suspend/").status_code == 409  # not active yet
    coparty_api.post(f"{URL}{agreement_id}/sign/")
    assert coparty_api.post(f"{URL}{agreement_id}/suspend/").json()["status"] == "suspended"
    assert owner_api.post(f"{URL}{agreement_id}/terminate/").json()["status"] == "terminated"
    assert owner_api.post(f"{URL}{agreement_id}/terminate/").status_code == 409


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"parties": ["nobody"]}, "/parties"),
        ({"parties": []}, "/parties"),
        ({"parties": ["owner"]}, "/parties"),  # only the proposer: fewer than two parties
        ({"max_tlp": "red"}, "/max_tlp"),
        ({"categories": ["knitting"]}, "/categories/0"),
        ({"jurisdictions": ["XX"]}, "/jurisdictions/0"),
        ({"effective_from": "2026-12-01", "expires_on": "2026-11-01"}, "/expires_on"),
    ],
)
def test_a_bad_proposal_gets_a_problem_naming_the_field(owner_api, coparty, overrides, pointer):
    response = propose(owner_api, **overrides)
    assert response.status_code == 400, response.content
    assert pointer in {e["pointer"] for e in response.json()["errors"]}
    assert not Agreement.objects.exists()


def test_a_suspended_organisation_cannot_be_made_a_party(owner_api, coparty):
    coparty.is_suspended = True
    coparty.save()
    response = propose(owner_api)
    assert response.status_code == 400
    assert "Suspended" in response.json()["errors"][0]["detail"]


def test_a_retried_proposal_with_an_idempotency_key_creates_one_agreement(owner_api, coparty):
    first = propose(owner_api, title="x")
    assert first.status_code == 201
    a = owner_api.post(
        URL,
        {"title": "y", "parties": ["coparty"], "max_tlp": "green"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="p-1",
    )
    b = owner_api.post(
        URL,
        {"title": "y", "parties": ["coparty"], "max_tlp": "green"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="p-1",
    )
    assert a.json() == b.json()
    assert Agreement.objects.count() == 2
