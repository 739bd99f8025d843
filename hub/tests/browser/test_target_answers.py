"""Answers per target in a real browser, in Spanish at desktop width (issue 14, "also seen"): an
ISP analyst in Lima blocks the domain of an order and declares its URL impossible on the DNS
resolver, each with a tick and one button (htmx swaps the page in place); the issuing
regulator reads on the order's status board "1 de 2 objetivos bloqueados" and why. axe clean."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from enforcement.models import Compliance
from enforcement.tests.factories import order_by
from members.tests.factories import OrganizationFactory, UserFactory

from .steps import BLOCKING_IMPACTS, axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"
DNS_ONLY = "Nuestro resolvedor DNS no permite bloquear URL"


def axe_clean(page, where: str) -> None:
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not found, f"{where} ({page.url}):\n{describe(found)}"


def test_an_isp_analyst_answers_an_order_target_by_target_in_spanish(new_page, authority, coparty):
    OrganizationFactory(slug="otro-isp", kind="telco", country="PE")
    order = order_by(
        authority,
        reference="APIN-BLQ-0077",
        targets=[("domain", "futbol-libre.example"), ("url", "https://futbol-libre.example/vivo")],
    )
    analyst = UserFactory(
        organization=coparty,
        email="analista@isp.example",
        language="es",
        time_zone="America/Lima",
    )
    page = new_page("desktop")
    sign_in(page, analyst.email)
    page.goto(f"/orders/{order.pk}/")
    assert page.locator("html").get_attribute("lang") == "es"
    section = page.locator("section", has=page.get_by_role("heading", name="Objetivo por objetivo"))
    expect(section).to_contain_text("0 de 2 objetivos bloqueados")

    page.get_by_label("Responder sobre futbol-libre.example").check()
    page.get_by_role("button", name="Declarar bloqueados los objetivos marcados").click()

    expect(page.get_by_text("Orden APIN-BLQ-0077: 1 objetivo respondido.")).to_be_visible()
    expect(section).to_contain_text("1 de 2 objetivos bloqueados")
    expect(page.get_by_label("Responder sobre futbol-libre.example")).to_have_count(0)

    page.get_by_label("Responder sobre https://futbol-libre.example/vivo").check()
    page.get_by_role("button", name="Declarar imposibles los objetivos marcados").click()
    expect(page.get_by_text("Indique por qué no se pueden bloquear")).to_be_visible()
    expect(page.get_by_label("Responder sobre https://futbol-libre.example/vivo")).to_be_checked()
    page.get_by_label("Por qué es imposible").select_option(label="Técnicamente imposible")
    page.get_by_label("Por qué, en detalle").fill(DNS_ONLY)
    page.get_by_role("button", name="Declarar imposibles los objetivos marcados").click()

    expect(page.get_by_text("Orden APIN-BLQ-0077: 1 objetivo respondido.")).to_be_visible()
    expect(section).to_contain_text("1 de 2 objetivos bloqueados, 1 imposible")
    expect(section).to_contain_text(f"Imposible Técnicamente imposible: {DNS_ONLY}")
    expect(section.locator(".state").first).to_have_text("Respondida por objetivo")
    row = Compliance.objects.get(order=order, isp=coparty)
    assert row.state == Compliance.State.PER_TARGET
    axe_clean(page, "the ISP's order page, answered target by target")
    # The screenshot shows the answers per target under the header.
    page.evaluate("() => document.getElementById('answer-heading').scrollIntoView()")
    page.screenshot(
        path=SCREENSHOTS / "order-target-answers-es.png",
        type="png",
        full_page=False,
        animations="disabled",
    )

    regulator = UserFactory(organization=authority, email="regulador@apin.example", language="es")
    issuer = new_page("desktop")
    sign_in(issuer, regulator.email)
    issuer.goto(f"/orders/{order.pk}/")
    board = issuer.locator("#status-board")
    mine = board.locator("tr", has_text="coparty")
    expect(mine).to_contain_text("Respondida por objetivo")
    expect(mine).to_contain_text("1 de 2 objetivos bloqueados, 1 imposible")
    expect(mine).to_contain_text(
        f"https://futbol-libre.example/vivo: Técnicamente imposible — {DNS_ONLY}"
    )
    expect(board.locator("tr", has_text="otro-isp")).to_contain_text("0 de 2 objetivos bloqueados")
    axe_clean(issuer, "the issuer's order page with answers per target")
