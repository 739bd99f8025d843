"""Who may see a report, in Brazilian Portuguese: the owner's "visible to" panel at both widths,
and the report form's warning for a jurisdiction no agreement covers, as it is typed."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from kernel.vocabulary import TLP
from members.models import Agreement
from members.tests.factories import OrganizationFactory, UserFactory
from reports.tests.factories import agreement_between, report_by

from .steps import BLOCKING_IMPACTS, axe_violations, describe, sign_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"


def titled(agreement: Agreement, title: str) -> None:
    Agreement.objects.filter(pk=agreement.pk).update(title=title)


@pytest.fixture
def shared(owner, coparty):
    """The owner shares with the co-party (named) and with a member (not named)."""
    member = OrganizationFactory(
        slug="globo-filmes", name="Globo Filmes", kind="rightsholder", country="PE"
    )
    titled(agreement_between(owner, coparty, jurisdictions=["PE"]), "Esportes ao vivo no Peru")
    titled(
        agreement_between(
            owner, member, jurisdictions=["PE"], max_tlp=TLP.GREEN, share_reporter_identity=False
        ),
        "Filmes e séries",
    )
    return report_by(owner, tlp=TLP.GREEN, title="Clássico retransmitido num espelho")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_owner_reads_who_may_see_its_report_in_portuguese(new_page, owner, shared, viewport):
    email = UserFactory(organization=owner, email="analyst@owner.example").email
    page = new_page(viewport)
    sign_in(page, email)
    switch_language(page, "pt-br")
    page.goto(f"/reports/{shared.pk}/")

    panel = page.locator("section.visible-to")
    expect(panel.get_by_role("heading")).to_have_text("Visível para")
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Coparty")
    expect(rows.nth(0)).to_contain_text("Esportes ao vivo no Peru")
    expect(rows.nth(0)).to_contain_text("revelada")
    expect(rows.nth(1)).to_contain_text("Globo Filmes")
    expect(rows.nth(1)).to_contain_text("Filmes e séries")
    expect(rows.nth(1)).to_contain_text("omitida")
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not found, describe(found)
    panel.scroll_into_view_if_needed()
    panel.screenshot(
        path=SCREENSHOTS / f"report-visible-to-pt-{viewport}.png", animations="disabled"
    )


def test_the_form_warns_of_a_jurisdiction_no_agreement_covers_as_it_is_typed(
    new_page, owner, coparty
):
    agreement_between(owner, coparty, jurisdictions=["PE"])
    email = UserFactory(organization=owner, email="analyst@owner.example").email
    page = new_page()
    sign_in(page, email)
    switch_language(page, "pt-br")
    page.goto("/reports/new/")
    warnings = page.locator("#coverage-warnings")
    jurisdictions = page.locator("#id_jurisdictions")

    jurisdictions.fill("BR")
    expect(warnings).to_have_text(
        "Nenhum acordo cobre BR: nenhum membro além da sua organização verá esta denúncia."
    )
    jurisdictions.fill("PE, BR")
    expect(warnings).to_have_text(
        "Nenhum acordo cobre BR: a denúncia chega apenas às partes dos acordos que cobrem PE."
    )
    jurisdictions.fill("PE")
    expect(warnings).to_be_empty()
    jurisdictions.fill("BR")
    page.locator("#id_tlp").select_option(str(TLP.CLEAR.value))
    expect(warnings).to_be_empty()  # TLP:CLEAR reaches every member
