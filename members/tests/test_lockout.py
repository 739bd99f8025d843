"""Lock-out after repeated failed sign-ins: 5 per e-mail address or 20 per client address in
15 minutes, then 15 minutes of refusals, with one message whether or not the address exists."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from members import lockout
from members.models import AuditEvent
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
LOCKED = "Too many failed sign-in attempts"


WRONG = "wrong"


def attempt(client, email: str, password: str = WRONG, address: str = "203.0.113.9"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def error_of(response) -> str:
    return response.content.decode().split('class="errors" role="alert">')[1].split("</div>")[0]


@pytest.fixture
def analyst(owner):
    return UserFactory(organization=owner, email="analyst@owner.example")


def test_five_failures_lock_the_address_out_even_with_the_right_password(client, analyst):
    for _ in range(4):
        assert "correct email" in attempt(client, analyst.email).content.decode().lower()
    assert LOCKED in attempt(client, analyst.email).content.decode()  # the fifth begins it

    response = attempt(client, analyst.email, PASSWORD)
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="user.sign_in_failed", actor_user=analyst).count() == 5
    locked = AuditEvent.objects.get(action="user.locked_out", actor_user=analyst)
    assert locked.data["by"] == "email" and locked.data["address"] == "203.0.113.9"


def test_an_address_nobody_has_gets_the_very_same_answers(client, analyst):
    known = [error_of(attempt(client, analyst.email)) for _ in range(6)]
    unknown = [error_of(attempt(client, "nobody@owner.example")) for _ in range(6)]
    assert known == unknown
    assert LOCKED in unknown[-1]
    # The audit log names only people who exist: the five failures in the analyst's name.
    assert AuditEvent.objects.filter(action="user.sign_in_failed").count() == 5


def test_the_lock_is_per_address_and_case_blind(client, analyst, owner):
    other = UserFactory(organization=owner, email="other@owner.example")
    for _ in range(5):
        attempt(client, analyst.email.upper())
    assert LOCKED in attempt(client, analyst.email, PASSWORD).content.decode()
    assert attempt(client, other.email, PASSWORD).status_code == 302


def test_twenty_failures_from_one_client_lock_that_client_out(client, analyst):
    for i in range(20):
        attempt(client, f"guess{i}@example.org", address="198.51.100.4")
    assert LOCKED in attempt(client, analyst.email, PASSWORD, "198.51.100.4").content.decode()
    assert attempt(client, analyst.email, PASSWORD, "198.51.100.5").status_code == 302


def test_the_lock_lifts_after_fifteen_minutes(client, analyst):
    for _ in range(5):
        attempt(client, analyst.email)
    later = timezone.now() + datetime.timedelta(minutes=15, seconds=1)
    with mock.patch("django.core.cache.backends.db.tz_now", return_value=later):
        assert attempt(client, analyst.email, PASSWORD).status_code == 302


def test_a_complete_sign_in_forgets_the_earlier_failures(client, analyst):
    for _ in range(4):
        attempt(client, analyst.email)
    assert attempt(client, analyst.email, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        attempt(client, analyst.email)
    assert attempt(client, analyst.email, PASSWORD).status_code == 302


def test_wrong_two_factor_codes_count_too(client, analyst, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off would refuse them unread
    TOTPDevice.objects.create(user=analyst, name="Phone", confirmed=True)
    attempt(client, analyst.email)
    attempt(client, analyst.email)
    assert attempt(client, analyst.email, PASSWORD)["Location"] == reverse("two_factor")
    for _ in range(2):
        response = client.post(reverse("two_factor"), {"code": "000000"})
        assert "not right" in response.content.decode()
    response = client.post(reverse("two_factor"), {"code": "000001"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert LOCKED in response.content.decode()
    assert LOCKED in attempt(client, analyst.email, PASSWORD).content.decode()
    steps = AuditEvent.objects.filter(action="user.sign_in_failed").values_list(
        "data__step", flat=True
    )
    assert sorted(steps) == ["code", "code", "code", "password", "password"]


def test_concurrent_failures_filling_the_window_begin_one_lock(analyst):
    # Four failures already counted; two more arrive together: both see the window full.
    for _ in range(4):
        lockout.record_failure(email=analyst.email, address="192.0.2.1")
    assert lockout.record_failure(email=analyst.email, address="192.0.2.2").email_locked
    assert not lockout.record_failure(email=analyst.email, address="192.0.2.3").email_locked
    assert lockout.is_locked(email=analyst.email, address="192.0.2.99")
