"""Who gets into the API, with what: every credential a caller can send, crossed with every state
of the session cookie beside it, over a read, a write and two admin endpoints.

The rule (members/authentication.py): the API authenticates by an API key, or by a session
only when that session has passed the second factor wherever one is required. An
Authorization header that is not a well-formed `Bearer <key>` is refused with 401; it never
falls through to the session.

Marked `two_factor`: the requirement for org admins is on here (conftest.py).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from members.models import Agreement, APIKey, Organization, User
from members.tests.factories import OrganizationFactory, UserFactory, make_key
from notifications.models import WebhookEndpoint
from reports.models import Report

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]

PASSWORD = "correct horse battery"
TWO_FACTOR_MIDDLEWARE = "members.otp_middleware.TwoFactorRequiredMiddleware"


# --- the endpoints ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    body: dict | None
    ok: int


ENDPOINTS = {
    "read reports": Endpoint("get", "/api/v1/reports/", None, 200),
    "write a report": Endpoint(
        "post",
        "/api/v1/reports/",
        {
            "category": "live_sports",
            "title": "Derby restream on a mirror",
            "tlp": "amber",
            "jurisdictions": ["PE"],
            "indicators": [{"kind": "domain", "value": "pirate-derby.example"}],
        },
        201,
    ),
    "add a webhook": Endpoint(
        "post", "/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook", "events": []}, 201
    ),
    "propose an agreement": Endpoint(
        "post",
        "/api/v1/agreements/",
        {"title": "Live sports in Peru", "parties": ["coparty"], "max_tlp": "amber"},
        201,
    ),
}
COLUMNS = tuple(ENDPOINTS)

# --- what each caller gets ----------------------------------------------------------------------
#
#   ok     the endpoint's success (200 for the read, 201 for the writes)
#   scope  403: authenticated, but without the scope the endpoint needs
#   2fa    403: a session that still owes the second factor
#   401    401: the credentials are refused (problem JSON, `WWW-Authenticate: Bearer`)
#
#                           read reports  write a report  add a webhook  propose an agreement
KEYS = {
    "read key": ("ok", "scope", "scope", "scope"),
    "write key": ("ok", "ok", "scope", "scope"),
    "admin key": ("ok", "ok", "ok", "ok"),
}
SESSIONS = {
    "no session": ("401", "401", "401", "401"),
    "analyst (2FA not required)": ("ok", "ok", "scope", "scope"),
    "admin not enrolled": ("2fa", "2fa", "2fa", "2fa"),
    "admin enrolled, not verified": ("2fa", "2fa", "2fa", "2fa"),
    "admin verified": ("ok", "ok", "ok", "ok"),
}
#
# Three rules pick the row:
# 1. A well-formed `Bearer <key>` (the scheme in any case) answers alone: a valid key gets its
#    KEYS row, any other (revoked, of a suspended organisation, unknown, malformed, missing)
#    gets 401. The session beside it is never consulted, neither to refuse nor to add scopes.
# 2. No Authorization header: the SESSIONS row.
# 3. Any other Authorization header (Basic, Token, garbage, empty): 401, whatever the session.
#    With the 2FA middleware in place, a session that owes the second factor is stopped there
#    first (2fa); without it, the authentication layer refuses the header itself (401).
OWES_SECOND_FACTOR = {"admin not enrolled", "admin enrolled, not verified"}


@dataclass(frozen=True)
class Credential:
    """An Authorization header: `header` with {key} filled in by a key of `key_kind`."""

    header: str | None
    key_kind: str | None = None  # a KEYS row, "revoked", "suspended org" or None
    bearer: bool = False  # rule 1 applies
    well_formed: bool = True  # False: the key is there, but not as `Bearer <key>`


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


CREDENTIALS = {
    "no header": Credential(None),
    "Bearer read key": Credential("Bearer {key}", "read key", bearer=True),
    "Bearer write key": Credential("Bearer {key}", "write key", bearer=True),
    "Bearer admin key": Credential("Bearer {key}", "admin key", bearer=True),
    "bearer (lowercase) admin key": Credential("bearer {key}", "admin key", bearer=True),
    "Bearer revoked key": Credential("Bearer {key}", "revoked", bearer=True),
    "Bearer key of a suspended org": Credential("Bearer {key}", "suspended org", bearer=True),
    "Bearer unknown key": Credential("Bearer ata_unknown0_" + "x" * 43, bearer=True),
    "Bearer malformed (three words)": Credential(
        "Bearer {key} extra", "admin key", bearer=True, well_formed=False
    ),
    "Bearer with no key": Credential("Bearer ", bearer=True),
    "Basic foo:bar": Credential("Basic Zm9vOmJhcg=="),
    "Basic with an admin key as password": Credential("BASIC:{key}", "admin key"),
    "Token admin key": Credential("Token {key}", "admin key"),
    "garbage": Credential("garbage"),
    "empty header": Credential(""),
}


def expected(credential: str, session: str, endpoint: str, *, middleware: bool) -> str:
    column = COLUMNS.index(endpoint)
    cred = CREDENTIALS[credential]
    if cred.bearer:
        valid = cred.key_kind in KEYS and cred.well_formed
        return KEYS[cred.key_kind][column] if valid else "401"
    if cred.header is None:
        return SESSIONS[session][column]
    if middleware and session in OWES_SECOND_FACTOR:
        return "2fa"
    return "401"


# --- making the callers --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # Hundreds of people are made here; the hashing cost is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True  # the webhook above points at loopback


KEY_SCOPES = {
    "read key": ("read",),
    "write key": ("read", "write"),
    "admin key": ("read", "write", "admin"),
}


def key_of(kind: str, owner: Organization) -> str:
    if kind in KEY_SCOPES:
        return make_key(owner, scopes=KEY_SCOPES[kind])
    if kind == "revoked":
        plain = make_key(owner)
        APIKey.objects.filter(organization=owner).update(revoked_at=timezone.now())
        return plain
    if kind == "suspended org":
        suspended = OrganizationFactory(slug="suspended", is_suspended=True)
        return make_key(suspended)
    raise AssertionError(kind)


def header_for(credential: str, owner: Organization) -> str | None:
    cred = CREDENTIALS[credential]
    if cred.header is None:
        return None
    key = key_of(cred.key_kind, owner) if cred.key_kind else ""
    if cred.header == "BASIC:{key}":
        return _basic("owner", key)
    return cred.header.format(key=key)


def session_for(client: APIClient, state: str, owner: Organization) -> User | None:
    """Opens the session `state` names on `client` (force_login: no second step)."""
    if state == "no session":
        return None
    role = "analyst" if state.startswith("analyst") else "admin"
    user = UserFactory(organization=owner, role=role, email=f"{role}@owner.example")
    client.force_login(user)
    if state in ("admin enrolled, not verified", "admin verified"):
        device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
        if state == "admin verified":
            # What django_otp.login leaves in the session after a right code.
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return user


def call(client: APIClient, endpoint: str, authorization: str | None):
    ep = ENDPOINTS[endpoint]
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    if ep.method == "get":
        return client.get(ep.path, **headers)
    return client.post(ep.path, ep.body, format="json", **headers)


def assert_outcome(response, outcome: str, endpoint: str) -> None:
    status = response.status_code
    body = response.content.decode()
    if outcome == "ok":
        assert status == ENDPOINTS[endpoint].ok, body
        return
    assert response["Content-Type"] == "application/problem+json", body
    detail = response.json().get("detail", "")
    if outcome == "scope":
        assert status == 403 and "scope" in detail, body
    elif outcome == "2fa":
        assert status == 403 and "Two-factor" in detail, body
    elif outcome == "401":
        assert status == 401, body
        assert response["WWW-Authenticate"].startswith("Bearer"), response.headers
    else:
        raise AssertionError(outcome)


def nothing_was_written(owner: Organization) -> bool:
    return not (
        Report.objects.exists()
        or WebhookEndpoint.objects.exists()
        or Agreement.objects.filter(party_links__organization=owner).exists()
    )


# --- the matrix -------------------------------------------------------------------------------


@pytest.fixture
def parties(owner, coparty) -> Organization:
    """The caller's organisation, and a co-party to propose an agreement to."""
    return owner


@pytest.mark.parametrize("endpoint", COLUMNS)
@pytest.mark.parametrize("session", SESSIONS)
@pytest.mark.parametrize("credential", CREDENTIALS)
def test_each_caller_gets_exactly_what_the_table_says(parties, credential, session, endpoint):
    client = APIClient()
    session_for(client, session, parties)
    response = call(client, endpoint, header_for(credential, parties))
    outcome = expected(credential, session, endpoint, middleware=True)
    assert_outcome(response, outcome, endpoint)
    if outcome != "ok":
        assert nothing_was_written(parties)


@pytest.mark.parametrize("endpoint", COLUMNS)
@pytest.mark.parametrize("session", SESSIONS)
@pytest.mark.parametrize("credential", CREDENTIALS)
def test_without_the_2fa_middleware_the_authentication_layer_alone_keeps_the_same_rule(
    parties, credential, session, endpoint, settings
):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != TWO_FACTOR_MIDDLEWARE]
    client = APIClient()
    session_for(client, session, parties)
    response = call(client, endpoint, header_for(credential, parties))
    outcome = expected(credential, session, endpoint, middleware=False)
    assert_outcome(response, outcome, endpoint)
    if outcome != "ok":
        assert nothing_was_written(parties)


# --- the pentest, exactly ------------------------------------------------------------------------


@pytest.mark.parametrize("middleware", [True, False], ids=["as deployed", "without 2FA middleware"])
def test_an_admin_signed_in_with_the_password_only_gets_no_admin_api_with_a_basic_header(
    client, owner_admin, coparty, settings, middleware
):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True
    if not middleware:
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != TWO_FACTOR_MIDDLEWARE]
    # Invited admins have no authenticator app yet: the password alone opens the session.
    signed_in = client.post(reverse("login"), {"username": owner_admin.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and client.session["_auth_user_id"] == str(owner_admin.pk)
    basic = {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}

    webhook = client.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/hook"},
        content_type="application/json",
        **basic,
    )
    agreement = client.post(
        "/api/v1/agreements/",
        {"title": "Everything", "parties": ["coparty"], "max_tlp": "red"},
        content_type="application/json",
        **basic,
    )

    assert webhook.status_code in (401, 403), webhook.content
    assert agreement.status_code in (401, 403), agreement.content
    assert not WebhookEndpoint.objects.exists()
    assert not Agreement.objects.exists()


def test_the_matrix_covers_every_credential_session_and_endpoint():
    # A row added to one table and forgotten in another would silently shrink the matrix.
    assert set(KEYS) <= {c.key_kind for c in CREDENTIALS.values()}
    assert all(len(row) == len(COLUMNS) for row in (*KEYS.values(), *SESSIONS.values()))
    assert OWES_SECOND_FACTOR.issubset(SESSIONS)
