"""A live match typed in by a rightsholder in São Paulo is stored at the moment they meant, and
each reader sees it in their own zone with the zone beside it.

The actors: the owner (its analyst works from São Paulo, in Portuguese), the co-party (its
analyst in Lima, in Spanish) that shares with it, and an outsider that does not."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Organization, User
from members.tests.factories import UserFactory
from reports.models import Report
from reports.tests.factories import agreement_between

pytestmark = pytest.mark.django_db
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def person(org: Organization, zone: str, language: str) -> User:
    return UserFactory(organization=org, role="analyst", time_zone=zone, language=language)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def tonight_in_sao_paulo(hour: int) -> datetime:
    day = (timezone.now().astimezone(SAO_PAULO) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=SAO_PAULO)


def match_report(**times: str) -> dict:
    return {
        "category": "live_sports",
        "title": "Restream of the final",
        "description": "",
        "tlp": "2",  # AMBER
        "jurisdictions": "pe",
        "sharing": "agreements",
        "recipients": "",
        "indicators-TOTAL_FORMS": "1",
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
        "indicators-0-kind": "domain",
        "indicators-0-value": "restream-final.example",
        **times,
    }


@pytest.fixture
def submitted(client, owner, coparty) -> Report:
    """The owner's analyst in São Paulo reports a match from 19:00 to 21:00, their time."""
    agreement_between(owner, coparty)
    client.force_login(person(owner, "America/Sao_Paulo", "pt-br"))
    start, end = tonight_in_sao_paulo(19), tonight_in_sao_paulo(21)
    response = client.post(
        reverse("reports:submit"),
        match_report(
            live_from=start.strftime("%Y-%m-%dT%H:%M"), live_until=end.strftime("%Y-%m-%dT%H:%M")
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return Report.objects.get()


def test_a_match_typed_as_19_00_in_sao_paulo_is_stored_as_22_00_utc(submitted):
    assert submitted.live_from.astimezone(UTC).hour == 22
    assert submitted.live_until.astimezone(UTC).hour == 0  # 21:00 there is midnight UTC
    assert submitted.live_from == tonight_in_sao_paulo(19)


def test_the_owner_sees_the_match_at_the_time_they_typed_with_their_zone(client, owner, submitted):
    client.force_login(person(owner, "America/Sao_Paulo", "pt-br"))

    detail = text(client.get(reverse("reports:detail", args=[submitted.pk])))

    assert "19:00\u00a0UTC-3 \u2013 " in detail and "21:00\u00a0UTC-3" in detail


def test_the_co_party_in_lima_sees_the_same_match_in_its_own_zone(client, coparty, submitted):
    client.force_login(person(coparty, "America/Lima", "es"))

    detail = text(client.get(reverse("reports:detail", args=[submitted.pk])))

    assert "17:00\u00a0UTC-5 \u2013 " in detail and "19:00\u00a0UTC-5" in detail
    assert "UTC-3" not in detail


def test_the_outsider_gets_404_in_any_zone(client, outsider, submitted):
    client.force_login(person(outsider, "America/Sao_Paulo", "pt-br"))

    assert client.get(reverse("reports:detail", args=[submitted.pk])).status_code == 404


def test_the_submit_form_says_in_which_zone_the_match_is_read(client, owner):
    client.force_login(person(owner, "America/Sao_Paulo", "pt-br"))

    form = text(client.get(reverse("reports:submit")))

    assert form.count("Fuso horário: America/Sao Paulo (UTC-3).") == 2  # from, until


def test_an_agreement_in_force_in_the_hubs_zone_shares_with_a_reader_whose_day_differs(
    client, owner, coparty
):
    """Whether an agreement is in force is read on the hub's date, whoever asks: a reader whose
    own zone is on another date (Lima between 00:00 and 05:00 UTC, a failure CI met once) sees
    what it shares. The far zones put the reader on another date than UTC at any hour: a day
    behind, where an agreement taking effect today would not have started yet, or a day ahead,
    where one ending today would already have expired."""
    from kernel.zones import hub_today
    from reports.tests.factories import report_by

    today = hub_today()
    agreement_between(owner, coparty, effective_from=today, expires_on=today)
    report = report_by(owner, title="Restream of the final")
    hour = timezone.now().astimezone(UTC).hour
    # Etc/GMT+12 is UTC-12 (a day behind before noon UTC); Etc/GMT-14 is UTC+14 (a day ahead
    # from 10:00 UTC): one of them is on another date now.
    zone = "Etc/GMT+12" if hour < 12 else "Etc/GMT-14"
    assert timezone.localdate(timezone=ZoneInfo(zone)) != today
    client.force_login(person(coparty, zone, "es"))
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 200
    with timezone.override(ZoneInfo(zone)):
        assert Report.objects.visible_to(coparty).filter(pk=report.pk).exists()


def test_the_hubs_date_is_its_own_zones_whatever_zone_is_active():
    from kernel.zones import hub_today

    just_after_midnight = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)
    with timezone.override(ZoneInfo("America/Lima")):
        assert timezone.localdate(just_after_midnight).day == 7
        assert hub_today(just_after_midnight).day == 8
