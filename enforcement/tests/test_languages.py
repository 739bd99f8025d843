"""Languages of enforcement: a public requester is written to in the language they filed in;
the safeguards' words are read in the issuer's language in the portal and in English from
the API."""

from __future__ import annotations

import html

import pytest
from django.core.cache import cache

from enforcement import unblock
from enforcement.models import UnblockRequest, UnblockReview

from .factories import as_actor, order_by

pytestmark = pytest.mark.django_db

FORM = "/transparency/unblock/"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    """Events are rows nobody processes here; each test starts with a fresh throttle."""
    monkeypatch.setattr("hub.models._enqueue", lambda event_id, urgent: None)
    cache.clear()
    yield
    cache.clear()


def ask(client, value: str, **headers):
    data = {
        "name": "Ana Site-Owner",
        "email": "ana@site.example",
        "organization": "",
        "relation": "site_owner",
        "value": value,
        "message": "Es mi blog de cocina; no tiene nada que ver con el fútbol.",
        "website": "",
    }
    return client.post(FORM, data, REMOTE_ADDR="192.0.2.10", **headers)


# --- the requester's e-mails -----------------------------------------------------------------


def test_a_requester_who_filed_in_spanish_is_answered_in_spanish_by_an_english_speaking_issuer(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    order_by(authority, targets=(("domain", "pirate.example"),), reference="PUB-7")

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, "pirate.example", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    request = UnblockRequest.objects.get()
    assert request.language == "es"
    review = UnblockReview.objects.get(request=request)
    with django_capture_on_commit_callbacks(execute=True):
        unblock.review_answer(
            actor=as_actor(authority),
            review=review,
            decision="dismissed",
            answer="The site streams the league's matches.",
        )

    ack, answer = mailoutbox
    assert ack.to == answer.to == ["ana@site.example"]
    assert ack.subject == "[Atalaya] Su solicitud de desbloqueo de pirate.example"
    assert ack.body.startswith("Estimado/a Ana Site-Owner:")
    assert "(UTC)" in ack.body  # the requester's time zone is unknown: the dates say theirs
    assert answer.subject == "[Atalaya] Su solicitud de desbloqueo de pirate.example: desestimada"
    assert "Su solicitud fue desestimada: el bloqueo se mantiene." in answer.body
    assert authority.name in answer.body and "PUB-7" in answer.body
    assert "The site streams the league's matches." in answer.body  # the issuer's own words


def test_a_request_filed_in_brazilian_portuguese_keeps_its_language_and_one_in_english_too(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "cooking.example", HTTP_ACCEPT_LANGUAGE="pt-BR")
        ask(client, "recipes.example", HTTP_ACCEPT_LANGUAGE="en")

    assert list(UnblockRequest.objects.order_by("pk").values_list("language", flat=True)) == [
        "pt-br",
        "en",
    ]
    portuguese, english = mailoutbox
    assert portuguese.subject == "[Atalaya] Seu pedido de desbloqueio de cooking.example"
    assert english.subject == "[Atalaya] Your unblock request about recipes.example"
    assert "We received your request of" in english.body


def test_a_request_filed_without_a_language_is_written_to_in_the_hubs_default(
    authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        request = unblock.request_submit(
            data=unblock.UnblockInput(
                name="Ana", email="ana@site.example", value="x.example", message="Please."
            )
        )

    assert request.language == "en"
    (ack,) = mailoutbox
    assert ack.body.startswith("Dear Ana,")


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())
