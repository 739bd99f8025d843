"""The hub polls a member's TAXII 2.1 server, proved against medallion (the OASIS reference
server) on 127.0.0.1: indicators of three kinds, marked with TLP 1.0 and 2.0 ids, become the
member's reports at the right TLP, page by page; a second poll imports nothing; one object
added to the server is exactly one new report. A wrong password is recorded on the source and
the source backs off; two polls at once do the work once."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import timedelta

import pytest
import urllib3
from django.db import connections
from django.utils import timezone

from conftest import free_port
from exchange import poll_tasks, polling, sources
from exchange.models import ImportJob, TaxiiSource
from kernel.locks import Lock
from kernel.vocabulary import TLP
from members.actors import Actor
from members.tests.factories import UserFactory
from reports.models import Indicator, Report

pytestmark = pytest.mark.django_db

USERS = {"member": "s3cret-pass"}
MAIN = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"  # the collection the happy path reads
OTHER = "52892447-4d7e-4f70-b94d-d7f22742ff63"  # one each test that changes it uses alone
TLP2_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
TLP1_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
TLP1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"


def indicator(pattern: str, marking: str, *, at: str) -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": at,
        "modified": at,
        "name": "Pirate IPTV panel",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": at,
        "labels": ["iptv"],
        "object_marking_refs": [marking],
    }


def collection(cid: str, objects: list[dict], added: list[str]) -> dict:
    return {
        "id": cid,
        "title": "Member's indicators",
        "can_read": True,
        "can_write": True,
        "media_types": ["application/stix+json;version=2.1"],
        "objects": objects,
        "manifest": [
            {
                "id": o["id"],
                "date_added": when,
                "version": o["modified"],
                "media_type": "application/stix+json;version=2.1",
            }
            for o, when in zip(objects, added, strict=True)
        ],
    }


class Medallion:
    """medallion's Flask app with its memory backend, served by werkzeug in a thread."""

    def __init__(self) -> None:
        from medallion import application_instance, connect_to_backend, register_blueprints

        self.port = free_port()
        self.api_root = f"http://127.0.0.1:{self.port}/api1/"
        at = "2026-01-10T10:00:00.000Z"
        objects = [
            indicator("[domain-name:value = 'pirate-panel.example']", TLP2_GREEN, at=at),
            indicator("[url:value = 'https://free-football.example/live']", TLP1_AMBER, at=at),
            indicator("[ipv4-addr:value = '203.0.113.0/24']", TLP1_WHITE, at=at),
        ]
        added = [f"2026-01-10T10:00:0{i}.000000Z" for i in (1, 2, 3)]
        data = {
            "/discovery": {"title": "A member's TAXII server", "api_roots": [self.api_root]},
            "api1": {
                "information": {
                    "title": "api1",
                    "versions": ["application/taxii+json;version=2.1"],
                    "max_content_length": 9765625,
                },
                "status": [],
                "collections": [
                    collection(MAIN, objects, added),
                    collection(OTHER, objects[:1], added[:1]),
                ],
            },
        }
        app = application_instance
        app.users_backend = USERS
        # Two objects a page: three objects take two pages, and `next` is followed.
        app.taxii_config = {"max_page_size": 2}
        app.medallion_backend = connect_to_backend(
            {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend"}
        )
        app.medallion_backend.data = data
        if "objects" not in app.blueprints:
            register_blueprints(app)
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, cid: str, obj: dict) -> None:
        """Posts `obj` as a client would (TAXII §5.5): medallion gives it its date_added."""
        auth = base64.b64encode(b"member:" + USERS["member"].encode()).decode()
        body = json.dumps({"objects": [obj]}).encode()
        response = urllib3.request(
            "POST",
            f"{self.api_root}collections/{cid}/objects/",
            body=body,
            headers={
                "Accept": "application/taxii+json;version=2.1",
                "Content-Type": "application/taxii+json;version=2.1",
                "Content-Length": str(len(body)),
                "Authorization": f"Basic {auth}",
            },
        )
        assert response.status == 202, response.data

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="module")
def medallion():
    server = Medallion()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True  # medallion listens on 127.0.0.1


@pytest.fixture
def admin(owner):
    return UserFactory(organization=owner, role="admin")


def source_of(admin, medallion, *, cid=MAIN, password=USERS["member"], **fields) -> TaxiiSource:
    return sources.source_create(
        actor=Actor(user=admin),
        organization=admin.organization,
        title="Our OpenCTI",
        api_root_url=medallion.api_root,
        collection_id=cid,
        username="member",
        secret=password,
        **fields,
    )


def test_a_poll_imports_every_page_at_its_tlp_and_a_second_poll_nothing_new(
    admin, owner, outsider, medallion
):
    source = source_of(admin, medallion)

    result = poll_tasks.poll_source(source.pk)

    reports = Report.objects.filter(owner=owner)
    values = dict(Indicator.objects.filter(report__owner=owner).values_list("value", "report__tlp"))
    assert values == {
        "pirate-panel.example": TLP.GREEN,  # TLP 2.0 id
        "https://free-football.example/live": TLP.AMBER,  # TLP 1.0 id
        "203.0.113.0/24": TLP.CLEAR,  # TLP 1.0 WHITE
    }
    assert reports.count() == 3
    assert result is None  # the task returns nothing; the source says how it went
    source.refresh_from_db()
    assert source.last_error == "" and source.consecutive_failures == 0
    assert source.added_after == "2026-01-10T10:00:03.000000Z"
    assert ImportJob.objects.filter(source=source).count() == 2  # two pages, one job each
    assert set(Report.objects.visible_to(outsider).values_list("tlp", flat=True)) == {TLP.CLEAR}

    again = sources.source_poll(source.pk)

    assert again.polled and again.error == "" and again.objects == 0
    assert reports.count() == 3

    medallion.add(
        MAIN,
        indicator(
            "[domain-name:value = 'new-mirror.example']", TLP2_GREEN, at="2026-02-01T00:00:00Z"
        ),
    )
    third = sources.source_poll(source.pk)

    assert third.objects == 1
    assert list(
        Indicator.objects.filter(report__owner=owner, value="new-mirror.example").values_list(
            "report__tlp", flat=True
        )
    ) == [TLP.GREEN]
    assert reports.count() == 4


def test_the_same_objects_polled_from_the_start_again_create_no_duplicate(admin, medallion):
    source = source_of(admin, medallion, cid=OTHER)
    sources.source_poll(source.pk)
    TaxiiSource.objects.filter(pk=source.pk).update(added_after="")

    again = sources.source_poll(source.pk)

    job = ImportJob.objects.filter(source=source).latest("created_at")
    assert again.objects == 1 and job.success_count == 1
    assert Report.objects.filter(owner=admin.organization).count() == 1


def test_a_wrong_password_is_recorded_on_the_source_and_the_source_backs_off(admin, medallion):
    source = source_of(admin, medallion, password="wrong", interval_minutes=15)

    result = sources.source_poll(source.pk)

    source.refresh_from_db()
    assert "401" in result.error and source.last_error == result.error
    assert source.consecutive_failures == 1
    wait = source.next_poll_at - timezone.now()
    assert timedelta(minutes=29) < wait <= timedelta(minutes=30)  # twice the interval
    assert not Report.objects.filter(owner=admin.organization).exists()
    assert source.id not in sources.claim_due_sources()  # not hammered meanwhile


def test_saving_the_source_again_with_the_right_password_polls_it_at_once(admin, medallion):
    source = source_of(admin, medallion, password="wrong")
    sources.source_poll(source.pk)

    sources.source_update(actor=Actor(user=admin), source=source, secret=USERS["member"])

    assert source.pk in sources.claim_due_sources()
    assert sources.source_poll(source.pk).error == ""


def test_a_second_poll_while_one_runs_does_nothing(admin, medallion):
    source = source_of(admin, medallion)
    other = connections.create_connection("default")
    family = int(Lock.TAXII_SOURCE_POLL) & 0x7FFFFFFF
    try:
        with other.cursor() as cursor:  # another worker's poll of the same source
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [family, source.pk])

        result = sources.source_poll(source.pk)
    finally:
        other.close()

    assert not result.polled
    assert not ImportJob.objects.filter(source=source).exists()


def test_an_internal_address_is_refused_before_any_request(admin, medallion, settings):
    source = source_of(admin, medallion)
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = False

    result = sources.source_poll(source.pk)

    assert result.error.startswith("address refused: 127.0.0.1 resolves to 127.0.0.1 (loopback)")
    assert not ImportJob.objects.filter(source=source).exists()


def test_a_source_whose_admin_is_no_longer_one_stops_with_a_clear_error(admin, medallion):
    source = source_of(admin, medallion)
    admin.role = "analyst"
    admin.save()

    result = sources.source_poll(source.pk)

    assert "no longer an admin" in result.error
    assert not ImportJob.objects.filter(source=source).exists()


def test_the_beat_enqueues_only_enabled_sources_that_are_due(admin, medallion, monkeypatch):
    due = source_of(admin, medallion)
    paused = source_of(admin, medallion, enabled=False)
    later = source_of(admin, medallion)
    TaxiiSource.objects.filter(pk=later.pk).update(
        next_poll_at=timezone.now() + timedelta(minutes=5)
    )
    sent: list[int] = []
    monkeypatch.setattr(poll_tasks, "enqueue_poll", sent.append)

    assert poll_tasks.poll_due_sources() == 1
    assert sent == [due.pk] and paused.pk not in sent
    due.refresh_from_db()
    assert due.next_poll_at > timezone.now() + timedelta(minutes=14)  # claimed for an interval
    assert poll_tasks.poll_due_sources() == 0  # the next beat does not enqueue it again


def test_a_username_means_basic_and_none_a_bearer_token():
    basic = polling.Credentials(username="member", secret="pa:ss").header()
    bearer = polling.Credentials(secret="tok-123").header()

    assert basic == "Basic " + base64.b64encode(b"member:pa:ss").decode()
    assert bearer == "Bearer tok-123"
    assert polling.Credentials().header() is None
