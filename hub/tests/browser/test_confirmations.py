"""A second look before a final action, in a real browser and in Brazilian Portuguese: the
rightsholder admin in São Paulo of issue 14 terminates an agreement. The button opens a page
that says what will happen; "Cancelar" changes nothing; the second button does it. No script
is needed for it, and the page is axe-clean at desktop and phone widths."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from kernel.vocabulary import TLP
from members import services
from members.models import Agreement, Organization
from members.services import Actor
from members.tests.factories import OrganizationFactory, UserFactory

from .conftest import VIEWPORTS
from .steps import BLOCKING_IMPACTS, axe_violations, describe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"


@pytest.fixture
def league(db) -> Organization:
    return OrganizationFactory(slug="liga-br", kind="rightsholder", country="BR")


@pytest.fixture
def agreement(league) -> Agreement:
    telco = OrganizationFactory(slug="telco-br", kind="telco", country="BR")
    proposer = UserFactory(organization=league, role="admin")
    made = services.agreement_propose(
        actor=Actor(user=proposer),
        title="Futebol ao vivo no Brasil",
        parties=[telco],
        categories=["live_sports"],
        jurisdictions=["BR"],
        max_tlp=TLP.AMBER,
    )
    signer = UserFactory(organization=telco, role="admin")
    return services.agreement_sign(actor=Actor(user=signer), agreement=made)


def test_terminating_an_agreement_asks_first_in_portuguese(new_page, league, agreement):
    admin = UserFactory(
        organization=league,
        role="admin",
        email="admin@liga-br.example",
        language="pt-br",
        time_zone="America/Sao_Paulo",
    )
    page = new_page("desktop")
    sign_in(page, admin.email)
    page.goto(f"/members/agreements/{agreement.pk}/")
    assert page.locator("html").get_attribute("lang") == "pt-br"

    page.get_by_role("button", name="Encerrar este acordo").click()

    question = page.get_by_role("heading", name="Encerrar “Futebol ao vivo no Brasil”?")
    expect(question).to_be_visible()
    expect(page.get_by_text("O encerramento é definitivo")).to_be_visible()
    for viewport in ("desktop", "phone"):
        page.set_viewport_size(VIEWPORTS[viewport])
        found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
        assert not found, f"the confirmation at {viewport} width:\n{describe(found)}"
        page.screenshot(
            path=SCREENSHOTS / f"confirm-terminate-pt-{viewport}.png",
            type="png",
            full_page=False,
            animations="disabled",
        )
    page.set_viewport_size(VIEWPORTS["desktop"])

    page.get_by_role("link", name="Cancelar: não alterar nada").click()

    expect(page.get_by_role("heading", name="Futebol ao vivo no Brasil")).to_be_visible()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE

    page.get_by_role("button", name="Encerrar este acordo").click()
    page.get_by_role("button", name="Encerrar o acordo").click()

    expect(
        page.get_by_text("Encerrado. Nada mais é compartilhado sob este acordo.")
    ).to_be_visible()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    expect(page.get_by_role("button", name="Encerrar este acordo")).to_have_count(0)
