"""A second look before a final action, and declining a proposed agreement.

Terminating or suspending an agreement and revoking a key first answer with a page that says
what will happen: posted without `confirm`, nothing changes; posted again from that page (or
with htmx, the same page swapped into <main>), it is done. A party that has not signed a
proposal may decline it: the agreement is `declined`, never in force, and the proposer is told.

The actors: the owner (proposes), the co-party (asked to sign) and an outsider."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import api_client_for
from members import services
from members.events import AgreementEvent
from members.models import Agreement, AuditEvent, Organization
from members.services import Actor
from members.tests.factories import UserFactory
from notifications import registry
from notifications.models import Event, Notification
from notifications.tasks import process_event

from .test_agreements_portal import active, proposed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    """Events are rows (processed by hand here)."""
    monkeypatch.setattr("notifications.outbox._enqueue", lambda event_id, urgent: None)


def admin_of(org: Organization) -> Client:
    client = Client()
    client.force_login(UserFactory(organization=org, role="admin"))
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- terminate and suspend -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "question", "status"),
    [
        ("agreement_terminate", "Terminate “Peru live sports MOU”?", "terminated"),
        ("agreement_suspend", "Suspend “Peru live sports MOU”?", "suspended"),
    ],
)
def test_a_party_admin_is_asked_first_and_nothing_changes_until_they_confirm(
    owner, coparty, outsider, action, question, status
):
    agreement = active(owner, coparty)
    client = admin_of(owner)
    url = reverse(f"members:{action}", args=[agreement.pk])

    asked = page(client.post(url))

    agreement.refresh_from_db()
    assert agreement.status == "active"
    assert not AuditEvent.objects.filter(action=f"agreement.{status}").exists()
    assert question in asked
    assert f'action="{url}"' in asked and 'name="confirm" value="yes"' in asked
    assert f'href="{reverse("members:agreement", args=[agreement.pk])}"' in asked  # Cancel

    done = client.post(url, {"confirm": "yes"}, follow=True)

    agreement.refresh_from_db()
    assert agreement.status == status
    assert any(status.capitalize() in m for m in messages_of(done))


def test_with_htmx_the_confirmation_comes_in_place_of_main(owner, coparty, outsider):
    agreement = active(owner, coparty)
    url = reverse("members:agreement_terminate", args=[agreement.pk])

    asked = page(admin_of(owner).post(url, HTTP_HX_REQUEST="true"))

    assert "<main " in asked and "Terminate “Peru live sports MOU”?" in asked
    assert f'hx-post="{url}"' in asked and 'hx-target="main"' in asked
    agreement.refresh_from_db()
    assert agreement.status == "active"


def test_an_outsider_gets_404_asked_or_confirmed(owner, coparty, outsider):
    agreement = active(owner, coparty)
    client = admin_of(outsider)
    for action in ("agreement_terminate", "agreement_suspend", "agreement_decline"):
        url = reverse(f"members:{action}", args=[agreement.pk])
        assert client.post(url).status_code == 404
        assert client.post(url, {"confirm": "yes"}).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == "active"


# --- API keys --------------------------------------------------------------------------------


def test_revoking_a_key_asks_first_then_revokes(owner, outsider):
    key, _plain = services.api_key_create(actor=Actor.system(), organization=owner, name="SIEM")
    client = admin_of(owner)
    url = reverse("members:revoke_key", args=[key.pk])

    asked = page(client.post(url))

    key.refresh_from_db()
    assert key.revoked_at is None
    assert f"Revoke the key “SIEM” ({key.prefix}…)?" in asked
    assert "refused from this moment" in asked

    done = client.post(url, {"confirm": "yes"})

    assert done.status_code == 302 and done.url == reverse("members:manage")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_an_admin_of_another_organisation_gets_404_for_a_key_asked_or_confirmed(owner, outsider):
    key, _plain = services.api_key_create(actor=Actor.system(), organization=owner, name="SIEM")
    client = admin_of(outsider)
    url = reverse("members:revoke_key", args=[key.pk])

    assert client.post(url).status_code == 404
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


# --- declining a proposal --------------------------------------------------------------------


def test_a_party_declines_a_proposal_and_the_proposer_is_told(owner, coparty, outsider):
    agreement = proposed(owner, coparty)
    client = admin_of(coparty)
    detail = page(client.get(reverse("members:agreement", args=[agreement.pk])))
    url = reverse("members:agreement_decline", args=[agreement.pk])
    assert f'action="{url}"' in detail and "Decline this agreement" in detail
    assert reverse("members:agreement_terminate", args=[agreement.pk]) not in detail

    asked = page(client.post(url))
    agreement.refresh_from_db()
    assert agreement.status == "proposed"
    assert "Decline “Peru live sports MOU”?" in asked

    done = client.post(url, {"confirm": "yes"}, follow=True)

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DECLINED
    assert "Declined. The other parties are told." in messages_of(done)
    link = agreement.party_links.get(organization=coparty)
    assert link.declined_at is not None and link.signed_at is None
    audit = AuditEvent.objects.get(action="agreement.declined")
    assert audit.organization == coparty
    event = Event.objects.get(type=AgreementEvent.DECLINED)
    assert (event.actor_org_id, event.subject_ids) == (coparty.pk, [agreement.pk])
    process_event(event.pk)
    told = Notification.objects.filter(event=event).values_list("organization", flat=True)
    assert list(told) == [owner.pk]  # the proposer; never the one that declined
    seen_by_owner = page(admin_of(owner).get(reverse("members:agreement", args=[agreement.pk])))
    assert "Declined" in seen_by_owner and "declined " in seen_by_owner
    for action in ("agreement_sign", "agreement_decline", "agreement_terminate"):
        assert reverse(f"members:{action}", args=[agreement.pk]) not in seen_by_owner


def test_a_non_party_cannot_decline_and_a_party_that_signed_terminates_instead(
    owner, coparty, outsider
):
    agreement = proposed(owner, coparty)

    assert (
        admin_of(outsider)
        .post(reverse("members:agreement_decline", args=[agreement.pk]), {"confirm": "yes"})
        .status_code
        == 404
    )
    refused = admin_of(owner).post(
        reverse("members:agreement_decline", args=[agreement.pk]), {"confirm": "yes"}, follow=True
    )

    assert any("terminate it instead" in m for m in messages_of(refused))
    agreement.refresh_from_db()
    assert agreement.status == "proposed"
    assert not Event.objects.filter(type=AgreementEvent.DECLINED).exists()


def test_an_analyst_of_a_party_cannot_decline(owner, coparty, outsider):
    agreement = proposed(owner, coparty)
    client = Client()
    client.force_login(UserFactory(organization=coparty, role="analyst"))

    response = client.post(
        reverse("members:agreement_decline", args=[agreement.pk]), {"confirm": "yes"}
    )

    assert response.status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == "proposed"


def test_a_party_declines_through_the_api_and_a_second_decline_is_a_409(owner, coparty, outsider):
    agreement = proposed(owner, coparty)
    url = f"/api/v1/agreements/{agreement.pk}/decline/"

    hidden = api_client_for(outsider).post(url)
    declined = api_client_for(coparty).post(url)
    again = api_client_for(coparty).post(url)

    assert hidden.status_code == 404
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert again.status_code == 409
    assert api_client_for(coparty, scopes=("read", "write")).post(url).status_code == 403


def test_the_declined_event_has_its_label_in_each_language():
    with translation.override("es"):
        assert registry.label("agreement.declined") == "Acuerdo rechazado"
    with translation.override("pt-br"):
        assert registry.label("agreement.declined") == "Acordo recusado"
