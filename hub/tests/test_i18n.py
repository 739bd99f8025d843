"""The portal's language: from the browser, switchable, remembered per person; the API stays
English for integrations."""

from __future__ import annotations

import pytest

from conftest import api_client_for
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_follows_the_browsers_language(client):
    spanish = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    portuguese = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()

    assert '<html lang="es"' in spanish
    assert '<html lang="pt-br"' in portuguese


def test_a_person_who_switches_language_keeps_it_on_the_next_pages(client, owner):
    person = UserFactory(organization=owner)
    client.force_login(person)

    client.post("/i18n/setlang/", {"language": "pt-br", "next": "/reports/"})
    person.refresh_from_db()
    page = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert person.language == "pt-br"
    assert '<html lang="pt-br"' in page


def test_the_api_answers_in_english_whatever_the_persons_language(owner):
    UserFactory(organization=owner, language="es")
    client = api_client_for(owner)

    response = client.get("/api/v1/reports/999999/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json()["title"] == "Not Found"
