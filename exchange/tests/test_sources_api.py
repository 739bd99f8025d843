"""/api/v1/taxii-sources/ (scope `admin`): an organisation registers, lists, changes, polls and
deletes its TAXII sources; the secret is write-only; another organisation's source is 404 on
every route and verb, and a key without the admin scope is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import api_client_for
from exchange import poll_tasks, secrets
from exchange.models import TaxiiSource
from reports.tests.factories import agreement_between

pytestmark = pytest.mark.django_db

ROOT = "https://127.0.0.1:8443/api1/"
COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
LIST = "/api/v1/taxii-sources/"


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True


def detail(pk: int, action: str = "") -> str:
    return f"{LIST}{pk}/{action + '/' if action else ''}"


def register(api, **fields) -> dict:
    response = api.post(
        LIST,
        {
            "title": "Our OpenCTI",
            "api_root_url": ROOT,
            "collection_id": COLLECTION,
            "secret": "bearer-token",
            **fields,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_source_is_registered_with_a_write_only_secret(owner_api, owner):
    body = register(owner_api)

    source = TaxiiSource.objects.get(pk=body["id"])
    assert "secret" not in body and body["has_secret"] is True
    assert secrets.decrypt(source.secret_encrypted) == "bearer-token"
    assert source.created_by_key is not None and source.organization == owner
    listed = owner_api.get(LIST).json()
    assert [s["id"] for s in listed["results"]] == [body["id"]]
    assert "bearer-token" not in str(listed)
    assert reverse("taxii-source-list") == LIST


def test_a_change_without_a_secret_keeps_it_and_a_new_collection_starts_over(owner_api):
    pk = register(owner_api)["id"]
    TaxiiSource.objects.filter(pk=pk).update(added_after="2026-01-10T10:00:03.000000Z")

    response = owner_api.patch(
        detail(pk), {"collection_id": "another-collection", "interval_minutes": 60}, format="json"
    )

    assert response.status_code == 200, response.content
    source = TaxiiSource.objects.get(pk=pk)
    assert secrets.decrypt(source.secret_encrypted) == "bearer-token"
    assert source.added_after == "" and source.interval_minutes == 60


def test_refusals_are_400_with_the_reason(owner_api, owner, outsider, authority, settings):
    theirs = agreement_between(outsider, authority)
    too_often = owner_api.post(
        LIST,
        {"title": "x", "api_root_url": ROOT, "collection_id": "c", "interval_minutes": 1},
        format="json",
    )
    not_ours = owner_api.post(
        LIST,
        {"title": "x", "api_root_url": ROOT, "collection_id": "c", "agreement": theirs.pk},
        format="json",
    )
    bad_collection = owner_api.post(
        LIST, {"title": "x", "api_root_url": ROOT, "collection_id": "../../x"}, format="json"
    )
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = False
    internal = owner_api.post(
        LIST, {"title": "x", "api_root_url": ROOT, "collection_id": "c"}, format="json"
    )

    assert {r.status_code for r in (too_often, not_ours, bad_collection, internal)} == {400}
    assert "loopback" in internal.content.decode()
    assert not TaxiiSource.objects.filter(organization=owner).exists()


def test_an_agreement_of_the_caller_in_force_is_accepted(owner_api, owner, coparty):
    ours = agreement_between(owner, coparty)

    body = register(owner_api, agreement=ours.pk, username="atalaya")

    assert body["agreement"] == ours.pk and body["username"] == "atalaya"


def test_poll_answers_202_and_enqueues_it(
    owner_api, monkeypatch, django_capture_on_commit_callbacks
):
    pk = register(owner_api)["id"]
    sent: list[int] = []
    monkeypatch.setattr(poll_tasks, "enqueue_poll", sent.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(detail(pk, "poll"))

    assert response.status_code == 202 and sent == [pk]


def test_delete_removes_the_source(owner_api):
    pk = register(owner_api)["id"]

    assert owner_api.delete(detail(pk)).status_code == 204
    assert not TaxiiSource.objects.filter(pk=pk).exists()


def test_another_organisations_source_is_404_on_every_route_and_verb(owner_api, outsider_api):
    pk = register(owner_api)["id"]

    assert outsider_api.get(LIST).json()["results"] == []
    assert outsider_api.get(detail(pk)).status_code == 404
    assert outsider_api.patch(detail(pk), {"title": "x"}, format="json").status_code == 404
    assert outsider_api.post(detail(pk, "poll")).status_code == 404
    assert outsider_api.delete(detail(pk)).status_code == 404
    assert TaxiiSource.objects.get(pk=pk).title == "Our OpenCTI"


def test_a_key_without_the_admin_scope_is_refused(owner, owner_api):
    pk = register(owner_api)["id"]
    analyst_key = api_client_for(owner, scopes=("read", "write"))

    assert analyst_key.get(LIST).status_code == 403
    assert analyst_key.get(detail(pk)).status_code == 403
    assert analyst_key.post(detail(pk, "poll")).status_code == 403


def test_poll_of_a_paused_source_is_409(owner_api):
    pk = register(owner_api, enabled=False)["id"]

    assert owner_api.post(detail(pk, "poll")).status_code == 409
