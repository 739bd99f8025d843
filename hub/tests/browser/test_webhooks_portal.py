"""Webhooks in the portal, in a real browser: the admin of a Lima ISP, reading Spanish on a
phone, goes from the organisation's admin menu to its webhooks, creates an endpoint for the
events it wants, copies the secret shown once, and sends a test that the delivery log shows.
Nothing scrolls sideways, axe finds nothing serious, the Content-Security-Policy refuses
nothing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from members.tests.factories import OrganizationFactory, UserFactory
from notifications import registry
from notifications.models import WebhookDelivery, WebhookEndpoint

from .steps import BLOCKING_IMPACTS, axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"
EVENTS = ["blocking_order.issued", "blocking_order.amended"]


def no_sideways_scroll(page) -> None:
    wide, screen = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
    assert wide <= screen, f"{page.url} is {wide} px wide on a {screen} px screen"


def no_serious_axe_findings(page) -> None:
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not found, f"{page.url}:\n{describe(found)}"


def test_an_isp_admin_creates_an_endpoint_in_spanish_on_a_phone(new_page, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True  # the receiver is on this machine
    isp = OrganizationFactory(slug="andes-net", name="Andes Net", kind="telco", country="PE")
    admin = UserFactory(organization=isp, role="admin", email="noc@andes.example", language="es")
    with translation.override("es"):
        labels = [str(registry.label(t)) for t in EVENTS]

    page = new_page("phone")
    sign_in(page, admin.email)
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("button", name="Menú").click()
    page.get_by_role("link", name="Administrar Andes Net").click()
    page.get_by_role("link", name="Webhooks y correo de notificaciones").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks y correo de notificaciones")
    no_sideways_scroll(page)
    no_serious_axe_findings(page)

    page.get_by_role("button", name="Agregar un destino").click()
    page.get_by_label("URL").fill("http://127.0.0.1:9/atalaya")
    page.get_by_label("Descripción").fill("SIEM del NOC")
    for label in labels:
        page.get_by_label(label, exact=True).check()
    no_sideways_scroll(page)
    no_serious_axe_findings(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Crear el destino").click()

    endpoint = WebhookEndpoint.objects.get(organization=isp)
    assert sorted(endpoint.events) == sorted(EVENTS)
    shown = page.locator("#new-secret")
    expect(shown).to_contain_text("Copie este secreto de firma ahora.")
    expect(shown.locator("code")).to_have_text(endpoint.secret)
    no_sideways_scroll(page)
    no_serious_axe_findings(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "webhook-created-es-phone.png", animations="disabled")

    with page.expect_navigation():
        page.get_by_role("button", name="Enviar un mensaje de prueba").click()
    expect(page.locator("main .messages")).to_contain_text("Mensaje de prueba en cola")
    expect(page.locator("#new-secret")).to_have_count(0)  # shown once: not after a reload
    assert endpoint.secret not in page.content()
    log = page.get_by_role("table", name="Registro de entregas")
    expect(log.locator("tbody tr")).to_have_count(1)
    expect(log.locator("tbody tr td[data-label='Evento']")).to_have_text("Mensaje de prueba")
    assert WebhookDelivery.objects.get().endpoint_id == endpoint.pk
    no_sideways_scroll(page)
    no_serious_axe_findings(page)
    page.screenshot(
        path=SCREENSHOTS / "webhook-log-es-phone.png", full_page=True, animations="disabled"
    )

    # Back to the list: the endpoint is there, and a NOC mailbox is added beside the admins.
    page.get_by_role("link", name="Webhooks y correo de notificaciones").click()
    expect(page.get_by_role("table", name="Destinos de webhook")).to_contain_text("SIEM del NOC")
    page.get_by_label("Dirección de correo electrónico").fill("noc-turno@andes.example")
    page.get_by_label("Idioma del correo").select_option("es")
    with page.expect_navigation():
        page.get_by_role("button", name="Agregar y enviar el enlace de confirmación").click()
    addresses = page.get_by_role("table", name="Direcciones de correo de notificaciones")
    expect(addresses).to_contain_text("noc-turno@andes.example")
    expect(addresses).to_contain_text("sin confirmar")
    no_sideways_scroll(page)
    no_serious_axe_findings(page)
    page.screenshot(
        path=SCREENSHOTS / "webhooks-es-phone.png", full_page=True, animations="disabled"
    )
