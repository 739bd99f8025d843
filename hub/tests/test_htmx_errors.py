"""htmx and refusals: a 4xx answer is shown (htmx swaps none by default), as the error page's
<main> in place of the page's, whatever element the request aimed at."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def htmx_config(page: str) -> dict:
    found = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', page)
    assert found, "base.html has no htmx-config"
    return json.loads(html.unescape(found.group(1)))


def handling_of(config: dict, status: int) -> dict:
    """The rule htmx applies to a status: the first whose `code` pattern matches it."""
    return next(r for r in config["responseHandling"] if re.match(r["code"], str(status)))


def test_htmx_swaps_4xx_answers_as_errors_in_place_of_main_but_not_204_or_5xx(client):
    config = htmx_config(client.get(reverse("login")).content.decode())

    for status in (400, 403, 404, 429):
        rule = handling_of(config, status)
        assert rule["swap"] and rule["error"], status
        assert rule["target"] == rule["select"] == "main"
    assert handling_of(config, 200)["swap"] and not handling_of(config, 200).get("error")
    assert not handling_of(config, 204)["swap"]
    for status in (500, 502, 503):
        rule = handling_of(config, status)
        assert not rule["swap"] and rule["error"], status


def test_a_stale_form_is_refused_with_the_sites_page_which_has_a_main_to_swap(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(organization=owner))

    response = client.post(reverse("reports:inbox"), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 403
    assert "<main " in body and "Reload the page and try again." in body
