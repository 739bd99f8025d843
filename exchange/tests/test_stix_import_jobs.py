"""STIX import jobs: a re-post, a second run and a new version change only what they should;
a malformed envelope is refused whole; a pending job is sent again; a job's queries do not
grow with its size (docs/stix.md, "Idempotency and versions", "The job")."""

from __future__ import annotations

import uuid

import pytest

from exchange import tasks
from exchange.imports import EnvelopeError, import_run, import_submit
from exchange.models import ImportJob
from kernel.vocabulary import TLP
from members.actors import Actor
from members.services import agreement_suspend
from members.tests.factories import UserFactory
from reports.models import Report
from reports.tests.factories import agreement_between, report_by

from .stix_import_helpers import (
    CREATED,
    TLP2,
    agreement,
    failure,
    indicator,
    new_report,
    only,
    post,
    poster,
    sighting,
    values,
)

__all__ = ["agreement", "poster"]  # fixtures


# --- idempotency -----------------------------------------------------------------------------


def test_a_repost_is_a_success_that_creates_nothing(poster, agreement, coparty):
    obj = indicator("[domain-name:value = 'a.example']")
    post(poster, [obj], agreement)
    again = post(poster, [obj, obj], agreement)
    assert [d["message"] for d in again.details["successes"]] == [
        "already imported",
        "already in this envelope",
    ]
    assert Report.objects.count() == 1
    # Another member posting the same id is another object.
    post(Actor(user=UserFactory(organization=coparty)), [obj], agreement)
    assert Report.objects.count() == 2


def test_a_job_run_twice_does_the_work_once(poster, agreement):
    job = import_submit(
        actor=poster, objects=[indicator("[domain-name:value = 'a.example']")], agreement=agreement
    )
    first = import_run(job.id)
    second = import_run(job.id)
    assert first.details == second.details and Report.objects.count() == 1
    assert import_run(uuid.uuid4()) is None


def test_a_new_version_with_the_same_values_updates_the_report_and_revoked_withdraws_it(
    poster, agreement
):
    obj = indicator("[domain-name:value = 'a.example']", name="First")
    report = new_report(post(poster, [obj], agreement))
    newer = {**obj, "modified": "2026-11-02T10:00:00.000Z", "name": "Second"}
    assert only(post(poster, [newer], agreement))["message"] == f"report {report.pk} updated"
    report.refresh_from_db()
    assert report.title == "Second"
    older = {**obj, "modified": "2026-10-30T10:00:00.000Z", "name": "Stale"}
    post(poster, [older], agreement)
    revoked = {**obj, "modified": "2026-11-03T10:00:00.000Z", "revoked": True}
    post(poster, [revoked], agreement)
    report.refresh_from_db()
    assert (report.title, report.status) == ("Second", "withdrawn")
    assert Report.objects.count() == 1


def test_a_new_version_with_other_values_is_a_new_report(poster, agreement):
    obj = indicator("[domain-name:value = 'a.example']")
    post(poster, [obj], agreement)
    other = {
        **obj,
        "modified": "2026-11-02T10:00:00.000Z",
        "pattern": "[domain-name:value = 'b.example']",
    }
    assert values(new_report(post(poster, [other], agreement))) == [("domain", "b.example")]
    assert Report.objects.count() == 2


def test_a_failed_object_may_be_posted_again(poster, owner, coparty):
    green = agreement_between(owner, coparty, max_tlp=TLP.GREEN)
    obj = indicator("[domain-name:value = 'a.example']", object_marking_refs=[TLP2[TLP.AMBER]])
    assert "ceiling" in failure(post(poster, [obj], green))
    wider = agreement_between(owner, coparty, max_tlp=TLP.AMBER)
    assert post(poster, [obj], wider).success_count == 1


# --- the envelope and the job ----------------------------------------------------------------


@pytest.mark.parametrize(
    "objects",
    [
        [],
        {"type": "indicator"},
        ["indicator--x"],
        [{"id": "indicator--x"}],
        [{"type": "indicator", "id": "malware--x"}],
        [{"type": "indicator"}],
        [{"type": "indicator", "id": f"indicator--{uuid.uuid4()}"}] * 1001,
    ],
)
def test_a_malformed_envelope_is_refused_whole(poster, agreement, objects):
    with pytest.raises(EnvelopeError):
        import_submit(actor=poster, objects=objects, agreement=agreement)
    assert not ImportJob.objects.exists()


def test_a_job_is_pending_until_run_and_enqueued_on_commit(
    poster, agreement, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks, "enqueue_import", lambda pk, size: sent.append((pk, size)))
    obj = indicator("[domain-name:value = 'a.example']")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_submit(actor=poster, objects=[obj], agreement=agreement)
    assert sent == [(job.pk, 1)]
    assert (job.status, job.pending_count, job.total_count) == ("pending", 1, 1)
    assert job.details["pendings"] == [{"id": obj["id"], "version": CREATED}]


def test_a_job_its_caller_runs_at_once_sends_no_message(
    poster, agreement, django_capture_on_commit_callbacks, monkeypatch
):
    """A poll runs each page's job itself, in the worker it already is: a message would only
    make a second worker find the job complete."""
    sent = []
    monkeypatch.setattr(tasks, "enqueue_import", lambda pk, size: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        job = import_submit(
            actor=poster,
            objects=[indicator("[domain-name:value = 'a.example']")],
            agreement=agreement,
            run_here=True,
        )
    assert sent == [] and job.status == "pending"
    assert import_run(job.id).status == "complete"


def test_the_sweep_sends_again_jobs_pending_for_over_a_minute(poster, agreement, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    sent = []
    monkeypatch.setattr(tasks, "enqueue_import", lambda pk, size: sent.append(pk) or True)
    old = import_submit(
        actor=poster, objects=[indicator("[domain-name:value = 'a.example']")], agreement=agreement
    )
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    import_submit(
        actor=poster, objects=[indicator("[domain-name:value = 'b.example']")], agreement=agreement
    )
    assert tasks.sweep_imports() == 1 and sent == [old.pk]


def test_an_agreement_out_of_force_when_the_job_runs_fails_every_object(poster, agreement, owner):
    from reports.tests.factories import _as

    job = import_submit(
        actor=poster, objects=[indicator("[domain-name:value = 'a.example']")], agreement=agreement
    )
    agreement_suspend(actor=_as(owner), agreement=agreement)
    assert failure(import_run(job.id)) == "the agreement of this collection is not in force"


def test_an_envelope_costs_the_same_queries_whatever_its_size(
    poster, agreement, coparty, django_assert_max_num_queries
):
    """Indicators, sightings of the co-party's indicators (each reading the report it sights)
    and sightings of unknown ones."""
    theirs = report_by(coparty, indicators=[("domain", f"seen{i}.example") for i in range(22)])
    seen = [f"indicator--{i.stix_id}" for i in theirs.indicators.all()]

    def envelope(n: int) -> list[dict]:
        return (
            [indicator(f"[domain-name:value = 'n{n}-{i}.example']") for i in range(n)]
            + [sighting(seen.pop()) for _ in range(n)]
            + [sighting(f"indicator--{uuid.uuid4()}") for _ in range(n)]
        )

    small = import_submit(actor=poster, objects=envelope(2), agreement=agreement)
    large = import_submit(actor=poster, objects=envelope(20), agreement=agreement)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        import_run(small.id)
    with django_assert_max_num_queries(len(few)):
        done = import_run(large.id)
    assert done.success_count == 40, done.details
