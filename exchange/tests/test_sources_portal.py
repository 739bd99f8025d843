"""An organisation's TAXII sources in the portal (/exchange/sources/), in Spanish: its admins
add, change, poll and delete them; the password is never shown back; a colleague who is not an
admin and an admin of another organisation get 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from exchange import poll_tasks, secrets, sources
from exchange.models import TaxiiSource
from members.actors import Actor
from members.models import AuditEvent
from members.tests.factories import UserFactory
from reports.tests.factories import agreement_between

pytestmark = pytest.mark.django_db

ROOT = "https://127.0.0.1:8443/api1/"
COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True


@pytest.fixture
def admin(owner):
    return UserFactory(organization=owner, role="admin", language="es")


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(poll_tasks, "enqueue_poll", sent.append)
    return sent


def source_of(admin, **fields) -> TaxiiSource:
    return sources.source_create(
        actor=Actor(user=admin),
        organization=admin.organization,
        **{
            "title": "Nuestro OpenCTI",
            "api_root_url": ROOT,
            "collection_id": COLLECTION,
            "username": "atalaya",
            "secret": "clave-secreta",
            **fields,
        },
    )


def url(name: str, *args) -> str:
    return reverse(f"exchange:{name}", args=args)


def form_data(**fields) -> dict:
    return {
        "title": "Nuestro OpenCTI",
        "api_root_url": ROOT,
        "collection_id": COLLECTION,
        "username": "atalaya",
        "secret": "clave-secreta",
        "agreement": "",
        "interval_minutes": "30",
        "enabled": "on",
        **fields,
    }


def test_an_admin_adds_a_source_and_its_password_is_stored_encrypted(signed_in, owner):
    response = signed_in.post(url("source_create"), form_data(), follow=True)

    source = TaxiiSource.objects.get(organization=owner)
    assert "Fuente guardada" in response.content.decode()
    assert source.interval_minutes == 30 and source.username == "atalaya"
    assert secrets.decrypt(source.secret_encrypted) == "clave-secreta"
    assert "clave-secreta" not in source.secret_encrypted
    assert "clave-secreta" not in response.content.decode()
    audit = AuditEvent.objects.get(action="taxii_source.created")
    assert "clave-secreta" not in str(audit.data) and audit.data["has_secret"] is True


def test_the_list_and_the_page_show_the_last_error_in_spanish(signed_in, admin):
    source = source_of(admin)
    TaxiiSource.objects.filter(pk=source.pk).update(
        last_error="HTTP 401: the server refused the credentials", consecutive_failures=2
    )

    listing = signed_in.get(url("sources")).content.decode()
    page = signed_in.get(url("source", source.pk)).content.decode()

    assert "Fuentes TAXII" in listing and "falla (2 veces seguidas)" in listing
    assert "La última consulta falló:" in page
    assert "HTTP 401: the server refused the credentials" in page


def test_the_edit_form_never_shows_the_password_and_an_empty_one_keeps_it(signed_in, admin):
    source = source_of(admin)

    form = signed_in.get(url("source_edit", source.pk)).content.decode()
    response = signed_in.post(
        url("source_edit", source.pk), form_data(secret="", title="OpenCTI (producción)")
    )

    assert "clave-secreta" not in form and "Déjela vacía para conservar" in form
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.title == "OpenCTI (producción)"
    assert secrets.decrypt(source.secret_encrypted) == "clave-secreta"


def test_an_internal_address_is_refused_in_the_readers_language(signed_in, settings, owner):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = False

    response = signed_in.post(url("source_create"), form_data())

    assert response.status_code == 400
    assert "Atalaya no consultará esta dirección" in response.content.decode()
    assert not TaxiiSource.objects.filter(organization=owner).exists()


def test_only_the_organisations_own_agreements_in_force_are_offered(
    signed_in, owner, coparty, outsider, authority
):
    ours = agreement_between(owner, coparty)
    theirs = agreement_between(outsider, authority)

    form = signed_in.get(url("source_create")).content.decode()
    response = signed_in.post(url("source_create"), form_data(agreement=str(theirs.pk)))

    assert escape(ours.title) in form and escape(theirs.title) not in form
    assert response.status_code == 400
    assert not TaxiiSource.objects.filter(organization=owner).exists()


def test_poll_now_enqueues_the_poll_even_while_the_source_backs_off(
    signed_in, admin, enqueued, django_capture_on_commit_callbacks
):
    source = source_of(admin)
    TaxiiSource.objects.filter(pk=source.pk).update(
        consecutive_failures=3, next_poll_at=timezone.now() + timedelta(hours=2)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(url("source_poll", source.pk))

    assert response.status_code == 302 and enqueued == [source.pk]
    assert AuditEvent.objects.filter(action="taxii_source.poll_requested").exists()
    assert source.pk in sources.claim_due_sources()


def test_an_admin_deletes_a_source_after_confirming(signed_in, admin):
    source = source_of(admin)

    confirm = signed_in.get(url("source_delete", source.pk)).content.decode()
    response = signed_in.post(url("source_delete", source.pk))

    assert "¿Eliminar esta fuente?" in confirm
    assert response.status_code == 302
    assert not TaxiiSource.objects.filter(pk=source.pk).exists()
    assert AuditEvent.objects.filter(action="taxii_source.deleted").exists()


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_a_colleague_who_is_not_an_admin_gets_404_on_every_page(client, admin, owner, role):
    source = source_of(admin)
    client.force_login(UserFactory(organization=owner, role=role))

    for name, args in [
        ("sources", ()),
        ("source_create", ()),
        ("source", (source.pk,)),
        ("source_edit", (source.pk,)),
        ("source_delete", (source.pk,)),
    ]:
        assert client.get(url(name, *args)).status_code == 404, name
    assert client.post(url("source_poll", source.pk)).status_code == 404


def test_another_organisations_admin_gets_404_and_changes_nothing(client, admin, outsider):
    source = source_of(admin)
    client.force_login(UserFactory(organization=outsider, role="admin"))

    for name in ("source", "source_edit", "source_delete"):
        assert client.get(url(name, source.pk)).status_code == 404, name
    assert client.post(url("source_delete", source.pk)).status_code == 404
    assert client.post(url("source_edit", source.pk), form_data(title="x")).status_code == 404
    assert client.post(url("source_poll", source.pk)).status_code == 404
    assert client.get(url("sources")).content.decode().count("Nuestro OpenCTI") == 0
    assert TaxiiSource.objects.get(pk=source.pk).title == "Nuestro OpenCTI"


def test_the_organisations_manage_page_links_to_its_taxii_sources(signed_in):
    page = signed_in.get(reverse("members:manage")).content.decode()

    assert f'href="{url("sources")}">Fuentes TAXII</a>' in page
