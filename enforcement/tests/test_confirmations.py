"""A second look before the final steps of an order: the issuer lifting a whole order, an ISP
confirming implementation (from the list, where it is one click among many rows). Posted
without `confirm`, the step answers with a page that says what will happen and changes
nothing; posted again from it (with htmx: the same page in place of <main>), it is done.

The actors: an authority (a regulator in PE) that issues orders, the co-party (a PE telco they
address) and an outsider (a BR telco)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import Organization
from members.tests.factories import UserFactory

from ..models import BlockingOrder, Compliance
from .factories import order_by

pytestmark = pytest.mark.django_db

LIST = reverse("enforcement:list")


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr("notifications.outbox._enqueue", lambda event_id, urgent: None)


def signed_in(client, org: Organization, role: str = "analyst"):
    client.force_login(UserFactory(organization=org, role=role))
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the issuer lifts the whole order --------------------------------------------------------


def test_lifting_a_whole_order_asks_first_and_lifts_once_confirmed(client, authority, coparty):
    order = order_by(authority, targets=(("domain", "a.example"), ("domain", "b.example")))
    signed_in(client, authority)
    url = reverse("enforcement:lift", args=[order.pk])

    asked = page(client.post(url, {"whole": "on"}))

    order.refresh_from_db()
    assert order.lifted_at is None
    assert "Lift the whole order ORD-1?" in asked
    assert "Its 2 targets in force leave every ISP&#x27;s blocklist" in asked
    assert 'name="whole" value="on"' in asked and 'name="confirm" value="yes"' in asked
    assert f'href="{reverse("enforcement:detail", args=[order.pk])}"' in asked

    done = client.post(url, {"whole": "on", "confirm": "yes"})

    assert done.status_code == 302
    order.refresh_from_db()
    assert order.lifted_at is not None


def test_with_htmx_the_lift_confirmation_comes_in_place_of_main(client, authority, coparty):
    order = order_by(authority)
    signed_in(client, authority)
    url = reverse("enforcement:lift", args=[order.pk])

    asked = page(client.post(url, {"whole": "on"}, HTTP_HX_REQUEST="true"))

    assert "<main " in asked and "Lift the whole order ORD-1?" in asked
    assert f'hx-post="{url}"' in asked and 'hx-target="main"' in asked
    assert BlockingOrder.objects.get().lifted_at is None


def test_ticked_targets_are_lifted_without_a_second_page(client, authority, coparty):
    # Ticking the targets is the deliberate step; the second look is for the whole order.
    order = order_by(authority, targets=(("domain", "a.example"), ("domain", "b.example")))
    ticked = order.targets.get(value="a.example")
    signed_in(client, authority)

    response = client.post(reverse("enforcement:lift", args=[order.pk]), {"targets": [ticked.pk]})

    assert response.status_code == 302
    ticked.refresh_from_db()
    assert ticked.lifted_at is not None


# --- the ISP confirms implementation from the list -------------------------------------------


def test_confirming_implementation_from_the_list_asks_first_and_returns_to_the_list(
    client, authority, coparty
):
    order = order_by(authority)
    signed_in(client, coparty)
    url = reverse("enforcement:confirm", args=[order.pk])
    assert f'action="{url}"' in page(client.get(LIST))

    asked = page(client.post(url, {"next": LIST}))

    assert Compliance.objects.get().state == Compliance.State.NOTIFIED
    assert "Confirm that order ORD-1 is implemented?" in asked
    assert f'name="next" value="{LIST}"' in asked
    assert f'href="{LIST}"' in asked  # Cancel goes back where the click came from

    done = client.post(url, {"next": LIST, "confirm": "yes"})

    assert done.status_code == 302 and done.url == LIST
    assert Compliance.objects.get().state == Compliance.State.IMPLEMENTED


def test_an_outsider_gets_404_asked_or_confirmed(client, authority, coparty, outsider):
    order = order_by(authority)
    signed_in(client, outsider, role="admin")
    for step, data in (("confirm", {}), ("lift", {"whole": "on"})):
        url = reverse(f"enforcement:{step}", args=[order.pk])
        assert client.post(url, data).status_code == 404
        assert client.post(url, {**data, "confirm": "yes"}).status_code == 404
    assert Compliance.objects.get().state == Compliance.State.NOTIFIED
    assert BlockingOrder.objects.get().lifted_at is None


def test_the_wrong_party_is_refused_at_once_not_asked(client, authority, coparty):
    order = order_by(authority)

    issuer_confirms = signed_in(client, authority).post(
        reverse("enforcement:confirm", args=[order.pk])
    )
    isp_lifts = signed_in(client, coparty).post(
        reverse("enforcement:lift", args=[order.pk]), {"whole": "on"}
    )

    assert issuer_confirms.status_code == 403 and isp_lifts.status_code == 403
    assert Compliance.objects.get().state == Compliance.State.NOTIFIED
    assert BlockingOrder.objects.get().lifted_at is None


def test_a_viewer_is_read_only_before_any_question(client, authority, coparty):
    order = order_by(authority)
    signed_in(client, coparty, role="viewer")

    response = client.post(reverse("enforcement:confirm", args=[order.pk]))

    assert response.status_code == 403
    assert "Confirm that order" not in response.content.decode()
