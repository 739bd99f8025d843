"""Screenshots of the main pages for the documentation (docs/screenshots/), taken on the demo
coalition as one of its ISPs' analysts sees it, at desktop and phone widths, in English and
in Spanish: `<page>-<language>-<desktop|phone>.png`. Rerun this test to refresh them;
`SCREENSHOT_PAGES=report,target` (names of `pages` below) refreshes only those."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from enforcement.models import BlockingOrder
from hub.demo import DEMO_PASSWORD
from reports.models import Report, Target

from .conftest import VIEWPORTS
from .steps import sign_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"
LANGUAGES = ["en", "es"]


def test_screenshots_of_the_main_pages_in_english_and_spanish_at_two_widths(new_page, demo):
    report = Report.objects.get(title="Derby restreamed on a mirror network")
    order = BlockingOrder.objects.get(reference="APIN-BLQ-2026-0101")
    target = Target.objects.get(kind="domain", value="futbol-libre-demo.example")
    pages = {
        "home": "/",
        "reports": "/reports/",
        "report": f"/reports/{report.pk}/",
        "submit": "/reports/new/",
        "import": "/reports/import/",
        "inbox": "/reports/inbox/",
        "orders": "/orders/",
        "order": f"/orders/{order.pk}/",
        "transparency": "/transparency/",
        "target": f"/reports/targets/{target.uid}/",
    }
    # Only the pages a change touched, when named: the others stay as they were.
    only = {name for name in os.environ.get("SCREENSHOT_PAGES", "").split(",") if name}
    pages = {name: path for name, path in pages.items() if not only or name in only}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, "analyst@andes-telecom.demo", DEMO_PASSWORD)
    written = []
    for language in LANGUAGES:
        if page.locator("html").get_attribute("lang") != language:
            switch_language(page, language)
        for viewport, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            for name, path in pages.items():
                response = page.goto(path)
                assert response is not None and response.ok, f"{path}: {response.status}"
                assert page.locator("html").get_attribute("lang") == language
                target = SCREENSHOTS / f"{name}-{language}-{viewport}.png"
                page.screenshot(path=target, type="png", full_page=False, animations="disabled")
                written.append(target)
    assert all(p.stat().st_size > 10_000 for p in written), "a screenshot came out blank"
