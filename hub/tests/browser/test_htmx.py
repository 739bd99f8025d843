"""htmx in a real browser: answers and filters update the page in place, without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from enforcement import services
from enforcement.models import Compliance
from enforcement.tests.factories import as_actor, order_by
from members.tests.factories import UserFactory
from notifications import fanout
from notifications.models import Event, Notification
from reports import dedup
from reports.tests.factories import agreement_between, report_by

from .steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_isp_acknowledges_an_order_in_place_without_reloading_the_page(
    new_page, authority, coparty
):
    order = order_by(authority, reference="APIN-HTMX-1")
    email = UserFactory(organization=coparty, email="analyst@isp.example").email
    page = new_page("desktop")
    sign_in(page, email)
    page.goto("/orders/")
    # A mark on the window survives an in-place swap and dies with a full page load.
    page.evaluate("window.__stillTheSamePage = true")

    page.get_by_role("button", name="Acknowledge order APIN-HTMX-1").click()

    expect(page.get_by_role("button", name="Acknowledge order APIN-HTMX-1")).to_have_count(0)
    assert page.evaluate("window.__stillTheSamePage === true")
    assert Compliance.objects.get(order=order, isp=coparty).state == "acknowledged"


def test_an_order_filter_swaps_only_the_results_and_pushes_the_address(
    new_page, authority, coparty
):
    order_by(authority, reference="APIN-HTMX-LIVE")
    lifted = order_by(authority, reference="APIN-HTMX-LIFTED")
    services.order_lift(actor=as_actor(authority), order=lifted, targets=None)
    email = UserFactory(organization=authority, email="analyst@authority.example").email
    page = new_page("desktop")
    sign_in(page, email)
    page.goto("/orders/")
    page.evaluate("window.__stillTheSamePage = true")

    page.get_by_label("Status").select_option("lifted")

    expect(page.locator("#order-results").get_by_text("APIN-HTMX-LIVE")).to_have_count(0)
    expect(page.locator("#order-results").get_by_text("APIN-HTMX-LIFTED")).to_have_count(1)
    assert "status=lifted" in page.url
    assert page.evaluate("window.__stillTheSamePage === true")


def test_a_register_filter_swaps_only_the_entries_without_signing_in(new_page, authority, coparty):
    order_by(authority, targets=(("domain", "only-a-name.example"), ("cidr", "192.0.2.0/24")))
    page = new_page("desktop")
    page.goto("/transparency/")
    page.evaluate("window.__stillTheSamePage = true")

    page.get_by_label("Kind").select_option("cidr")

    expect(page.locator("#register-results").get_by_text("only-a-name.example")).to_have_count(0)
    expect(page.locator("#register-results").get_by_text("192.0.2.0/24")).to_have_count(1)
    assert "kind=cidr" in page.url
    assert page.evaluate("window.__stillTheSamePage === true")


def test_marking_inbox_items_read_happens_in_place_and_the_badge_follows_at_once(
    new_page, owner, coparty
):
    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])
    for title in ("Derby mirror", "Ripper site"):
        report_by(owner, title=title)
        event = Event.objects.filter(type="report.shared").latest("pk")
        dedup.link_reports(event.subject_ids)
        fanout.fan_out(event)
    email = UserFactory(organization=coparty, email="viewer@isp.example", role="viewer").email
    page = new_page("desktop")
    sign_in(page, email)
    page.goto("/reports/inbox/")
    badge = page.locator("#unread-badge")
    expect(badge.get_by_label("2 unread")).to_have_count(1)
    page.evaluate("window.__stillTheSamePage = true")

    derby = page.get_by_role("row").filter(has_text="Derby mirror")
    derby.get_by_role("button", name="Mark as read").click()

    expect(derby.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(badge.get_by_label("1 unread")).to_have_count(1)  # long before the 30 s poll
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(badge.locator(".tag")).to_have_count(0)
    assert page.evaluate("window.__stillTheSamePage === true")
    assert not Notification.objects.filter(organization=coparty, read_at__isnull=True).exists()


def test_the_issuer_lifts_a_target_and_sees_an_amendment_error_in_place(
    new_page, authority, coparty
):
    order = order_by(
        authority,
        reference="APIN-HTMX-ISSUER",
        targets=[("domain", "a.example"), ("domain", "b.example")],
    )
    email = UserFactory(organization=authority, email="analyst@authority.example").email
    page = new_page("desktop")
    sign_in(page, email)
    page.goto(f"/orders/{order.pk}/")
    page.evaluate("window.__stillTheSamePage = true")

    page.get_by_label("Lift a.example").check()
    page.get_by_role("button", name="Lift the ticked targets").click()

    main = page.locator("main")
    expect(main.get_by_text("1 target(s) lifted from order APIN-HTMX-ISSUER.")).to_be_visible()
    expect(main.get_by_role("heading", name="Lifted targets (1)")).to_be_visible()
    page.locator("textarea[name=amend-targets]").fill("not a name")
    page.get_by_role("button", name="Add the targets").click()
    expect(main.get_by_text("Line 1 (not a name): not a valid domain name")).to_be_visible()
    assert page.evaluate("window.__stillTheSamePage === true")
    assert order.targets.get(value="a.example").lifted_at is not None
    assert order.targets.count() == 2


# --- refusals and timers across swaps ----------------------------------------------------------


def test_a_403_from_an_htmx_answer_is_shown_in_place_of_the_page(new_page, authority, coparty):
    order = order_by(authority, reference="APIN-HTMX-403")
    analyst = UserFactory(organization=coparty, email="analyst@isp.example")
    page = new_page("desktop")
    sign_in(page, analyst.email)
    page.goto(f"/orders/{order.pk}/")
    page.evaluate("window.__stillTheSamePage = true")
    # While the page is open, an admin makes the analyst a viewer: the page is stale.
    analyst.role = "viewer"
    analyst.save(update_fields=["role"])

    page.get_by_role("button", name="Acknowledge order APIN-HTMX-403").click()

    main = page.locator("main")
    expect(main.get_by_role("heading", name="Read-only access")).to_be_visible()
    expect(main.get_by_role("heading", name="Order APIN-HTMX-403")).to_have_count(0)
    expect(page.locator("main")).to_have_count(1)
    assert page.evaluate("window.__stillTheSamePage === true")
    assert Compliance.objects.get(order=order, isp=coparty).state == "notified"


def test_a_404_for_an_inbox_row_is_a_short_message_not_a_page_inside_the_row(
    new_page, authority, coparty
):
    order = order_by(authority, reference="APIN-HTMX-404")
    fanout.fan_out(Event.objects.get(type="blocking_order.issued", subject_ids=[order.pk]))
    email = UserFactory(organization=coparty, email="viewer@isp.example", role="viewer").email
    page = new_page("desktop")
    sign_in(page, email)
    page.goto("/reports/inbox/")
    page.evaluate("window.__stillTheSamePage = true")
    Notification.objects.filter(organization=coparty).delete()  # gone while the page is open

    page.get_by_role("button", name="Mark as read").click()

    expect(page.locator("main").get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("header")).to_have_count(1)  # no second page shell inside the table
    expect(page.locator("main")).to_have_count(1)
    assert page.evaluate("window.__stillTheSamePage === true")


def test_the_countdown_runs_one_timer_however_often_htmx_swaps_the_page(
    new_page, authority, coparty
):
    order = order_by(
        authority,
        reference="APIN-HTMX-CLOCK",
        targets=[("domain", "a.example"), ("domain", "b.example")],
    )
    email = UserFactory(organization=authority, email="analyst@authority.example").email
    page = new_page("desktop")
    # Every timer the page starts, from its first script on (a new document starts afresh).
    page.add_init_script(
        "window.__timers = []; var setInterval = window.setInterval;"
        "window.setInterval = function (fn, ms) {"
        "  window.__timers.push(ms); return setInterval.apply(window, arguments); };"
    )
    sign_in(page, email)
    page.goto(f"/orders/{order.pk}/")
    clocks = page.locator("main [data-deadline]")
    expect(clocks.first).to_be_visible()
    page.evaluate("window.__stillTheSamePage = true")

    page.get_by_label("Lift a.example").check()
    page.get_by_role("button", name="Lift the ticked targets").click()
    expect(page.get_by_role("heading", name="Lifted targets (1)")).to_be_visible()
    page.locator("textarea[name=amend-targets]").fill("not a name")
    page.get_by_role("button", name="Add the targets").click()
    expect(page.get_by_text("Line 1 (not a name): not a valid domain name")).to_be_visible()

    assert page.evaluate("window.__stillTheSamePage === true")
    assert page.evaluate("window.__timers") == [1000]
    # That one timer writes the clocks swapped in last, not the ones it was started with.
    clocks.first.evaluate("el => { el.textContent = ''; }")
    expect(clocks.first).to_have_text(re.compile(r"left$"))
