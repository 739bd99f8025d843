"""The site's own 404 and 500 pages, in each of the portal's languages, under the
Content-Security-Policy (what `make run` shows now that it runs with DEBUG off)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation

from hub.views import server_error

NOT_FOUND = {"en": "Not found", "es": "No encontrado", "pt-br": "Não encontrado"}
SERVER_ERROR = {"en": "Something went wrong", "es": "Algo salió mal", "pt-br": "Algo deu errado"}


@pytest.mark.parametrize("language", ["en", "es", "pt-br"])
def test_the_not_found_page_speaks_the_browsers_language(client, db, language):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 404
    body = response.content.decode()
    assert f'<html lang="{language}"' in body
    assert f"<h1>{NOT_FOUND[language]}</h1>" in body
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("language", ["en", "es", "pt-br"])
def test_the_server_error_page_is_the_sites_own_and_needs_no_database(language):
    # No `db` fixture: the page must render when the database is what failed.
    request = RequestFactory().get("/")
    with translation.override(language):
        response = server_error(request)

    assert response.status_code == 500
    body = response.content.decode()
    assert f'<html lang="{language}"' in body
    assert f"<h1>{SERVER_ERROR[language]}</h1>" in body
    assert "hub/site.css" in body
    assert "<script" not in body and "style=" not in body


def test_an_api_404_is_still_problem_json(client, db):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
