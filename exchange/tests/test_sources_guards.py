"""What keeps a TAXII source safe and its polls honest (issue 15, review): the stored password
or token goes only to the server it was given for, so moving a source to another scheme, host
or port needs it again, in the portal and the API; a poll that meets an error nobody foresaw is
still recorded on the source and backs off; a server's `X-TAXII-Date-Added-Last` that is not a
TAXII timestamp is the server's error, and the next poll's `added_after` stays where it was.
The actors: the owner's admin, its API key, and an outsider's key that gets 404."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from exchange import imports, polling, secrets, sources
from exchange.models import ImportJob, TaxiiSource
from members.actors import Actor
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = "https://127.0.0.1:8443/api1/"
COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
LIST = "/api/v1/taxii-sources/"
AT = "2026-01-10T10:00:00.000Z"
INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--6f2f6f0a-3c52-4b8e-9a55-0b1f1b9f5a11",
    "created": AT,
    "modified": AT,
    "name": "Pirate IPTV panel",
    "pattern": "[domain-name:value = 'pirate-panel.example']",
    "pattern_type": "stix",
    "valid_from": AT,
}
ELSEWHERE = [
    "https://127.0.0.2:8443/api1/",  # another host
    "https://127.0.0.1:9443/api1/",  # another port
    "http://127.0.0.1:8443/api1/",  # another scheme
]


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True


@pytest.fixture
def admin(owner):
    return UserFactory(organization=owner, role="admin", language="es")


@pytest.fixture
def source(admin) -> TaxiiSource:
    return sources.source_create(
        actor=Actor(user=admin),
        organization=admin.organization,
        title="Our OpenCTI",
        api_root_url=ROOT,
        collection_id=COLLECTION,
        username="atalaya",
        secret="s3cret-pass",
    )


def form_data(**fields) -> dict:
    return {
        "title": "Our OpenCTI",
        "api_root_url": ROOT,
        "collection_id": COLLECTION,
        "username": "atalaya",
        "secret": "",
        "agreement": "",
        "interval_minutes": "15",
        "enabled": "on",
        **fields,
    }


def stored(source: TaxiiSource) -> tuple[str, str]:
    source.refresh_from_db()
    return source.api_root_url, secrets.decrypt(source.secret_encrypted)


# --- the secret follows the server -----------------------------------------------------------


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_an_admin_cannot_move_a_source_to_another_server_keeping_its_password(
    client, admin, source, elsewhere
):
    client.force_login(admin)
    edit = f"/exchange/sources/{source.pk}/edit/"

    refused = client.post(edit, form_data(api_root_url=elsewhere))
    same_server = client.post(edit, form_data(api_root_url=ROOT.replace("api1", "api2")))

    assert refused.status_code == 400
    assert (
        "Lo guardado solo se envía al servidor para el que se ingresó" in refused.content.decode()
    )
    assert same_server.status_code == 302
    assert stored(source) == (ROOT.replace("api1", "api2"), "s3cret-pass")
    moved = client.post(edit, form_data(api_root_url=elsewhere, secret="their-own"))
    assert moved.status_code == 302
    assert stored(source) == (elsewhere, "their-own")


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
def test_an_admin_key_cannot_move_a_source_to_another_server_keeping_its_token(
    owner_api, outsider_api, source, elsewhere
):
    url = f"{LIST}{source.pk}/"

    refused = owner_api.patch(url, {"api_root_url": elsewhere}, format="json")
    empty = owner_api.patch(url, {"api_root_url": elsewhere, "secret": ""}, format="json")
    theirs = outsider_api.patch(url, {"api_root_url": elsewhere}, format="json")

    assert refused.status_code == empty.status_code == 400
    [error] = refused.json()["errors"]
    assert error["pointer"] == "/secret" and "sent only to the server it was" in error["detail"]
    assert theirs.status_code == 404
    assert stored(source) == (ROOT, "s3cret-pass")
    moved = owner_api.patch(url, {"api_root_url": elsewhere, "secret": "new"}, format="json")
    assert moved.status_code == 200, moved.content
    assert stored(source) == (elsewhere, "new")


def test_the_service_itself_refuses_the_move_without_a_secret(admin, source):
    with pytest.raises(sources.SourceRefused, match="given for"):
        sources.source_update(
            actor=Actor(user=admin), source=source, api_root_url=ELSEWHERE[0], secret=""
        )
    assert stored(source) == (ROOT, "s3cret-pass")


# --- a poll is always recorded ---------------------------------------------------------------


def answer(monkeypatch, header: str | None, objects: list[dict]) -> None:
    """The member's server, as `polling` receives it: one page, with this header."""
    body = json.dumps({"more": False, "objects": objects}).encode()
    headers = {"X-TAXII-Date-Added-Last": header} if header is not None else {}
    monkeypatch.setattr(polling, "_get", lambda *a, **k: (200, headers, body))


def test_an_unexpected_error_on_import_is_recorded_and_the_source_backs_off(
    monkeypatch, caplog, source
):
    answer(monkeypatch, "2026-01-10T10:00:01.000000Z", [INDICATOR])

    def broken(job_id):
        raise RuntimeError("relation imports_secret_internals does not exist")

    monkeypatch.setattr(imports, "import_run", broken)

    with caplog.at_level(logging.ERROR, logger="exchange.sources"):
        result = sources.source_poll(source.pk)

    source.refresh_from_db()
    assert result.polled and result.error.startswith("internal error (RuntimeError)")
    assert source.last_error == result.error and "internals" not in source.last_error
    assert source.consecutive_failures == 1 and source.added_after == ""
    assert source.next_poll_at > timezone.now() + timedelta(minutes=29)
    assert any(r.exc_info for r in caplog.records)  # the traceback is for the operators


@pytest.mark.parametrize(
    "header",
    [
        "2026-01-10T10:00:01." + "0" * 40 + "Z",  # longer than the column
        "yesterday",
        "2026-01-10T10:00:01+00:00",  # RFC 3339, but TAXII asks for UTC with a Z
        "2026-02-30T10:00:01Z",
        "2026-01-10T10:00:01Z&limit=1",
    ],
)
def test_a_date_added_last_that_is_no_timestamp_is_the_servers_error(monkeypatch, source, header):
    answer(monkeypatch, header, [INDICATOR])

    result = sources.source_poll(source.pk)

    source.refresh_from_db()
    assert "X-TAXII-Date-Added-Last is not a timestamp" in result.error
    assert source.last_error == result.error and source.consecutive_failures == 1
    assert source.added_after == ""  # the next poll asks from where this one did
    assert not ImportJob.objects.filter(source=source).exists()  # nor is the page imported


def test_a_timestamp_to_the_nanosecond_is_kept_as_the_server_wrote_it(monkeypatch, source):
    answer(monkeypatch, "2026-01-10T10:00:01.123456789Z", [])

    result = sources.source_poll(source.pk)

    source.refresh_from_db()
    assert result.error == "" and source.added_after == "2026-01-10T10:00:01.123456789Z"
