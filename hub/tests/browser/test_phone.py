"""The portal on a phone (390 by 844) and from the keyboard: nothing scrolls sideways, tables read
as cards, the menu folds behind one button, a skip link comes first, and an htmx swap moves the
focus to what came in or says it through the live region."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from enforcement.models import BlockingOrder
from enforcement.tests.factories import order_by
from hub.demo import DEMO_PASSWORD
from members.tests.factories import UserFactory
from reports.tests.factories import report_by

from .steps import BLOCKING_IMPACTS, axe_violations, describe, sign_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ISP_ANALYST = "analyst@andes-telecom.demo"
SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"

# Cells of a table shown as cards that would show no heading: each card cell must say its own.
UNLABELLED_CELLS = """() => Array.from(document.querySelectorAll(
    "main table:not(.vh, .keep-table) tbody td:not([colspan]):not([data-label])"
  )).map(td => td.closest("table").querySelector("caption, thead")?.textContent.trim())"""


def phone_pages() -> dict[str, str]:
    order = BlockingOrder.objects.get(reference="APIN-BLQ-2026-0101")
    return {
        "dashboard": "/",
        "register": "/transparency/",
        "figures": "/transparency/figures/",
        "orders": "/orders/",
        "status board": f"/orders/{order.pk}/",
        "feeds": "/orders/feeds/",
        "reports": "/reports/",
        "inbox": "/reports/inbox/",
        "agreements": "/members/agreements/",
        "directory": "/members/",
    }


def test_on_a_phone_no_page_scrolls_sideways_and_tables_are_labelled_cards(
    new_page, demo, subtests
):
    page = new_page("phone")
    sign_in(page, ISP_ANALYST, DEMO_PASSWORD)
    for name, path in phone_pages().items():
        with subtests.test(page=name):
            response = page.goto(path)
            assert response is not None and response.ok, f"{path}: {response and response.status}"
            widths = page.evaluate(
                "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
            )
            assert widths[0] <= widths[1], (
                f"{name} is {widths[0]} px wide on a {widths[1]} px screen"
            )
            assert page.evaluate(UNLABELLED_CELLS) == [], f"{name}: cells without a data-label"
            found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
            assert not found, f"{name} at phone width ({page.url}):\n{describe(found)}"


def test_a_table_row_is_a_card_whose_cells_say_their_heading(new_page, demo):
    order = BlockingOrder.objects.get(reference="APIN-BLQ-2026-0101")
    page = new_page("phone")
    sign_in(page, ISP_ANALYST, DEMO_PASSWORD)
    page.goto(f"/orders/{order.pk}/")

    board = page.locator("table.status-board")
    expect(board.locator("thead")).not_to_be_in_viewport()
    first_row = board.locator("tbody tr").first
    assert first_row.evaluate("tr => getComputedStyle(tr).display") == "grid"
    notified = first_row.locator("td[data-label='Notified']")
    assert notified.evaluate("td => getComputedStyle(td, '::before').content") == '"Notified"'

    page.set_viewport_size({"width": 1280, "height": 800})  # a table again on a wide screen
    expect(board.locator("thead")).to_be_visible()
    assert first_row.evaluate("tr => getComputedStyle(tr).display") == "table-row"


def test_on_a_phone_the_menu_is_folded_until_its_button_opens_it(new_page, demo):
    page = new_page("phone")
    sign_in(page, ISP_ANALYST, DEMO_PASSWORD)
    switch_language(page, "pt-br")
    page.goto("/orders/")
    main_nav = page.get_by_role("navigation", name="Principal")
    menu = page.get_by_role("button", name="Menu")

    expect(main_nav).to_be_hidden()
    expect(page.locator("#site-language")).to_be_hidden()
    assert page.locator("main h1").bounding_box()["y"] < 150  # the page starts at the top

    menu.click()
    expect(main_nav.get_by_role("link", name="Ordens de bloqueio")).to_be_visible()
    language = page.locator("#site-language")
    expect(language).to_be_visible()
    expect(language).to_have_value("pt-br")
    box = language.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, "the language picker is cut off"
    # The whole name of the language fits ("Português Brasileiro", not "Português Bra").
    assert language.evaluate(
        """select => {
          const probe = document.createElement("span");
          probe.textContent = select.selectedOptions[0].textContent;
          probe.style.font = getComputedStyle(select).font;
          document.body.append(probe);
          const wide = probe.getBoundingClientRect().width;
          probe.remove();
          const style = getComputedStyle(select);
          const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
          return wide <= select.clientWidth - padding;
        }"""
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "menu-pt-phone.png", type="png", animations="disabled")

    page.keyboard.press("Escape")
    expect(main_nav).to_be_hidden()

    page.set_viewport_size({"width": 1280, "height": 800})  # no button on a wide screen
    expect(menu).to_be_hidden()
    expect(main_nav).to_be_visible()
    expect(page.locator("#site-language")).to_be_visible()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_skip_link_comes_first_and_takes_the_focus_to_main(new_page, demo, viewport):
    page = new_page(viewport)
    sign_in(page, ISP_ANALYST, DEMO_PASSWORD)
    page.goto("/reports/")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).not_to_be_in_viewport()

    page.keyboard.press("Tab")

    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the page's content, not the menu
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_a_filter_sent_moves_the_focus_to_its_results_and_a_changed_one_speaks_them(
    new_page, authority, coparty
):
    order_by(authority, reference="APIN-PHONE-LIVE")
    email = UserFactory(organization=authority, email="analyst@authority.example").email
    page = new_page("phone")
    sign_in(page, email)
    page.goto("/orders/")
    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(page.locator("main #announcer")).to_have_count(0)  # outside what htmx swaps
    page.evaluate("window.__stillTheSamePage = true")

    status = page.get_by_label("Status")
    status.focus()
    status.select_option("lifted")

    expect(page.locator("#order-results").get_by_text("APIN-PHONE-LIVE")).to_have_count(0)
    expect(announcer).to_have_text("0 orders match.")
    expect(status).to_be_focused()  # a change only speaks: the select keeps the focus

    status.select_option("")
    page.get_by_role("button", name="Filter").click()

    results = page.locator("#order-results")
    expect(results.get_by_text("APIN-PHONE-LIVE")).to_have_count(1)
    expect(results.get_by_role("status")).to_be_focused()
    expect(results.get_by_role("status")).to_have_text("1 order matches.")
    assert page.evaluate("window.__stillTheSamePage === true")


def test_the_messages_of_a_page_just_loaded_are_said_through_the_live_region(new_page, owner):
    report = report_by(owner, title="Derby mirror")
    email = UserFactory(organization=owner, email="analyst@owner.example").email
    page = new_page("phone")
    sign_in(page, email)
    page.goto(f"/reports/{report.pk}/")
    expect(page.locator("#announcer")).to_be_empty()

    page.get_by_label("Status", exact=True).select_option("actioned")
    with page.expect_navigation():  # a plain form: the answer is a new page with a message
        page.get_by_role("button", name="Save status").click()

    expect(page.locator("main .messages")).to_have_text("Status changed to actioned.")
    expect(page.locator("#announcer")).to_have_text("Status changed to actioned.")


def test_after_an_answer_sent_with_htmx_the_focus_is_on_its_message(new_page, authority, coparty):
    order_by(authority, reference="APIN-PHONE-ACK")
    email = UserFactory(organization=coparty, email="analyst@isp.example").email
    page = new_page("phone")
    sign_in(page, email)
    page.goto("/orders/")
    page.evaluate("window.__stillTheSamePage = true")

    page.get_by_role("button", name="Acknowledge order APIN-PHONE-ACK").click()

    messages = page.locator("main .messages")
    expect(messages).to_contain_text("APIN-PHONE-ACK")
    expect(messages).to_be_focused()
    assert page.evaluate("window.__stillTheSamePage === true")


def test_on_a_phone_the_menu_button_carries_the_unread_count_and_follows_it(new_page, demo):
    page = new_page("phone")
    sign_in(page, ISP_ANALYST, DEMO_PASSWORD)
    page.goto("/reports/inbox/")
    menu = page.locator("header .menu-toggle")
    expect(menu).to_have_accessible_name(re.compile(r"^Menu \d+ unread$"))

    page.get_by_role("button", name="Mark all as read").click()

    expect(page.locator("#menu-unread")).to_be_hidden()  # with the badge, not at the next page
    expect(menu).to_have_accessible_name("Menu")
