"""Every time the portal prints says its zone, the zone is said so that people read it (an
abbreviation, or the offset from UTC where tzdata has none), a country's zone is its capital's,
and a typed time is read in the reader's zone (kernel.zones, kernel.forms, the `zones` template
library)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation
from django_countries.data import COUNTRIES

from kernel.country_zones import COUNTRY_ZONES
from kernel.forms import ZonedDateTimeField
from kernel.zones import country_zone, is_zone, times_in_utc, zone_label

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MATCH = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)  # 19:00 in São Paulo


def at(zone: str, moment: datetime = MATCH) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


# --- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "label"),
    [
        ("UTC", "UTC"),
        ("America/Sao_Paulo", "UTC-3"),  # tzdata says "-03"
        ("America/Lima", "UTC-5"),
        ("America/Mexico_City", "CST"),
        ("Europe/Madrid", "CET"),
        ("Asia/Kolkata", "IST"),
        ("Asia/Kathmandu", "UTC+5:45"),
    ],
)
def test_a_zone_is_written_as_its_abbreviation_or_its_offset_from_utc(zone, label):
    assert zone_label(at(zone)) == label


def test_summer_time_shows_in_the_label():
    assert zone_label(at("Europe/Madrid", datetime(2026, 7, 1, 12, tzinfo=UTC))) == "CEST"


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["America/Sao_Paulo", "UTC", "Asia/Calcutta", "America/Buenos_Aires"]
)
def test_a_zone_the_database_knows_is_a_zone(name):
    assert is_zone(name)


@pytest.mark.parametrize(
    "name",
    ["", "Mars/Olympus", "localtime", "Factory", "../../etc/passwd", "America/" + "x" * 80, None],
)
def test_anything_else_is_not(name):
    assert not is_zone(name)


# --- countries -------------------------------------------------------------------------------


def test_every_country_has_a_zone_but_four_that_have_no_single_one():
    without = sorted(code for code in COUNTRIES if country_zone(code) is None)
    assert without == ["AQ", "BV", "HM", "UM"]


def test_every_zone_of_the_mapping_is_known_to_this_server():
    assert [zone for zone in COUNTRY_ZONES.values() if not is_zone(zone)] == []


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("BR", "America/Sao_Paulo"),  # Brasília, not Noronha, the first of zone.tab
        ("US", "America/New_York"),
        ("MX", "America/Mexico_City"),
        ("AR", "America/Argentina/Buenos_Aires"),
        ("CA", "America/Toronto"),
        ("AU", "Australia/Sydney"),
        ("ES", "Europe/Madrid"),
        ("PT", "Europe/Lisbon"),
        ("EC", "America/Guayaquil"),  # Quito keeps Guayaquil's time
        ("PE", "America/Lima"),
        ("pe", "America/Lima"),
    ],
)
def test_a_country_with_several_zones_gets_its_capitals(country, zone):
    assert country_zone(country) == zone


# --- the template library --------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load zones %}" + source).render(Context(context))


def test_a_time_is_printed_in_the_active_zone_with_the_zone_beside_it():
    with timezone.override(SAO_PAULO), translation.override("pt-br"):
        html = render('{{ t|zoned:"SHORT_DATETIME_FORMAT" }}', t=MATCH)
    assert html == (
        '<time datetime="2026-12-07T22:00:00Z">07/12/2026 19:00\u00a0'
        '<span class="zone" title="America/Sao_Paulo">UTC-3</span></time>'
    )


def test_the_same_moment_reads_in_each_readers_zone():
    with timezone.override(ZoneInfo("America/Lima")), translation.override("es"):
        html = render('{{ t|zoned:"H:i" }}', t=MATCH)
    assert ">17:00\u00a0<" in html and ">UTC-5<" in html


def test_no_time_gives_nothing_so_a_default_can_follow():
    assert render('{{ t|zoned:"H:i"|default:"—" }}', t=None) == "—"


def test_a_sentence_can_place_the_zone_itself():
    with timezone.override(SAO_PAULO):
        assert ">UTC-3</span>" in render("{{ t|zone_of }}", t=MATCH)
        assert 'title="America/Sao_Paulo"' in render("{{ t|zone_of }}", t=MATCH)


# Every template that prints a time of day must print it through `zoned`, or with `zone_of`
# in the same tag. A machine-readable attribute (datetime="...") is not printed.
TEMPLATE_DIRS = [
    Path(settings.BASE_DIR) / app
    for app in ("hub", "members", "reports", "enforcement", "notifications")
]
TIME_OF_DAY = re.compile(
    r"\|date:([\"'])(DATETIME_FORMAT|SHORT_DATETIME_FORMAT|TIME_FORMAT|[^\"'_]*[HhGgiPAac][^\"'_]*)\1"
    r"|\|time\b|naturaltime|\|localtime"
)
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
ATTRIBUTE = re.compile(r"datetime=\"\{\{[^}]*\}\}\"")


def _templates():
    for root in TEMPLATE_DIRS:
        yield from root.glob("templates/**/*.html")


def test_every_time_of_day_a_template_prints_has_its_zone_beside_it():
    unzoned = []
    for path in _templates():
        relative = str(path.relative_to(settings.BASE_DIR))
        text = ATTRIBUTE.sub("", path.read_text())
        for tag in TAG.findall(text):
            if TIME_OF_DAY.search(tag) and "|zone_of" not in tag:
                unzoned.append(f"{relative}: {tag[:120]}")
    assert unzoned == []


# --- forms and pages -------------------------------------------------------------------------


class MatchForm(forms.Form):
    starts = ZonedDateTimeField(help_text="When the match starts.")


def test_a_typed_time_is_read_in_the_active_zone_and_the_field_says_which():
    with timezone.override(SAO_PAULO), translation.override("en"):
        form = MatchForm({"starts": "2026-12-07T19:00"})
        assert form.is_valid(), form.errors
        html = str(form["starts"].help_text)
    assert form.cleaned_data["starts"] == MATCH
    assert html == "When the match starts. Your time zone: America/Sao Paulo (UTC-3)."


def test_a_page_marked_for_everyone_is_rendered_in_utc_whatever_zone_is_active(rf):
    @times_in_utc
    def page(request):
        return render("{{ t|zone_of }}", t=timezone.now())

    with timezone.override(SAO_PAULO):
        assert ">UTC</span>" in page(rf.get("/"))
        assert timezone.get_current_timezone() == SAO_PAULO  # put back afterwards
