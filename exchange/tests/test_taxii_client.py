"""An unmodified taxii2-client (taxii2client.v21) against the hub on a live server: discovery,
collections, paging with as_pages across several pages, the manifest, added_after, posting
with wait_for_completion and posting again; two readers under different agreements, and an
outsider. Every object served passes stix2-validator in strict mode.

Import jobs run eagerly in the server's thread (CELERY_TASK_ALWAYS_EAGER) rather than on a
real worker: the worker path is exchange/tests/test_stix_import_jobs.py's, and this module is
about what a TAXII client sees."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from requests.exceptions import HTTPError
from stix2validator import ValidationOptions, validate_instance
from taxii2client.common import TokenAuth
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from exchange.tasks import run_import
from exchange.taxii.collections import agreement_collection
from members.models import Agreement
from members.tests.factories import OrganizationFactory, make_key
from reports.models import Report
from reports.stix.extension import CUSTOM_SCO_TYPES
from reports.tests.factories import agreement_between, report_by

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
STRICT = ValidationOptions(strict=True, version="2.1")
# As in reports/tests/test_stix_export.py: the validator takes the extension's new SCO types
# for SDOs and asks them for a UUIDv4 id, where STIX §2.9 gives them a UUIDv5.
STRICT_FOR_EXTENSION_SCOS = ValidationOptions(strict=True, version="2.1", disabled=["uuid-check"])


def strict_problems(objects: list[dict]) -> list[str]:
    found = []
    for obj in objects:
        options = STRICT_FOR_EXTENSION_SCOS if obj["type"] in CUSTOM_SCO_TYPES else STRICT
        result = validate_instance(obj, options)
        found += [f"{obj['id']}: {m}" for m in [*result.errors, *result.warnings]]
    return found


@contextmanager
def eager_tasks():
    # The hub's Celery app, reached through a task (exchange may not import hub).
    app = run_import.app
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def collections_by_id(api_root: ApiRoot) -> dict[str, Collection]:
    """The reader's collections by id, `visible` under its alias."""
    api_root.refresh_collections()
    return {getattr(c, "alias", None) or c.id: c for c in api_root.collections}


def objects_of(pages) -> list[dict]:
    return [obj for envelope in pages for obj in envelope.get("objects", [])]


def report_names(objects: list[dict]) -> set[str]:
    return {o["name"] for o in objects if o["type"] == "report"}


def indicator(value: str) -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-11-01T10:00:00.000Z",
        "modified": "2026-11-01T10:00:00.000Z",
        "name": value,
        "pattern": f"[domain-name:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": "2026-11-01T10:00:00Z",
        "labels": ["live_sports"],
    }


def test_taxii2_client_syncs_what_the_policy_shows_each_reader_and_posts_once(
    live_server, owner, coparty, outsider
):
    # The co-party shares sports without the reporter's name; a second ISP shares torrents
    # with it; nothing covers IPTV yet; the outsider has no agreement.
    isp = OrganizationFactory(slug="second-isp", kind="telco", country="PE")
    sports = agreement_between(
        owner, coparty, categories=["live_sports"], share_reporter_identity=False
    )
    torrents = agreement_between(owner, isp, categories=["torrent"])
    for n in range(5):
        report_by(owner, title=f"Derby {n}", indicators=(("domain", f"derby-{n}.example"),))
    report_by(owner, title="Torrent", category="torrent", indicators=(("domain", "t.example"),))
    report_by(owner, title="Panel", category="iptv", indicators=(("domain", "panel.example"),))
    keys = {org.slug: make_key(org) for org in (coparty, isp, outsider)}
    url = f"{live_server.url}/taxii2/"

    # Discovery and collections, authenticated as taxii2-client's TokenAuth does.
    server = Server(url, auth=TokenAuth(keys["coparty"]))
    assert server.title == "Atalaya"
    api_root = server.default
    assert api_root.versions == ["application/taxii+json;version=2.1"]
    mine = collections_by_id(api_root)
    assert set(mine) == {"visible", agreement_collection(sports).id}
    visible = mine["visible"]
    assert (visible.can_read, visible.can_write) == (True, False)

    # Paging: small pages, every object once, none missing.
    pages = list(as_pages(visible.get_objects, per_request=4))
    assert len(pages) >= 3 and all(p["more"] == ("next" in p) for p in pages)
    paged = objects_of(pages)
    whole = visible.get_objects()["objects"]
    assert [o["id"] for o in paged] == [o["id"] for o in whole]
    assert len({o["id"] for o in paged}) == len(paged)
    assert report_names(paged) == {f"Derby {n}" for n in range(5)}
    assert not strict_problems(paged)

    # The manifest pages the same way and says when each object was added.
    manifest = objects_of(as_pages(visible.get_manifest, per_request=4))
    assert [r["id"] for r in manifest] == [o["id"] for o in paged]
    last = manifest[-1]["date_added"]
    assert visible.get_objects(added_after=last) == {}

    # An agreement covering IPTV is signed: the report made before it arrives after `last`.
    agreement_between(owner, coparty, categories=["iptv"], share_reporter_identity=False)
    arrived = visible.get_objects(added_after=last)["objects"]
    assert report_names(arrived) == {"Panel"}
    assert all(o["type"] != "marking-definition" for o in arrived)

    # Posting to the agreement's collection: a report of the co-party's, once.
    writable = collections_by_id(api_root)[agreement_collection(sports).id]
    assert writable.title == sports.title and writable.can_write
    envelope = {"objects": [indicator("posted.example")]}
    with eager_tasks():
        status = writable.add_objects(envelope, wait_for_completion=True, poll_interval=0.05)
    assert (status.status, status.success_count, status.failure_count) == ("complete", 1, 0), (
        status.failures
    )
    posted = Report.objects.filter(owner=coparty).count()
    assert posted == 1
    with eager_tasks():
        again = writable.add_objects(envelope, wait_for_completion=True, poll_interval=0.05)
    assert (again.success_count, again.failure_count) == (1, 0)
    assert Report.objects.filter(owner=coparty).count() == posted

    # The second ISP, with Basic (the key as the password): only torrents, named reporter.
    isp_root = Server(url, user="anyone", password=keys["second-isp"]).default
    isp_collections = collections_by_id(isp_root)
    assert set(isp_collections) == {"visible", agreement_collection(torrents).id}
    isp_objects = isp_collections["visible"].get_objects()["objects"]
    assert report_names(isp_objects) == {"Torrent"}
    assert f"identity--{owner.stix_id}" in {o["id"] for o in isp_objects}
    assert not strict_problems(isp_objects)
    assert not {o["id"] for o in isp_objects if o["type"] == "report"} & {
        o["id"] for o in paged if o["type"] == "report"
    }

    # The torrents agreement ends: its report and its collection go.
    Agreement.objects.filter(pk=torrents.pk).update(status=Agreement.Status.TERMINATED)
    assert report_names(isp_collections["visible"].get_objects()["objects"]) == set()
    gone = Collection(
        f"{url}api/collections/{agreement_collection(torrents).id}/",
        user="anyone",
        password=keys["second-isp"],
    )
    with pytest.raises(HTTPError) as refused:
        gone.get_objects()
    assert refused.value.response.status_code == 404

    # The outsider: its `visible` collection alone, with no report in it.
    outsider_root = Server(url, auth=TokenAuth(keys["outsider"])).default
    only = collections_by_id(outsider_root)
    assert list(only) == ["visible"]
    assert report_names(only["visible"].get_objects()["objects"]) == set()
