"""API keys authenticate an organisation within their scopes, and nothing else."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from members import services
from members.models import APIKey
from members.tests.factories import make_key

pytestmark = pytest.mark.django_db

DIRECTORY = "/api/v1/organizations/"


def bearer(plain: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["type"]
    return body


def test_a_valid_key_reads_the_directory_and_records_its_last_use(owner):
    plain = make_key(owner, scopes=["read"])
    response = bearer(plain).get(DIRECTORY)
    assert response.status_code == 200
    assert [o["slug"] for o in response.json()["results"]] == ["owner"]
    assert APIKey.objects.get(organization=owner).last_used_at is not None


def test_no_credentials_get_401_with_a_bearer_challenge(db):
    response = APIClient().get(DIRECTORY)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_key_gets_401(owner):
    make_key(owner)
    assert_problem(bearer("ata_" + "x" * 43).get(DIRECTORY), 401)


def test_a_malformed_authorization_header_gets_401(owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two words")
    assert_problem(client.get(DIRECTORY), 401)


def test_a_revoked_key_gets_401_saying_so(owner):
    plain = make_key(owner)
    key = APIKey.objects.get(organization=owner)
    services.api_key_revoke(actor=services.Actor.system(), api_key=key)
    body = assert_problem(bearer(plain).get(DIRECTORY), 401)
    assert "revoked" in body["detail"]


def test_an_expired_key_gets_401_saying_so(owner):
    plain = make_key(owner, expires_at=timezone.now() + timedelta(hours=1))
    APIKey.objects.filter(organization=owner).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    body = assert_problem(bearer(plain).get(DIRECTORY), 401)
    assert "expired" in body["detail"]


def test_a_key_of_a_suspended_organisation_gets_401(owner):
    plain = make_key(owner)
    services.organization_set_suspended(
        actor=services.Actor.system(), organization=owner, suspended=True
    )
    body = assert_problem(bearer(plain).get(DIRECTORY), 401)
    assert "suspended" in body["detail"]


def test_a_read_only_key_cannot_write(owner):
    plain = make_key(owner, scopes=["read"])
    body = assert_problem(bearer(plain).post(DIRECTORY, {}, format="json"), 403)
    assert "'write' scope" in body["detail"]


def test_a_write_only_key_cannot_read(owner):
    plain = make_key(owner, scopes=["write"])
    body = assert_problem(bearer(plain).get(DIRECTORY), 403)
    assert "'read' scope" in body["detail"]


def test_the_plain_key_is_stored_nowhere_in_the_database(owner):
    plain = make_key(owner)
    secret_part = plain[12:]  # everything after the displayed prefix
    assert len(secret_part) >= 32
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'public'
                 AND data_type IN ('text', 'character varying', 'jsonb', 'json')"""
        )
        columns = cursor.fetchall()
        assert columns
        for table, column in columns:
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s',  # noqa: S608
                [f"%{secret_part}%"],
            )
            assert cursor.fetchone()[0] == 0, f"plain key found in {table}.{column}"
    key = APIKey.objects.get(organization=owner)
    assert key.hashed_key != plain and len(key.hashed_key) == 64
    assert plain.startswith(key.prefix)


def test_creating_a_key_is_audited_with_its_scopes(owner):
    make_key(owner, scopes=["read"])
    from members.models import AuditEvent

    event = AuditEvent.objects.get(action="api_key.created")
    assert event.organization is None  # created by the system, not by a member
    assert event.data == {"scopes": ["read"]}


def test_a_key_needs_at_least_one_known_scope(owner):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_key(owner, scopes=["superuser"])
    with pytest.raises(ValidationError):
        make_key(owner, scopes=[])
