"""The public's unblock request in a real browser, in Spanish at phone width: the page after
the form names the order of the register that covers the name and gives the request's
reference; its status page, reached by the link, says where the request stands. Both are
axe-clean; their screenshots are docs/screenshots/unblock-*-es-phone.png."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from playwright.sync_api import expect

from enforcement.models import UnblockRequest
from enforcement.tests.factories import order_by

from .steps import BLOCKING_IMPACTS, axe_violations, describe, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"


def clean_and_shot(page, name: str) -> None:
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not found, f"{name} ({page.url}):\n{describe(found)}"
    page.screenshot(
        path=SCREENSHOTS / f"{name}-es-phone.png", type="png", full_page=True, animations="disabled"
    )


def test_a_requester_files_a_request_and_follows_it_by_its_reference(new_page, authority, coparty):
    cache.clear()  # the form's hourly count per address
    order_by(authority, targets=(("domain", "pirate.example"),), reference="APIN-BLQ-7")
    page = new_page("phone")
    page.goto("/transparency/unblock/?value=www.pirate.example")
    switch_language(page, "es")

    page.locator("input[name=relation][value=site_owner]").check()
    page.locator("input[name=name]").fill("Ana Dueña")
    page.locator("input[name=email]").fill("ana@site.example")
    page.locator("textarea[name=message]").fill("Es mi blog de cocina; no transmite fútbol.")
    page.get_by_role("button", name="Enviar la solicitud").click()

    expect(page.get_by_role("heading", name="Solicitud recibida")).to_be_visible()
    reference = UnblockRequest.objects.get().reference
    expect(page.get_by_text(reference)).to_be_visible()
    expect(page.get_by_role("cell", name="APIN-BLQ-7")).to_be_visible()
    clean_and_shot(page, "unblock-sent")

    page.get_by_role("link", name="su página de estado").click()

    expect(page.get_by_role("heading", name=f"Solicitud de desbloqueo {reference}")).to_be_visible()
    expect(page.get_by_text("Abierta: en espera de respuesta")).to_be_visible()
    assert re.search(rf"/transparency/unblock/{reference}/[A-Za-z0-9_-]+/$", page.url)
    clean_and_shot(page, "unblock-status")
