"""The time zone in a real browser: Chromium set to São Paulo and Brazilian Portuguese, as the
rightsholder admin of issue 14 was. Signing in gives the person the browser's zone (site.js
fills the sign-in form's hidden field from Intl), every time on the pages says it, a match typed
as 19:00 is 19:00 there (22:00 UTC), and the public register still reads in UTC."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from members.models import Organization, User
from members.tests.factories import OrganizationFactory, UserFactory
from reports.forms import INDICATOR_PREFIX
from reports.models import Report

from .conftest import STEP_TIMEOUT_MS, VIEWPORTS, CSPWatch
from .steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sao_paulo_page(browser, live_server) -> Iterator:
    """A page in a browser that lives in São Paulo and speaks Brazilian Portuguese, failing the
    test on any Content-Security-Policy refusal, as `new_page` does."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORTS["desktop"],
        locale="pt-BR",
        timezone_id="America/Sao_Paulo",
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    csp = CSPWatch()
    csp.watch(context, live_server.url)
    yield context.new_page()
    context.close()
    problems = csp.problems()
    if problems:
        pytest.fail(f"Content-Security-Policy:\n{problems}", pytrace=False)


@pytest.fixture
def league(db) -> Organization:
    return OrganizationFactory(slug="liga-br", kind="rightsholder", country="BR")


@pytest.fixture
def analyst(league) -> User:
    """Never signed in: no zone yet, no language of their own (the browser's applies)."""
    return UserFactory(organization=league, role="analyst", email="ana@liga-br.example")


def test_signing_in_takes_the_browsers_zone_and_the_pages_show_it(sao_paulo_page, analyst):
    page = sao_paulo_page
    page.goto("/accounts/login/")
    expect(page.locator("input[name=time_zone]")).to_have_value("America/Sao_Paulo")

    sign_in(page, analyst.email)

    analyst.refresh_from_db()
    assert analyst.time_zone == "America/Sao_Paulo"
    expect(page.locator("main .messages")).to_contain_text(
        "fuso horário do seu navegador, America/Sao Paulo (UTC-3)"
    )

    # A match tonight at 19:00, typed as a person in São Paulo types it.
    page.goto("/reports/new/")
    page.locator("select[name=category]").select_option("live_sports")
    page.locator("input[name=title]").fill("Final: restream ao vivo")
    page.locator("input[name=jurisdictions]").fill("BR")
    page.locator(f"[name='{INDICATOR_PREFIX}-0-kind']").select_option("domain")
    page.locator(f"[name='{INDICATOR_PREFIX}-0-value']").fill("final-ao-vivo.example")
    expect(page.locator("#id_live_from_helptext")).to_contain_text(
        "Fuso horário: America/Sao Paulo (UTC-3)."
    )
    page.locator("input[name=live_from]").fill("2026-12-13T19:00")
    page.locator("input[name=live_until]").fill("2026-12-13T21:00")
    with page.expect_navigation():
        page.locator("main button[type=submit]:not([name])").click()

    report = Report.objects.get(title="Final: restream ao vivo")
    assert report.live_from == datetime(2026, 12, 13, 22, 0, tzinfo=UTC)
    page.goto(f"/reports/{report.pk}/")
    live = page.locator("dd", has=page.locator("time")).first
    expect(live).to_contain_text("13/12/2026 19:00\u00a0UTC-3")
    expect(live).to_contain_text("13/12/2026 21:00\u00a0UTC-3")

    # The public register is the same for everyone: UTC, whatever the browser or the person.
    page.goto("/transparency/")
    expect(page.locator("main")).to_contain_text("Horários em UTC.")
    expect(page.locator("main")).not_to_contain_text("UTC-3")
