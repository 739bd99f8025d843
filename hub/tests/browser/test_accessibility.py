"""Accessibility of the portal's main pages: axe-core's WCAG 2 A/AA rules, run in Chromium on
the demo coalition's pages. A serious or critical violation fails, with axe's own account of
it (rule, elements, what to fix) in the message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from enforcement.models import BlockingOrder
from hub.demo import DEMO_PASSWORD
from reports.forms import INDICATOR_PREFIX
from reports.models import Report

from .steps import BLOCKING_IMPACTS, axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Violations known and not yet fixed, as (page, axe rule id): why. Kept strict, like an
# xfail(strict=True): a listed violation that no longer occurs fails the test until removed.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}

ISP_ANALYST = "analyst@andes-telecom.demo"


def _submit_with_an_invalid_indicator(page) -> None:
    page.goto("/reports/new/")
    page.locator("input[name=title]").fill("A title")
    page.locator(f"[name='{INDICATOR_PREFIX}-0-kind']").select_option("domain")
    page.locator(f"[name='{INDICATOR_PREFIX}-0-value']").fill("not a domain")
    with page.expect_navigation():
        page.locator("main button[type=submit]:not([name])").click()
    expect(page.locator("main [role=alert]").first).to_be_visible()


@dataclass(frozen=True)
class PortalPage:
    name: str
    signed_in: bool
    visit: Callable


def main_pages() -> list[PortalPage]:
    report = Report.objects.get(title="Derby restreamed on a mirror network")
    order = BlockingOrder.objects.get(reference="APIN-BLQ-2026-0101")

    def go(path: str) -> Callable:
        def visit(page) -> None:
            response = page.goto(path)
            assert response is not None and response.ok, f"{path}: {response and response.status}"

        return visit

    return [
        PortalPage("sign-in", False, go("/accounts/login/")),
        PortalPage("home", True, go("/")),
        PortalPage("reports", True, go("/reports/")),
        PortalPage("report", True, go(f"/reports/{report.pk}/")),
        PortalPage("submit", True, go("/reports/new/")),
        PortalPage("submit-with-errors", True, _submit_with_an_invalid_indicator),
        PortalPage("inbox", True, go("/reports/inbox/")),
        PortalPage("orders", True, go("/orders/")),
        PortalPage("order", True, go(f"/orders/{order.pk}/")),
        PortalPage("transparency", False, go("/transparency/")),
    ]


def test_the_main_pages_have_no_serious_or_critical_wcag_violations(new_page, demo, subtests):
    anonymous, member = new_page(), new_page()
    sign_in(member, ISP_ANALYST, DEMO_PASSWORD)
    for spec in main_pages():
        with subtests.test(page=spec.name):
            page = member if spec.signed_in else anonymous
            spec.visit(page)
            found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
            known = {rule for (name, rule) in KNOWN_VIOLATIONS if name == spec.name}
            unexpected = [v for v in found if v["id"] not in known]
            assert not unexpected, f"{spec.name} ({page.url}):\n{describe(unexpected)}"
            gone = known - {v["id"] for v in found}
            assert not gone, f"{spec.name}: {sorted(gone)} no longer occur; drop them from KNOWN"
