"""Two-factor sign-in, the requirement for org admins and staff, the idle timeout and the
account page. Marked `two_factor`: the requirement is on here (conftest.py)."""

from __future__ import annotations

import datetime
import io
import json
import re
import time
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import api_client_for
from members import idle_middleware, lockout
from members.account_forms import LOCKED_MESSAGE
from members.idle_middleware import BACKGROUND_HEADER, LAST_SEEN, SIGNED_IN_AT
from members.models import AuditEvent, User
from members.otp_demo import DEMO_TOTP_SECRET, ensure_demo_device
from members.tests.factories import UserFactory, make_key

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]
PASSWORD = "correct horse battery"
HOME = "/"


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The device's code now, or that many time steps on (a code already used is refused)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    # Not any code the device accepts now (it allows one step either side).
    accepted = {code_for(device, steps_ahead=s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def with_app(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def password_step(client, user: User, next_url: str = ""):
    data = {"username": user.email, "password": PASSWORD}
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


def signed_in_with_code(client, user: User, device: TOTPDevice) -> None:
    assert password_step(client, user)["Location"] == reverse("two_factor")
    response = client.post(reverse("two_factor"), {"code": code_for(device)})
    assert response.status_code == 302, response.content


@pytest.fixture
def admin(owner_admin) -> User:
    return owner_admin


@pytest.fixture
def analyst(owner) -> User:
    return UserFactory(organization=owner, role="analyst", email="analyst@owner.example")


@pytest.fixture
def staff(db) -> User:
    return UserFactory(
        organization=None, is_staff=True, is_superuser=True, email="staff@hub.example"
    )


# --- the requirement for org admins and staff ------------------------------------------------


def test_an_org_admin_without_an_app_is_sent_to_set_one_up_and_reaches_nothing_else(client, admin):
    assert password_step(client, admin)["Location"] == HOME  # the password is right
    setup = reverse("two_factor_setup")
    for path in (HOME, reverse("members:manage"), reverse("account"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(setup), path
    assert client.get(reverse("transparency:register")).status_code == 200
    api = client.get("/api/v1/organizations/")
    assert api.status_code == 403 and "Two-factor" in api.json()["detail"]

    page = client.get(setup).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    assert "must sign in with a second factor" in page


def test_enrolment_with_the_current_code_turns_2fa_on_and_verifies_the_session(client, admin):
    password_step(client, admin)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    secret_shown = client.get(reverse("two_factor_setup")).content.decode()
    assert TOTPDevice.objects.filter(user=admin).count() == 1  # a reload keeps the same secret
    assert "otpauth" not in secret_shown  # the QR code is drawn here, not linked

    response = client.post(
        reverse("two_factor_setup") + "?next=/members/manage/",
        {"name": "Work phone", "code": code_for(device), "next": "/members/manage/"},
    )
    assert response.status_code == 302 and response["Location"] == "/members/manage/"
    device.refresh_from_db()
    assert device.confirmed and device.name == "Work phone"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("members:manage")).status_code == 200
    assert AuditEvent.objects.filter(action="user.two_factor_enrolled", actor_user=admin).exists()


def test_a_wrong_code_at_enrolment_is_refused(client, admin):
    password_step(client, admin)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=admin)
    response = client.post(reverse("two_factor_setup"), {"code": wrong_code_for(device)})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(HOME)["Location"].startswith(reverse("two_factor_setup"))


def test_staff_need_a_verified_session_for_the_django_admin(client, staff):
    device = with_app(staff)
    client.force_login(staff)  # signed in without the second step
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor"))

    response = client.post(reverse("two_factor"), {"code": code_for(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_django_admin_signs_in_through_the_hubs_sign_in_page(client, db):
    response = client.get("/admin/login/?next=/admin/members/user/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=%2Fadmin%2Fmembers%2Fuser%2F"


# --- the second step ----------------------------------------------------------------------


def test_with_an_app_the_password_alone_does_not_sign_in_and_the_code_does(client, analyst):
    device = with_app(analyst)
    response = password_step(client, analyst, next_url="/reports/")
    assert response["Location"] == reverse("two_factor")
    assert "_auth_user_id" not in client.session
    assert client.get(HOME)["Location"].startswith(reverse("login"))  # not signed in yet
    assert client.get("/api/v1/organizations/").status_code in (401, 403)

    assert "authenticator app" in client.get(reverse("two_factor")).content.decode()
    response = client.post(reverse("two_factor"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/reports/"
    assert client.session["_auth_user_id"] == str(analyst.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(HOME).status_code == 200


def test_signing_in_as_someone_with_an_app_first_ends_the_session_open_on_the_browser(
    client, analyst, owner
):
    client.force_login(UserFactory(organization=owner, email="colleague@owner.example"))
    with_app(analyst)
    assert password_step(client, analyst)["Location"] == reverse("two_factor")
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_does_not_sign_in(client, analyst):
    device = with_app(analyst)
    password_step(client, analyst)
    response = client.post(reverse("two_factor"), {"code": wrong_code_for(device)})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(HOME).status_code == 302
    failed = AuditEvent.objects.get(action="user.sign_in_failed", actor_user=analyst)
    assert failed.data["step"] == "code"


def _lock_out_meanwhile(user: User, *, by: str, address: str) -> None:
    """Someone else's failed sign-ins while `user` is at the code step: guesses at the user's
    password from elsewhere (by e-mail), or at anyone's from the user's own address."""
    guesser = Client()
    if by == "email":
        guesses = [(user.email, "198.51.100.7")] * lockout.MAX_FAILURES_PER_EMAIL
    else:
        guesses = [
            (f"guess{i}@example.org", address) for i in range(lockout.MAX_FAILURES_PER_ADDRESS)
        ]
    for email, remote_addr in guesses:
        guesser.post(
            reverse("login"), {"username": email, "password": "wrong"}, REMOTE_ADDR=remote_addr
        )
    assert lockout.is_locked(email=user.email, address=address)


@pytest.mark.parametrize("by", ["email", "address"])
@pytest.mark.parametrize("at", ["after the password", "in a session not yet verified"])
def test_a_lock_out_begun_during_the_code_step_refuses_even_the_right_code(
    client, admin, settings, by, at
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin.set_password(PASSWORD)
    admin.save(update_fields=["password"])
    device = with_app(admin)
    if at == "after the password":
        assert password_step(client, admin)["Location"] == reverse("two_factor")
    else:
        client.force_login(admin)  # signed in, sent to the code step by the middleware
        assert client.get(HOME)["Location"].startswith(reverse("two_factor"))
    _lock_out_meanwhile(admin, by=by, address="127.0.0.1")  # the test client's address

    response = client.post(reverse("two_factor"), {"code": code_for(device)}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert str(LOCKED_MESSAGE) in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("members:manage"))["Location"].startswith(reverse("login"))


def test_the_code_step_without_a_password_first_goes_back_to_sign_in(client, analyst):
    with_app(analyst)
    response = client.post(reverse("two_factor"), {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_an_analyst_without_an_app_signs_in_with_the_password_alone(client, analyst):
    assert password_step(client, analyst)["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert client.get(reverse("account")).status_code == 200


def test_an_admin_with_an_app_signs_in_in_two_steps_and_reaches_everything(client, admin):
    device = with_app(admin)
    signed_in_with_code(client, admin, device)
    assert client.get(reverse("members:manage")).status_code == 200


def test_a_backup_code_signs_in_once(client, analyst):
    device = with_app(analyst)
    signed_in_with_code(client, analyst, device)
    page = client.post(reverse("backup_codes")).content.decode()
    codes = page.split('id="backup-codes">')[1].split("</ul>")[0]
    first = codes.split('<code class="key">')[1].split("<")[0]
    assert StaticDevice.objects.get(user=analyst).token_set.count() == 10
    client.post(reverse("logout"))

    password_step(client, analyst)
    assert client.post(reverse("two_factor"), {"code": first})["Location"] == HOME
    assert client.get(HOME).status_code == 200
    client.post(reverse("logout"))

    password_step(client, analyst)
    assert client.post(reverse("two_factor"), {"code": first}).status_code == 200  # used up


def test_api_key_requests_are_unaffected(client, admin, owner):
    # The admin has no app: their browser session is held at the set-up page...
    client.force_login(admin)
    assert client.get("/api/v1/organizations/").status_code == 403
    # ...but a request with a key answers for the key, cookie or not.
    assert api_client_for(owner).get("/api/v1/organizations/").status_code == 200
    with_cookie = client.get(
        "/api/v1/organizations/", headers={"Authorization": f"Bearer {make_key(owner)}"}
    )
    assert with_cookie.status_code == 200


# --- devices on the account page ------------------------------------------------------------


def test_an_admin_cannot_remove_their_last_app_but_can_remove_a_second(client, admin):
    first = with_app(admin)
    signed_in_with_code(client, admin, first)
    client.post(reverse("two_factor_remove", args=[first.pk]))
    assert TOTPDevice.objects.filter(pk=first.pk).exists()

    second = with_app(admin)
    client.post(reverse("two_factor_remove", args=[second.pk]))
    assert not TOTPDevice.objects.filter(pk=second.pk).exists()
    assert AuditEvent.objects.filter(action="user.two_factor_removed").count() == 1


def test_an_analyst_may_turn_2fa_off_and_the_backup_codes_go_with_the_last_app(client, analyst):
    device = with_app(analyst)
    signed_in_with_code(client, analyst, device)
    client.post(reverse("backup_codes"))
    client.post(reverse("two_factor_remove", args=[device.pk]))
    assert not TOTPDevice.objects.filter(user=analyst).exists()
    assert not StaticDevice.objects.filter(user=analyst).exists()


def test_nobody_removes_someone_elses_app(client, analyst, admin):
    theirs = with_app(admin)
    client.force_login(analyst)
    assert client.post(reverse("two_factor_remove", args=[theirs.pk])).status_code == 404
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_an_analyst_adds_an_app_from_the_account_page(client, analyst):
    password_step(client, analyst)
    assert "Set up an authenticator app" in client.get(reverse("account")).content.decode()
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=analyst)
    response = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert response["Location"] == reverse("account")
    device.refresh_from_db()
    assert device.confirmed and device.name == "Authenticator app"
    client.post(reverse("logout"))
    assert password_step(client, analyst)["Location"] == reverse("two_factor")


# --- preferences ---------------------------------------------------------------------------


def test_the_account_page_shows_who_you_are(client, admin):
    signed_in_with_code(client, admin, with_app(admin))
    page = client.get(reverse("account")).content.decode()
    assert admin.email in page and admin.organization.name in page and "Org admin" in page


def test_choosing_spanish_on_the_account_page_turns_the_next_pages_spanish(client, analyst):
    password_step(client, analyst)
    response = client.post(reverse("account"), {"language": "es", "time_zone": ""})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "es"
    analyst.refresh_from_db()
    assert analyst.language == "es"

    following = client.get(reverse("password_change"))
    assert following.wsgi_request.LANGUAGE_CODE == "es"
    assert "Contraseña antigua" in following.content.decode()  # Django's own Spanish


def test_choosing_a_time_zone_shows_times_in_it(client, analyst):
    device = with_app(analyst)
    TOTPDevice.objects.filter(pk=device.pk).update(
        created_at=datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)
    )
    signed_in_with_code(client, analyst, device)
    response = client.post(reverse("account"), {"language": "", "time_zone": "America/Lima"})
    assert response.status_code == 302
    analyst.refresh_from_db()
    assert analyst.time_zone == "America/Lima"
    assert "2026-01-01 07:00" in client.get(reverse("account")).content.decode()  # UTC-5


def test_an_unknown_time_zone_is_refused(client, analyst):
    client.force_login(analyst)
    response = client.post(reverse("account"), {"language": "", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    analyst.refresh_from_db()
    assert analyst.time_zone == ""


# --- session expiry ------------------------------------------------------------------------


def _age_session(client, *, idle: int = 0, since_sign_in: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[LAST_SEEN] = now - idle
    session[SIGNED_IN_AT] = now - since_sign_in
    session.save()


def test_a_session_idle_for_longer_than_the_limit_is_signed_out(client, analyst, settings):
    settings.SESSION_IDLE_SECONDS = 2 * 3600
    password_step(client, analyst)
    _age_session(client, idle=2 * 3600 - 60)
    assert client.get(HOME).status_code == 200  # just inside the limit

    _age_session(client, idle=2 * 3600 + 1)
    response = client.get(HOME, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "without activity" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_active_session_still_ends_after_the_cookie_age(client, analyst, settings):
    password_step(client, analyst)
    _age_session(client, idle=10, since_sign_in=settings.SESSION_COOKIE_AGE + 1)
    assert client.get(HOME)["Location"].startswith(reverse("login"))


class Clock:
    """The idle middleware's clock, moved by the test (sign-in stamps the session with it)."""

    def __init__(self) -> None:
        self.now = int(time.time())

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(idle_middleware, "time", SimpleNamespace(time=clock.time))
    return clock


def badge_poll_headers(client) -> dict[str, str]:
    """What the navigation's unread badge sends when htmx polls it: its hx-headers, as the page
    renders them, and htmx's own HX-Request."""
    page = client.get(HOME).content.decode()
    found = re.search(r'id="unread-badge"[^>]*hx-headers=\'([^\']*)\'', page)
    assert found, "the page has no unread badge with hx-headers"
    return {**json.loads(found.group(1)), "HX-Request": "true"}


def test_a_session_idle_past_the_limit_is_signed_out_although_the_badge_polled_meanwhile(
    client, analyst, settings, clock
):
    settings.SESSION_IDLE_SECONDS = 2 * 3600
    password_step(client, analyst)
    signed_in = clock.now
    poll = badge_poll_headers(client)
    assert BACKGROUND_HEADER in poll

    for minutes in (30, 60, 90, 119):  # the page stays open, polling; nobody touches it
        clock.now = signed_in + minutes * 60
        response = client.get(reverse("unread_badge"), headers=poll)
        assert response.status_code == 200 and not response.has_header("HX-Refresh")
    assert client.session[LAST_SEEN] == signed_in

    clock.now = signed_in + 2 * 3600 + 1
    response = client.get(reverse("unread_badge"), headers=poll)

    assert response["HX-Refresh"] == "true"  # the page reloads to the sign-in page
    assert "_auth_user_id" not in client.session
    reloaded = client.get(HOME, follow=True)
    assert reloaded.redirect_chain[0][0].startswith(reverse("login"))
    assert "without activity" in reloaded.content.decode()


def test_a_page_request_still_counts_as_activity_and_keeps_the_polled_session_open(
    client, analyst, settings, clock
):
    settings.SESSION_IDLE_SECONDS = 2 * 3600
    password_step(client, analyst)
    signed_in = clock.now
    poll = badge_poll_headers(client)

    clock.now = signed_in + 2 * 3600 - 60
    assert client.get(HOME).status_code == 200
    assert client.session[LAST_SEEN] == clock.now

    clock.now = signed_in + 2 * 3600 + 60  # past the limit since sign-in, not since the page
    response = client.get(reverse("unread_badge"), headers=poll)
    assert response.status_code == 200 and not response.has_header("HX-Refresh")
    assert client.session["_auth_user_id"] == str(analyst.pk)


# --- demo and safety nets -----------------------------------------------------------------


def test_the_demo_device_gives_the_codes_oathtool_would(analyst):
    device = ensure_demo_device(analyst, DEMO_TOTP_SECRET)
    assert ensure_demo_device(analyst, DEMO_TOTP_SECRET).pk == device.pk  # idempotent
    assert device.confirmed
    # RFC 6238's own test key and vector: "12345678901234567890" at t=59 gives 287082.
    rfc = ensure_demo_device(analyst, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    totp = TOTP(rfc.bin_key)
    totp.time = 59
    assert totp.token() == 287082


def test_demo_totp_prints_the_current_code_only_on_a_development_hub(analyst, settings):
    device = ensure_demo_device(analyst)
    out = io.StringIO()
    settings.DEBUG = True
    call_command("demo_totp", analyst.email.upper(), stdout=out)
    assert out.getvalue().split()[0] in {code_for(device), code_for(device, steps_ahead=1)}
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_totp", analyst.email)


def test_a_fragment_refreshed_by_htmx_sends_the_whole_page_to_the_step(client, admin):
    client.force_login(admin)
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("two_factor_setup")


def test_no_page_of_the_portal_is_exempt_from_csrf():
    def views(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from views(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback

    exempt = [
        path
        for path, view in views(get_resolver().url_patterns)
        # DRF's views are exempt from Django's check and make their own for session requests.
        if getattr(view, "csrf_exempt", False)
        and not hasattr(view, "cls")
        # TAXII reads no session at all, only API keys: a browser's cookie gets 401 there
        # (exchange/tests/test_taxii_protocol.py, a portal session is not TAXII authentication).
        and not path.startswith("taxii2/")
    ]
    assert exempt == []
