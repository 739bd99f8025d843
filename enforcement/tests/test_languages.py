"""Languages of enforcement: a public requester is written to in the language they filed in;
the safeguards' words are read in the issuer's language in the portal and in English from
the API."""

from __future__ import annotations

import html

import pytest
from django.core.cache import cache
from django.urls import reverse

from conftest import api_client_for
from enforcement import unblock
from enforcement.models import UnblockRequest, UnblockReview
from members.tests.factories import UserFactory

from .factories import as_actor, order_by

pytestmark = pytest.mark.django_db

FORM = "/transparency/unblock/"
CHECK_API = "/api/v1/blocking-orders/check/"
# A free-hosting parent (a warning) and an address in a protected network (a refusal).
TARGETS = [
    {"kind": "domain", "value": "000webhostapp.com"},
    {"kind": "ipv4", "value": "104.16.1.1"},
]
FREE_HOSTING_EN = (
    "free-hosting parent 000webhostapp.com: blocking 000webhostapp.com blocks every site under it"
)
FREE_HOSTING_ES = (
    "dominio padre de alojamiento gratuito 000webhostapp.com: bloquear 000webhostapp.com "
    "bloquea todos los sitios bajo él"
)
PROTECTED_EN = "covered by protected network 104.16.0.0/13 (Cloudflare)"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    """Events are rows nobody processes here; each test starts with a fresh throttle."""
    monkeypatch.setattr("notifications.outbox._enqueue", lambda event_id, urgent: None)
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


# --- the safeguards' words -------------------------------------------------------------------


def test_the_check_page_names_why_a_value_is_warning_listed_in_the_issuers_language(
    client, authority, coparty
):
    client.force_login(UserFactory(organization=authority, role="analyst", language="es"))

    content = page(
        client.post(
            reverse("enforcement:new"),
            {
                "reference": "R-1",
                "legal_basis": "Resolución 0042-2026/CDA-INDECOPI",
                "targets": "000webhostapp.com",
                "isps": [str(coparty.pk)],
                "deadline": "30",
                "action": "check",
            },
        )
    )

    assert '<html lang="es"' in content
    assert FREE_HOSTING_ES in content
    assert "free-hosting parent" not in content


def test_the_api_check_answers_in_english_to_a_person_reading_spanish(authority, coparty):
    from rest_framework.test import APIClient

    person = UserFactory(organization=authority, role="analyst", language="es")
    session = APIClient()
    session.force_login(person)

    for client in (session, api_client_for(authority)):
        response = client.post(
            CHECK_API, {"targets": TARGETS}, format="json", HTTP_ACCEPT_LANGUAGE="es"
        )

        assert response.status_code == 200, response.content
        assert response["Content-Language"] == "en"
        body = response.json()
        assert body["warnings"][0]["warnings"] == [FREE_HOSTING_EN]
        assert "shared anycast range 104.16.0.0/13 (Cloudflare): blocking 104.16.1.1" in str(
            body["warnings"][1]["warnings"]
        )
        assert [h["reason"] for h in body["protected"]] == [PROTECTED_EN]


def test_the_api_explains_errors_in_english_whatever_the_accept_language(authority):
    client = api_client_for(authority)

    missing = client.get("/api/v1/reports/999999/", HTTP_ACCEPT_LANGUAGE="es")
    invalid = client.post(
        CHECK_API,
        {"targets": [{"kind": "domain", "value": "localhost"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="pt-BR",
    )

    assert missing.status_code == 404
    assert missing.json()["detail"] == "Not found."
    assert invalid.status_code == 400
    assert "a domain needs at least two labels" in invalid.json()["detail"]
