"""TAXII source credentials at rest: encrypted under ATALAYA_SECRETS_KEY (derived from
SECRET_KEY when unset), and a key rotated with `reencrypt_source_secrets` without a moment when
a stored secret cannot be read."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from exchange import secrets, sources
from exchange.models import TaxiiSource
from members.actors import Actor
from members.models import AuditEvent
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(owner, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True
    settings.ATALAYA_SECRETS_KEY = OLD
    return sources.source_create(
        actor=Actor(user=UserFactory(organization=owner, role="admin")),
        organization=owner,
        title="Our OpenCTI",
        api_root_url="https://127.0.0.1:8443/api1/",
        collection_id="c1",
        secret="bearer-token",
    )


OLD, NEW = secrets.generate_key(), secrets.generate_key()


def stored(source) -> str:
    return TaxiiSource.objects.get(pk=source.pk).secret_encrypted


def test_with_no_key_set_the_secret_is_encrypted_under_one_derived_from_secret_key(settings):
    settings.ATALAYA_SECRETS_KEY = ""
    token = secrets.encrypt("bearer-token")

    assert "bearer-token" not in token and secrets.decrypt(token) == "bearer-token"
    settings.SECRET_KEY = "another-secret-key-" * 3
    with pytest.raises(secrets.SecretUnreadable):
        secrets.decrypt(token)


def test_a_rotation_re_encrypts_every_secret_under_the_new_key(source, settings):
    assert "bearer-token" not in stored(source)
    settings.ATALAYA_SECRETS_KEY = f"{NEW},{OLD}"  # step 1: the new key first, the old kept

    call_command("reencrypt_source_secrets")  # step 2
    settings.ATALAYA_SECRETS_KEY = NEW  # step 3: the old key removed

    assert secrets.decrypt(stored(source)) == "bearer-token"
    assert AuditEvent.objects.filter(action="taxii_source.secrets_reencrypted").exists()


def test_a_secret_no_key_opens_is_named_and_left_as_it_was(source, settings):
    before = stored(source)
    settings.ATALAYA_SECRETS_KEY = NEW  # the old key dropped too early

    with pytest.raises(CommandError, match=str(source.pk)):
        call_command("reencrypt_source_secrets")

    assert stored(source) == before
