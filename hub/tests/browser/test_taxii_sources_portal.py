"""TAXII sources in the portal, in a real browser: the admin of a Lima rightsholder, reading
Spanish on a phone, goes from the organisation's admin menu to its TAXII sources, adds its
OpenCTI's collection with a password, and later reads on the source's page why the last poll
failed. The password never comes back to the page; nothing scrolls sideways, axe finds nothing
serious, the Content-Security-Policy refuses nothing."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from exchange import secrets
from exchange.models import TaxiiSource
from members.tests.factories import OrganizationFactory, UserFactory

from .steps import BLOCKING_IMPACTS, axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"


def no_sideways_scroll(page) -> None:
    wide, screen = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
    assert wide <= screen, f"{page.url} is {wide} px wide on a {screen} px screen"


def no_serious_axe_findings(page) -> None:
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not found, f"{page.url}:\n{describe(found)}"


def test_an_admin_adds_a_taxii_source_in_spanish_on_a_phone(new_page, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True  # no name to resolve in the test
    org = OrganizationFactory(slug="andina-tv", name="Andina TV", kind="rightsholder", country="PE")
    admin = UserFactory(organization=org, role="admin", email="sec@andina.example", language="es")

    page = new_page("phone")
    sign_in(page, admin.email)
    page.get_by_role("button", name="Menú").click()
    page.get_by_role("link", name="Administrar Andina TV").click()
    page.get_by_role("link", name="Fuentes TAXII").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fuentes TAXII")
    no_sideways_scroll(page)
    no_serious_axe_findings(page)

    page.get_by_role("button", name="Agregar una fuente").click()
    page.get_by_label("Nombre", exact=True).fill("Nuestro OpenCTI")
    page.get_by_label("URL de la raíz de la API").fill("https://127.0.0.1:8443/taxii2/root/")
    page.get_by_label("Id de la colección").fill("91a7b528-80eb-42ed-a74d-c6fbd5a26116")
    page.get_by_label("Nombre de usuario").fill("atalaya")
    page.get_by_label("Contraseña o token").fill("clave-de-prueba")
    no_sideways_scroll(page)
    no_serious_axe_findings(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Agregar la fuente").click()

    source = TaxiiSource.objects.get(organization=org)
    assert secrets.decrypt(source.secret_encrypted) == "clave-de-prueba"
    expect(page.locator("main .messages")).to_contain_text("Fuente guardada")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuestro OpenCTI")

    # A poll failed meanwhile: the page says why, and when the next try comes.
    TaxiiSource.objects.filter(pk=source.pk).update(
        last_error="HTTP 401: the server refused the credentials",
        consecutive_failures=1,
        last_polled_at=source.created_at,
        next_poll_at=source.created_at,
    )
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("La última consulta falló:")
    expect(page.get_by_role("alert")).to_contain_text("HTTP 401")
    assert "clave-de-prueba" not in page.content()
    no_sideways_scroll(page)
    no_serious_axe_findings(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=SCREENSHOTS / "taxii-source-es-phone.png", full_page=True, animations="disabled"
    )

    page.get_by_role("button", name="Editar").click()
    expect(page.get_by_label("Contraseña o token")).to_have_value("")  # never sent back
    no_serious_axe_findings(page)
