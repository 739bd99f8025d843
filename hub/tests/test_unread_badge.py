"""The navigation's unread badge once the session has ended: htmx is told to reload the page
(whose own sign-in redirect says why) instead of swapping the sign-in page into the badge."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BADGE = reverse("unread_badge")


def test_a_signed_out_poll_of_the_badge_reloads_the_page_instead_of_swapping_in_sign_in(client):
    response = client.get(BADGE, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert response.content == b"" and "HX-Request" in response["Vary"]


def test_without_htmx_the_signed_out_badge_redirects_to_sign_in(client):
    response = client.get(BADGE)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={BADGE}"
