"""The report form's paste box in a real browser, in Spanish, as the ISP analyst in Lima of issue
14 would use it during a match: mirrors pasted at once, one of them mistyped. The report goes out
with the others; the mistyped line comes back on the next page as typed, with its error in
Spanish, is corrected there and appended. Axe is clean on both pages and on a sheet's preview,
at desktop and phone widths; docs/screenshots/paste-box-es-*.png show the line brought back."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from members.tests.factories import UserFactory
from reports.models import Report

from .steps import BLOCKING_IMPACTS, axe_violations, describe, path_of, sign_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"

PASTED = """https://fulbito-libre.example/en-vivo
fulbito-libre.example
203.0.113.7
exampl..com
url,https://cdn.fulbito.example/hd,respaldo en HD"""


def no_serious_violations(page, where: str) -> None:
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not found, f"{where} ({page.url}):\n{describe(found)}"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_analyst_pastes_mirrors_in_spanish_and_corrects_the_one_mistyped(
    new_page, owner, viewport
):
    analyst = UserFactory(organization=owner, email="analista@owner.example")
    page = new_page(viewport)
    sign_in(page, analyst.email)
    switch_language(page, "es")
    page.goto("/reports/new/")

    page.locator("select[name=category]").select_option("live_sports")
    page.locator("input[name=title]").fill("Clásico en vivo: espejos")
    page.locator("input[name=jurisdictions]").fill("PE")
    paste = page.get_by_label("Pegar indicadores")
    paste.fill(PASTED)
    page.get_by_role("button", name="Enviar reporte").click()

    # Submitted with the four lines read; the fifth is back in the box, as typed, with its error.
    expect(page).to_have_url(re.compile(r"/reports/\d+/add/$"))
    report = Report.objects.get()
    assert [i.value for i in report.indicators.all()] == [
        "https://fulbito-libre.example/en-vivo",
        "fulbito-libre.example",
        "203.0.113.7",
        "https://cdn.fulbito.example/hd",
    ]
    assert report.indicators.get(position=3).note == "respaldo en HD"
    expect(page.locator("main")).to_contain_text(f"Reporte n.º {report.pk} enviado.")
    expect(page.locator("main")).to_contain_text("1 línea pegada no se pudo leer")
    paste = page.get_by_label("Pegar indicadores")
    expect(paste).to_have_value("exampl..com")
    expect(paste).to_have_attribute("aria-invalid", "true")
    error = page.locator("#id_paste-lines_error .error")
    expect(error).to_contain_text("Línea 1 (exampl..com): ")
    expect(error).to_contain_text("no es un nombre de dominio válido")
    no_serious_violations(page, f"the add page with an error, {viewport}")
    error.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / f"paste-box-es-{viewport}.png", animations="disabled")

    paste.fill("example.com")
    page.get_by_role("button", name="Agregar al reporte").click()
    expect(page).to_have_url(re.compile(rf"/reports/{report.pk}/$"))
    expect(page.locator("main")).to_contain_text("Se agregó 1 indicador al reporte.")
    expect(page.locator("main table")).to_contain_text("example.com")
    expect(page.locator("main table")).to_contain_text("respaldo en HD")
    assert report.indicators.count() == 5
    assert path_of(page) == f"/reports/{report.pk}/"

    page.goto("/reports/new/")
    no_serious_violations(page, f"the report form, {viewport}")

    # The sheet import, from the form's link: its preview of a good row and a bad one.
    page.get_by_role("link", name=re.compile("Impórtelos desde una hoja de cálculo")).click()
    page.get_by_label("O pegue las filas").fill(
        "title;category;indicators\nFinal;live_sports;final.example\nSemi;fútbol;semi.example\n"
    )
    page.get_by_role("button", name="Revisar la hoja").click()
    expect(page.locator("main [role=status]")).to_contain_text("1 fila lista")
    expect(page.locator("main table")).to_contain_text("Categoría desconocida: fútbol")
    expect(page.get_by_role("button", name="Enviar 1 reporte")).to_be_visible()
    no_serious_violations(page, f"the sheet's preview, {viewport}")
