"""The reviewed words in a real browser (issue 14), as the ISP analyst in Lima (Spanish) and the
rightsholder admin in São Paulo (Brazilian Portuguese) read them: the menu's words, target kinds
and API scopes by their labels, the maximum TLP, dates with their month in lower case, and
"none" where Portuguese would have said "0 denúncia"."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from members.models import User
from members.tests.factories import UserFactory, make_key
from reports import dedup
from reports.tests.factories import agreement_between, report_by

from .steps import BLOCKING_IMPACTS, axe_violations, describe, sign_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_axe_clean(page, where: str) -> None:
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not found, f"{where} ({page.url}):\n{describe(found)}"


def test_the_rightsholder_admin_reads_portuguese_words_not_machine_values(new_page, owner, coparty):
    agreement = agreement_between(owner, coparty, effective_from=datetime.date(2026, 1, 7))
    ours = report_by(owner, title="Espelho do jogo", indicators=[("ipv4", "203.0.113.7")])
    theirs = report_by(coparty, title="O mesmo IP", indicators=[("ipv4", "203.0.113.7")])
    dedup.link_reports([ours.pk, theirs.pk])
    admin = UserFactory(organization=owner, role=User.Role.ADMIN, email="ana@owner.example")
    page = new_page("desktop")
    sign_in(page, admin.email)
    switch_language(page, "pt-br")

    page.goto("/")
    expect(page.locator("header")).to_contain_text("Compartilhamento")
    expect(page.locator("header a.who")).to_have_attribute("title", "Minha conta")
    corroborated = page.locator("section[aria-labelledby=dash-corroborated]")
    expect(corroborated).to_contain_text("Endereço IPv4")
    expect(corroborated.locator("small", has_text=re.compile(r"^ipv4$"))).to_have_count(0)
    assert_axe_clean(page, "the Portuguese dashboard")

    page.goto(f"/members/agreements/{agreement.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("TLP máximo")
    expect(main).to_contain_text("a partir de 7 de janeiro de 2026")
    expect(main).not_to_contain_text("Janeiro")


def test_the_spanish_isp_analyst_reads_labels_and_the_feeds(new_page, owner, coparty):
    make_key(coparty, scopes=("read", "write"))
    admin = UserFactory(organization=coparty, role=User.Role.ADMIN, email="luis@coparty.example")
    page = new_page("desktop")
    sign_in(page, admin.email)
    switch_language(page, "es")

    page.goto("/members/manage/")
    expect(page.locator("main")).to_contain_text("Lectura, Escritura")
    expect(page.locator("main")).not_to_contain_text("read, write")
    expect(page.locator("header")).to_contain_text("Uso compartido")

    page.goto("/orders/feeds/")
    expect(page.locator("h1")).to_contain_text("Feeds de la lista de bloqueo")
    expect(page.locator("main")).to_contain_text("permiso “Lectura”")
    assert_axe_clean(page, "the Spanish feeds page")


def test_nothing_shared_reads_as_none_in_portuguese(new_page, owner, outsider):
    report_by(owner, title="Não para o outsider")
    person = UserFactory(organization=outsider, email="bia@outsider.example")
    page = new_page("phone")
    sign_in(page, person.email)
    switch_language(page, "pt-br")

    page.goto("/")
    figure = page.locator("#dash-new-count")
    expect(figure).to_contain_text("Nenhuma denúncia compartilhada com você desde")
    expect(page.locator("#dash-unread")).to_have_text(
        "Nenhum item não lido na sua caixa de entrada"
    )
    expect(page.locator("main")).not_to_contain_text("0 denúncia")

    page.goto("/reports/?q=nada-corresponde")
    expect(page.locator("#report-results [role=status]")).to_have_text("Denúncias encontradas: 0.")
