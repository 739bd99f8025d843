"""Deadlines first, in a real browser (issue 14, items 4 and 5): on a phone, an ISP analyst in
Lima reading Spanish finds the order due in 29 minutes as the first thing under the header, its
clock ticking; at desktop width a regulator finds its unblock requests in the menu with their
count, on its dashboard with their 7-day clock, and its inbox item opens the request itself."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enforcement import unblock
from enforcement.models import UnblockReview
from enforcement.tests.factories import order_by
from members.tests.factories import UserFactory
from notifications.models import Event
from notifications.tasks import process_event

from .steps import BLOCKING_IMPACTS, axe_violations, describe, path_of, sign_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def deliver() -> None:
    """What the worker would do with the events waiting: the inbox items."""
    for pk in (
        Event.objects.filter(processed_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    ):
        process_event.apply(args=[pk], throw=True)


def axe_clean(page, where: str) -> None:
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not found, f"{where} ({page.url}):\n{describe(found)}"


def test_on_a_phone_the_order_due_in_29_minutes_is_first_under_the_header_in_spanish(
    new_page, authority, coparty
):
    order_by(
        authority,
        reference="APIN-BLQ-0042",
        deadline=timezone.now() + timedelta(minutes=29, seconds=40),
    )
    order_by(authority, reference="APIN-BLQ-0043", deadline=timezone.now() + timedelta(hours=5))
    email = UserFactory(organization=coparty, email="analista@isp.example").email
    page = new_page("phone")
    sign_in(page, email)
    switch_language(page, "es")

    page.goto("/")

    banner = page.locator("section.due-banner")
    expect(banner).to_contain_text(
        "Plazo en menos de 2 horas o ya vencido: 1 orden de bloqueo por implementar."
    )
    expect(banner).to_contain_text("APIN-BLQ-0042")
    expect(banner).not_to_contain_text("APIN-BLQ-0043")
    # The first element of the page's content, right under the header, on the first screen.
    first = page.evaluate("() => document.querySelector('main').firstElementChild.className")
    assert first == "due-banner"
    header = page.locator("header.top").bounding_box()
    box = banner.bounding_box()
    assert header and box
    assert 0 <= box["y"] - (header["y"] + header["height"]) < 40
    assert box["y"] + box["height"] <= 844
    # The clock ticks in Spanish (site.js, from the page's words).
    clock = banner.locator("time.countdown")
    expect(clock).to_have_text(re.compile(r"^quedan 2[89] min$"))
    page.evaluate(
        "() => { const c = document.querySelector('.due-banner time');"
        " c.setAttribute('data-deadline', new Date(Date.now() - 90000).toISOString()); }"
    )
    expect(clock).to_have_text("vencido hace 1 min")
    expect(clock).to_have_class(re.compile(r"\boverdue\b"))
    axe_clean(page, "the dashboard with its banner at phone width")


def test_the_regulator_finds_its_unblock_queue_in_the_menu_the_dashboard_and_the_inbox(
    new_page, authority, coparty
):
    order_by(authority, reference="APIN-BLQ-0042")
    unblock.request_submit(
        data=unblock.UnblockInput(
            name="Ana Site-Owner",
            email="ana@site.example",
            value="pirate-streams.example",
            message="This is my cooking blog; it has nothing to do with football.",
        )
    )
    review = UnblockReview.objects.get()
    deliver()
    email = UserFactory(organization=authority, email="analista@regulador.example").email
    page = new_page("desktop")
    sign_in(page, email)
    switch_language(page, "es")

    page.goto("/reports/")
    link = page.locator("#nav-unblock")
    expect(link).to_have_accessible_name(re.compile(r"Solicitudes de desbloqueo\s*\(1 abierta\)"))
    expect(link.locator(".tag")).to_have_text("1")

    page.goto("/")
    card = page.locator("section", has=page.locator("#dash-unblock"))
    expect(card).to_contain_text("Solicitudes de desbloqueo por responder")
    expect(card).to_contain_text("1 solicitud abierta")
    expect(card.locator("time.countdown")).to_have_text("quedan 6 días")
    axe_clean(page, "the regulator's dashboard at desktop width")

    link.click()
    assert path_of(page) == "/orders/unblock-requests/"

    page.goto("/reports/inbox/")
    item = page.get_by_role("link", name=re.compile("solicitud de desbloqueo de pirate-streams"))
    expect(item).to_have_text("APIN-BLQ-0042 · solicitud de desbloqueo de pirate-streams.example")
    item.click()
    assert path_of(page) == f"/orders/unblock-requests/{review.pk}/"
    expect(page.locator("main")).to_contain_text("pirate-streams.example")
