"""Times on the blocking-order pages are each reader's own, with the zone beside them, and a
typed deadline is read in the zone of whoever typed it; the public pages read in UTC for
everyone, and say so.

The actors: an authority (a regulator in PE) whose analyst works from São Paulo, the co-party
(a PE telco) whose analyst is in Lima, and an outsider (a BR telco), to whom the order does not
exist."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from enforcement import public_urls
from enforcement.models import BlockingOrder
from members.models import Organization, User
from members.tests.factories import UserFactory

from .factories import order_by

pytestmark = pytest.mark.django_db

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW = reverse("enforcement:new")


def person(org: Organization, zone: str, language: str) -> User:
    return UserFactory(organization=org, role="analyst", time_zone=zone, language=language)


def text(response) -> str:
    """What the page says, without its markup."""
    assert response.status_code == 200, response.status_code
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def tomorrow_at_seven_pm_in_sao_paulo() -> datetime:
    day = (timezone.now().astimezone(SAO_PAULO) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, 19, 0, tzinfo=SAO_PAULO)


def compose(isps: list[Organization], **overrides) -> dict:
    data = {
        "reference": "ANATEL-2026-0019",
        "legal_basis": "Resolução 0019-2026",
        "targets": "futbol-libre.example",
        "q": "",
        "reports": "",
        "isps": [str(o.pk) for o in isps],
        "deadline": "custom",
        "deadline_at": "",
        "valid_until": "",
        "justification": "",
        "action": "issue",
    }
    return data | overrides


@pytest.fixture
def sao_paulo_analyst(authority) -> User:
    return person(authority, "America/Sao_Paulo", "pt-br")


@pytest.fixture
def lima_analyst(coparty) -> User:
    return person(coparty, "America/Lima", "es")


def test_a_deadline_typed_as_19_00_in_sao_paulo_is_stored_as_22_00_utc_and_shown_as_typed(
    client, sao_paulo_analyst, coparty
):
    client.force_login(sao_paulo_analyst)
    local = tomorrow_at_seven_pm_in_sao_paulo()

    response = client.post(NEW, compose([coparty], deadline_at=local.strftime("%Y-%m-%dT%H:%M")))

    assert response.status_code == 302, response.content
    order = BlockingOrder.objects.get()
    assert order.deadline.astimezone(UTC).hour == 22
    assert order.deadline == local
    detail = text(client.get(reverse("enforcement:detail", args=[order.pk])))
    assert f"{local.day} de" in detail and "às 19:00\u00a0UTC-3" in detail


def test_the_co_party_reads_the_same_deadline_in_its_own_zone(
    client, authority, coparty, lima_analyst
):
    order = order_by(authority, deadline=tomorrow_at_seven_pm_in_sao_paulo(), isps=[coparty])
    client.force_login(lima_analyst)

    detail = text(client.get(reverse("enforcement:detail", args=[order.pk])))
    listing = text(client.get(reverse("enforcement:list")))

    assert "a las 17:00\u00a0UTC-5" in detail  # 22:00 UTC in Lima
    assert "17:00\u00a0UTC-5" in listing


def test_an_outsider_in_any_zone_still_gets_404(client, authority, coparty, outsider):
    order = order_by(authority, isps=[coparty])
    client.force_login(person(outsider, "America/Sao_Paulo", "pt-br"))

    assert client.get(reverse("enforcement:detail", args=[order.pk])).status_code == 404


def test_the_compose_form_says_in_which_zone_its_times_are_read(client, sao_paulo_analyst):
    client.force_login(sao_paulo_analyst)

    form = text(client.get(NEW))

    assert form.count("Fuso horário: America/Sao Paulo (UTC-3).") == 2  # deadline, end


def test_a_renewal_says_its_new_end_in_the_readers_zone(
    client, authority, coparty, sao_paulo_analyst
):
    order = order_by(authority, isps=[coparty])
    client.force_login(sao_paulo_analyst)
    new_end = tomorrow_at_seven_pm_in_sao_paulo() + timedelta(days=400)  # past the lapse

    response = client.post(
        reverse("enforcement:renew", args=[order.pk]),
        {"renew-valid_until": new_end.strftime("%Y-%m-%dT%H:%M"), "renew-note": ""},
        follow=True,
    )

    order.refresh_from_db()
    assert order.valid_until == new_end
    assert "19:00\u00a0UTC-3" in text(response)


# --- the public pages ------------------------------------------------------------------------


@pytest.fixture
def in_force(authority, coparty) -> BlockingOrder:
    order = order_by(authority, isps=[coparty], targets=[("domain", "pirate-streams.example")])
    BlockingOrder.objects.filter(pk=order.pk).update(
        issued_at=datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    )
    order.targets.update(added_at=datetime(2026, 3, 1, 22, 0, tzinfo=UTC))
    return order


@pytest.mark.parametrize("signed_in", [False, True], ids=["anyone", "a-person-in-sao-paulo"])
def test_the_register_and_the_lookup_show_utc_and_say_so(
    client, in_force, sao_paulo_analyst, signed_in
):
    if signed_in:
        client.force_login(sao_paulo_analyst)  # Portuguese
    else:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"  # 24-hour times, as in Portuguese

    register = text(client.get(reverse("transparency:register"), {"show": "all"}))
    lookup = text(client.get(reverse("transparency:search"), {"q": "pirate-streams.example"}))
    figures = text(client.get(reverse("transparency:figures")))

    assert "22:00\u00a0UTC" in register and "UTC-3" not in register
    assert register.rstrip().endswith("UTC.")  # "Times are UTC."
    assert "22:00\u00a0UTC" in lookup and "UTC-3" not in lookup
    assert "UTC" in figures and "UTC-3" not in figures


def test_every_public_page_is_rendered_in_utc():
    views = [p for p in public_urls.urlpatterns if isinstance(p, URLPattern)]
    assert views and all(getattr(p.callback, "times_in_utc", False) for p in views)
