"""Where people look, in Spanish, in Chromium: the search box in the header of every page (in
the bar on a desktop, in the menu's panel on a phone), the targets list and its download, the
order check's table at a desktop's width with the button that removes the refused lines, and
the status board that refreshes itself."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from enforcement import services
from enforcement.models import ProtectedEntry
from enforcement.tests.factories import as_actor, order_by
from members.tests.factories import UserFactory
from reports import dedup
from reports.tests.factories import report_by

from .steps import BLOCKING_IMPACTS, axe_violations, describe, sign_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"
SEARCH_LABEL = "Buscar reportes, objetivos, acuerdos y órdenes"


def assert_axe_clean(page, where: str) -> None:
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not found, f"{where} ({page.url}):\n{describe(found)}"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_header_search_box_finds_a_report_from_any_page_in_spanish(new_page, owner, viewport):
    report = report_by(owner, title="Fútbol Libre espejo", indicators=[("domain", "fl.example")])
    dedup.link_reports([report.pk])
    email = UserFactory(organization=owner, email=f"analista-{viewport}@owner.example").email
    page = new_page(viewport)
    sign_in(page, email)
    switch_language(page, "es")
    page.goto("/reports/sharing/")  # a page with no search of its own
    box = page.get_by_role("searchbox", name=SEARCH_LABEL)

    if viewport == "phone":
        expect(box).to_be_hidden()  # folded with the menu, so the page starts at its heading
        page.get_by_role("button", name="Menú").click()
    expect(box).to_be_visible()
    edge = box.bounding_box()
    assert edge["x"] >= 0 and edge["x"] + edge["width"] <= page.viewport_size["width"]
    assert page.locator("header").get_by_role("button", name="Buscar").is_visible()
    assert_axe_clean(page, f"the header's search at {viewport} width")
    if viewport == "phone":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "search-menu-es-phone.png", animations="disabled")

    box.fill("Fútbol")
    with page.expect_navigation():
        box.press("Enter")

    assert "/search/?q=F%C3%BAtbol" in page.url
    expect(page.locator("main").get_by_role("link", name="Fútbol Libre espejo")).to_be_visible()
    assert_axe_clean(page, f"the search results at {viewport} width")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_targets_list_filters_in_place_and_offers_what_it_shows_as_csv(
    new_page, owner, viewport
):
    reports = [
        report_by(owner, title="Mirrors", indicators=[("domain", "mirror-a.example")]),
        report_by(owner, title="Live", indicators=[("url", "https://live.example/tv")]),
    ]
    dedup.link_reports([r.pk for r in reports])
    email = UserFactory(organization=owner, email=f"targets-{viewport}@owner.example").email
    page = new_page(viewport)
    sign_in(page, email)
    switch_language(page, "es")
    page.goto("/reports/")
    page.get_by_role("link", name="Sus objetivos, uno por uno").click()
    expect(page.locator("h1")).to_have_text("Objetivos")

    page.get_by_label("Tipo").select_option("url")

    results = page.locator("#target-results")
    expect(results.get_by_text("live.example/tv")).to_be_visible()
    expect(results.get_by_text("mirror-a.example")).to_have_count(0)
    download = results.get_by_role("link", name="Descargar este objetivo en CSV")
    href = download.get_attribute("href")
    assert href.startswith("/reports/targets/export.csv?") and "kind=url" in href
    assert_axe_clean(page, f"the targets list at {viewport} width")
    if viewport == "desktop":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "targets-es.png", animations="disabled")
    with page.expect_download() as caught:
        download.click()
    assert caught.value.suggested_filename.startswith("atalaya-targets-")
    text = caught.value.path().read_text(encoding="utf-8-sig")
    assert "https://live.example/tv" in text and "mirror-a.example" not in text


def test_the_order_check_reads_whole_at_desktop_width_and_drops_the_refused_lines(
    new_page, authority, coparty
):
    # A transactional test starts from an empty table: the seeded protected list is gone.
    ProtectedEntry.objects.get_or_create(
        kind="network", value="104.16.0.0/13", defaults={"provider": "Cloudflare"}
    )
    email = UserFactory(organization=authority, email="analista@authority.example").email
    page = new_page("desktop")
    sign_in(page, email)
    switch_language(page, "es")
    page.goto("/orders/new/")
    targets = page.locator("textarea[name=targets]")
    targets.fill("futbol-libre.example\n104.16.1.1\n198.51.100.7\n104.16.9.9")

    page.get_by_role("button", name="Verificar objetivos").click()

    table = page.locator(".check-results table")
    expect(table).to_be_visible()
    # Wider than the form's 44rem, and nothing hidden behind a sideways scroll.
    assert table.evaluate("t => t.getBoundingClientRect().width") > 44 * 16
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    assert_axe_clean(page, "the order check")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".check-results").screenshot(
        path=SCREENSHOTS / "order-check-es.png", animations="disabled"
    )

    page.get_by_role("button", name="Quitar los 2 objetivos rechazados").click()

    expect(page.locator("textarea[name=targets]")).to_have_value(
        "futbol-libre.example\n198.51.100.7"
    )
    expect(page.locator(".check-results")).to_contain_text("ninguno en la lista protegida")
    expect(page.get_by_role("button", name="Quitar los 2 objetivos rechazados")).to_have_count(0)


def test_the_status_board_shows_an_answer_when_the_tab_comes_back(new_page, authority, coparty):
    order = order_by(authority, reference="CDA-BOARD-1")
    email = UserFactory(organization=authority, email="tablero@authority.example").email
    page = new_page("desktop")
    sign_in(page, email)
    page.goto(f"/orders/{order.pk}/")
    page.evaluate("window.__stillTheSamePage = true")
    board = page.locator("#status-board")
    expect(board).to_contain_text("Notified")

    services.compliance_acknowledge(actor=as_actor(coparty), order=order)
    # What site.js fires when a hidden tab is shown again: the board asks at once.
    page.evaluate("document.dispatchEvent(new CustomEvent('page-visible'))")

    expect(board.locator("tbody tr").first).to_contain_text("Acknowledged")
    assert page.evaluate("window.__stillTheSamePage === true")
    assert page.evaluate("document.activeElement === document.body")  # the focus stays put
