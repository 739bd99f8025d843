"""A person's time zone is set at their first sign-in: their browser's (the sign-in form's hidden
field, which site.js fills from Intl), checked against the zone database; else their
organisation's country's, the capital's where it has several; else UTC. Once set it is theirs:
a later sign-in does not change it, the account page does."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from members import account_services
from members.models import User
from members.tests.factories import OrganizationFactory, UserFactory
from members.tests.test_two_factor import code_for

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
HOME = "/"


def sign_in(client, user: User, *, browser_zone: str | None = None):
    data = {"username": user.email, "password": PASSWORD}
    if browser_zone is not None:
        data["time_zone"] = browser_zone
    return client.post(reverse("login"), data)


def zone_of(user: User) -> str:
    user.refresh_from_db()
    return user.time_zone


@pytest.fixture
def paulista(db) -> User:
    """An analyst of a Brazilian rightsholder who has never signed in."""
    org = OrganizationFactory(slug="liga-br", kind="rightsholder", country="BR")
    return UserFactory(organization=org, role="analyst", email="ana@liga-br.example")


@pytest.fixture
def analyst(owner) -> User:
    """An analyst of the owner, in Peru, who has never signed in."""
    return UserFactory(organization=owner, role="analyst", email="analyst@owner.example")


# --- the sign-in page ------------------------------------------------------------------------


def test_the_sign_in_form_carries_an_empty_field_for_the_browsers_zone(client):
    page = client.get(reverse("login")).content.decode()
    assert 'type="hidden" name="time_zone"' in page and "data-browser-time-zone" in page


# --- the first sign-in -----------------------------------------------------------------------


def test_a_person_with_no_zone_gets_their_browsers_at_first_sign_in(client, analyst):
    response = sign_in(client, analyst, browser_zone="America/Sao_Paulo")

    assert response.status_code == 302 and response["Location"] == HOME
    assert zone_of(analyst) == "America/Sao_Paulo"  # the browser's, not Peru's
    page = client.get(HOME).content.decode()
    assert "Times are shown in your browser&#x27;s time zone, America/Sao Paulo (UTC-3)." in page


def test_the_browser_zone_comes_through_the_two_factor_step_too(client, analyst):
    device = TOTPDevice.objects.create(user=analyst, name="Phone", confirmed=True)
    assert sign_in(client, analyst, browser_zone="America/Bogota")["Location"] == reverse(
        "two_factor"
    )
    assert zone_of(analyst) == ""  # not signed in yet

    client.post(reverse("two_factor"), {"code": code_for(device)})

    assert zone_of(analyst) == "America/Bogota"


def test_a_later_sign_in_keeps_the_zone_the_person_has(client, analyst):
    User.objects.filter(pk=analyst.pk).update(time_zone="America/Lima")

    sign_in(client, analyst, browser_zone="Europe/Madrid")  # travelling

    assert zone_of(analyst) == "America/Lima"
    assert "Times are shown in" not in client.get(HOME).content.decode()


@pytest.mark.parametrize(
    "sent", ["Mars/Olympus", "localtime", "../../../etc/passwd", "Europe/" + "x" * 200, " "]
)
def test_a_zone_the_database_does_not_know_is_refused_and_the_sign_in_goes_on(
    client, paulista, sent
):
    response = sign_in(client, paulista, browser_zone=sent)

    assert response.status_code == 302 and response["Location"] == HOME
    assert zone_of(paulista) == "America/Sao_Paulo"  # Brazil's, not what was sent


def test_without_the_browsers_zone_the_organisations_country_gives_it(client, paulista):
    sign_in(client, paulista)  # no script, no field

    # Brazil has sixteen zones: the capital's is São Paulo's.
    assert zone_of(paulista) == "America/Sao_Paulo"
    page = client.get(HOME).content.decode()
    assert (
        "Times are shown in America/Sao Paulo (UTC-3), the time zone of your "
        "organisation&#x27;s country." in page
    )


def test_a_country_without_a_zone_of_its_own_falls_back_to_utc(client):
    org = OrganizationFactory(slug="polar", kind="rightsholder", country="AQ")
    person = UserFactory(organization=org, role="analyst", email="a@polar.example")

    sign_in(client, person, browser_zone="")

    assert zone_of(person) == "UTC"
    assert "Times are shown in UTC." in client.get(HOME).content.decode()


def test_the_word_about_the_zone_comes_in_the_persons_language(client, paulista):
    User.objects.filter(pk=paulista.pk).update(language="pt-br")

    sign_in(client, paulista, browser_zone="America/Manaus")

    page = client.get(HOME).content.decode()
    assert zone_of(paulista) == "America/Manaus"
    assert "fuso horário do seu navegador, America/Manaus (UTC-4)" in page


def test_a_zone_chosen_meanwhile_is_not_overwritten_by_a_sign_in_that_read_the_person_before(
    paulista,
):
    stale = User.objects.get(pk=paulista.pk)  # read by the sign-in, zone still empty
    User.objects.filter(pk=paulista.pk).update(time_zone="Europe/Lisbon")  # the account page

    assert account_services.time_zone_default(user=stale, browser_zone="Asia/Tokyo") is None
    assert zone_of(paulista) == "Europe/Lisbon"


# --- the account page ------------------------------------------------------------------------


def test_choosing_automatic_takes_the_browsers_zone_at_the_next_sign_in(client, paulista):
    sign_in(client, paulista, browser_zone="America/Sao_Paulo")
    page = client.get(reverse("account")).content.decode()
    assert "Automatic: your browser&#x27;s, from your next sign-in" in page

    client.post(reverse("account"), {"language": "", "time_zone": ""})
    assert zone_of(paulista) == ""
    client.post(reverse("logout"))
    sign_in(client, paulista, browser_zone="America/Recife")

    assert zone_of(paulista) == "America/Recife"


def test_a_zone_from_the_browser_outside_the_usual_list_is_offered_on_the_account_page(
    client, paulista
):
    sign_in(client, paulista, browser_zone="Asia/Tokyo")

    page = client.get(reverse("account")).content.decode()

    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in page
