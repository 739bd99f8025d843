"""The portal's words read as a native speaker would write them (issue 14): dates one way per
language (months in lower case in Spanish and Portuguese, English short dates in ISO 8601, never
a bare ISO date for people elsewhere), no machine value where a person reads (API scopes,
indicator kinds), no "0 denúncia" for nothing, and labelled filters. The actors: an owner that
reports, a co-party that shares with it, an outsider with nothing shared."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import formats, translation

from members.models import User
from members.selectors import agreement_terms
from members.tests.factories import UserFactory, make_key
from reports import dedup
from reports.api.filters import ReportFilter
from reports.models import Report
from reports.tests.factories import agreement_between, report_by

ROOT = Path(__file__).resolve().parents[2]
APPS = ["kernel", "notifications", "hub", "members", "reports", "enforcement"]
DAY = datetime.date(2026, 12, 7)


def page(client, person, path: str) -> str:
    client.force_login(person)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("language", "long_date", "weekday"),
    [
        ("pt-br", "7 de dezembro de 2026", "segunda-feira"),
        ("es", "7 de diciembre de 2026", "lunes"),
    ],
)
def test_a_long_date_writes_its_month_and_weekday_in_lower_case(language, long_date, weekday):
    with translation.override(language):
        assert formats.date_format(DAY, "DATE_FORMAT") == long_date
        assert formats.date_format(DAY, "l") == weekday


@pytest.mark.parametrize("language", ["pt-br", "es"])
def test_a_short_date_is_the_locales_day_month_year(language):
    with translation.override(language):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "07/12/2026"


def test_an_english_short_date_is_iso_so_no_reader_takes_december_for_july():
    moment = datetime.datetime(2026, 12, 7, 19, 0)
    with translation.override("en"):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "2026-12-07"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "2026-12-07 19:00"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "Dec. 7, 2026, 19:00"


def test_no_template_prints_an_iso_date_for_people():
    """ISO 8601 belongs in machine attributes (`<time datetime=...>`), CSV and the API; a
    person reads the locale's short date (`SHORT_DATE_FORMAT`, `SHORT_DATETIME_FORMAT`)."""
    iso = re.compile(r"\|(?:date|zoned):([\"'])Y-m-d[^\"']*\1")
    offenders = []
    for app in APPS:
        for template in sorted((ROOT / app / "templates").rglob("*.html")):
            for number, line in enumerate(template.read_text().splitlines(), 1):
                machine = re.sub(r'datetime="[^"]*"', "", line)
                if iso.search(machine):
                    offenders.append(f"{template.relative_to(ROOT)}:{number}")
    assert not offenders, f"ISO dates shown to people (use SHORT_DATE_FORMAT): {offenders}"


@pytest.mark.django_db
def test_an_agreement_signed_for_later_says_so_in_the_readers_language(owner, coparty):
    agreement = agreement_between(owner, coparty, effective_from=DAY)

    with translation.override("es"):
        terms = agreement_terms(agreement, today=DAY - datetime.timedelta(days=3))

    assert terms.status == "Firmado; en vigor desde el 07/12/2026"


# ---------------------------------------------------------------------------- no machine words


@pytest.mark.django_db
def test_the_dashboard_names_target_kinds_in_the_readers_language(client, owner, coparty):
    agreement_between(owner, coparty)
    ours = report_by(owner, indicators=[("ipv4", "203.0.113.7")])
    theirs = report_by(coparty, indicators=[("ipv4", "203.0.113.7")])
    dedup.link_reports([ours.pk, theirs.pk])
    analyst = UserFactory(organization=coparty, language="pt-br")

    html = page(client, analyst, "/")

    assert "Alvos corroborados" in html
    assert "<small>Endereço IPv4</small>" in html
    assert "<small>ipv4</small>" not in html


@pytest.mark.django_db
def test_the_manage_page_names_api_key_scopes_in_the_readers_language(client, owner):
    make_key(owner, scopes=("read", "write"))
    admin = UserFactory(organization=owner, role=User.Role.ADMIN, language="es")

    html = page(client, admin, "/members/manage/")

    assert "Lectura, Escritura" in html
    assert "read, write" not in html


def test_the_apis_report_filters_are_labelled_for_the_browsable_form():
    with translation.override("es"):
        labels = {name: str(field.label) for name, field in ReportFilter().form.fields.items()}

    assert labels["category"] == "Categoría"
    assert labels["tlp"] == "TLP"
    assert labels["status"] == "Estado"
    assert labels["updated_after"] == "Actualizado después de"


# ---------------------------------------------------------------------------- nothing is none


@pytest.mark.django_db
def test_an_outsiders_dashboard_says_none_rather_than_zero_in_portuguese(client, owner, outsider):
    report_by(owner, title="Not for the outsider")
    person = UserFactory(organization=outsider, language="pt-br")

    html = page(client, person, "/")

    assert "<strong>Nenhuma</strong> denúncia compartilhada com você desde" in html
    assert "Nenhum item não lido na sua caixa de entrada" in html
    assert "0 denúncia" not in html and "0 item" not in html


@pytest.mark.django_db
def test_an_empty_filtered_list_reads_naturally_in_portuguese(client, outsider):
    person = UserFactory(organization=outsider, language="pt-br")

    html = page(client, person, "/reports/?q=nothing-matches-this")

    assert "Denúncias encontradas: 0." in html
    assert not Report.objects.exists()
