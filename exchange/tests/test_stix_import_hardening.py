"""What a code review of the STIX import found (issue 15): bad input fails its own object (or
the envelope, with a 400) and the job always completes; one id never becomes two reports; a
revoked key or a deactivated person imports nothing; TLP never falls below what the envelope
or the sighted report says; a job keeps no objects once complete (docs/stix.md, "Import")."""

from __future__ import annotations

import ast
import json
import pathlib
import threading

import pytest
from django.db import connection, transaction

from exchange.imports import EnvelopeError, import_run, import_submit
from exchange.models import ImportJob
from exchange.taxii.collections import agreement_collection
from kernel.vocabulary import TLP
from members.actors import Actor
from members.models import APIKey
from members.services import api_key_create, api_key_revoke, user_deactivate
from reports.models import Report
from reports.stix import parse
from reports.stix.export import pattern
from reports.stix.patterns import equalities
from reports.tests.factories import _as, report_by

from .stix_import_helpers import (
    TLP2,
    agreement,
    failure,
    indicator,
    new_report,
    only,
    post,
    poster,
    sighting,
)
from .taxii_helpers import error_of, objects_url, taxii

__all__ = ["agreement", "poster"]  # fixtures

DOMAIN = "[domain-name:value = 'a.example']"


# --- bad input fails its object, or the envelope with a 400 ------------------------------------


def test_parentheses_nested_too_deep_fail_the_object_and_the_job_completes(poster, agreement):
    deep = "(" * 350 + DOMAIN + ")" * 350
    job = post(poster, [indicator(deep), indicator(DOMAIN)], agreement)
    assert job.status == "complete" and job.success_count == 1
    (failed,) = job.details["failures"]
    assert failed["message"] == "pattern not supported: parentheses nest deeper than 32 levels"


@pytest.mark.parametrize("version", ["2026-11-02", "2026-11-02T10:00:00", "2026-11-02T12:00+02:00"])
def test_a_version_that_is_not_a_stix_timestamp_fails_the_object(poster, agreement, version):
    obj = indicator(DOMAIN)
    report = new_report(post(poster, [obj], agreement))
    job = post(poster, [{**obj, "modified": version, "name": "Renamed"}], agreement)
    assert job.status == "complete"
    assert failure(job) == (
        "modified (or created) must be a STIX timestamp: RFC 3339 in UTC, ending in Z"
    )
    report.refresh_from_db()
    assert report.title != "Renamed"


@pytest.mark.parametrize(
    "bad",
    [
        {"x_score": float("nan")},
        {"x_score": [1, float("inf")]},
        {"description": "a\x00b"},
        {"description": "\ud800"},
        {"extensions": {"x\x00": {}}},
        {"x_deep": json.loads("[" * 80 + "]" * 80)},
    ],
)
def test_what_postgresql_cannot_store_refuses_the_envelope(poster, agreement, bad):
    with pytest.raises(EnvelopeError, match=r"^objects\[1\] "):
        import_submit(
            actor=poster, objects=[indicator(DOMAIN), indicator(DOMAIN, **bad)], agreement=agreement
        )
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("body", ['"x_score": NaN', '"x_score": -Infinity', '"name": "\\u0000"'])
def test_a_taxii_post_of_such_an_envelope_is_a_400_not_a_500(owner, coparty, agreement, body):
    obj = json.dumps(indicator(DOMAIN))[:-1] + ", " + body + "}"
    response = taxii(owner).post(
        objects_url(agreement_collection(agreement).id),
        '{"objects": [' + obj + "]}",
        content_type="application/taxii+json;version=2.1",
    )
    assert "objects[0] holds" in error_of(response, 400)["description"]
    assert not ImportJob.objects.exists()


def test_an_unexpected_error_reading_one_object_fails_it_alone(poster, agreement, monkeypatch):
    real = parse.indicator_values

    def fragile(pattern):
        if "boom" in pattern:
            raise KeyError("surprise")
        return real(pattern)

    monkeypatch.setattr(parse, "indicator_values", fragile)
    job = post(
        poster, [indicator("[domain-name:value = 'boom.example']"), indicator(DOMAIN)], agreement
    )
    assert job.status == "complete" and job.success_count == 1
    (failed,) = job.details["failures"]
    assert failed["message"] == "could not be read: KeyError: 'surprise'"


# --- one id, one report ------------------------------------------------------------------------


def test_two_versions_of_one_indicator_in_one_envelope_make_one_report(poster, agreement):
    first = indicator(DOMAIN, name="First")
    second = {**first, "modified": "2026-11-02T10:00:00.000Z", "name": "Second"}
    job = post(poster, [second, first], agreement)
    assert job.failure_count == 0
    (report,) = Report.objects.all()
    assert report.title == "Second"
    assert [d["message"] for d in job.details["successes"]] == [
        f"report {report.pk} updated",
        f"imported as report {report.pk}",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_jobs_carrying_versions_of_one_indicator_at_once_make_one_report(owner, coparty):
    from reports.tests.factories import agreement_between

    agreement = agreement_between(owner, coparty, jurisdictions=["PE"])
    poster = _as(owner)
    first = indicator(DOMAIN, name="First")
    second = {**first, "modified": "2026-11-02T10:00:00.000Z", "name": "Second"}
    jobs = [
        import_submit(actor=poster, objects=[obj], agreement=agreement, run_here=True)
        for obj in (first, second)
    ]
    errors: list[Exception] = []

    def run_second() -> None:
        try:
            import_run(jobs[1].id)
        except Exception as e:  # reported by the assertion below
            errors.append(e)
        finally:
            connection.close()

    with transaction.atomic():
        import_run(jobs[0].id)  # done, not yet committed
        other = threading.Thread(target=run_second)
        other.start()
        # Until the second job waits for this one's lock, or (were there none) is done.
        while other.is_alive() and not _someone_waits_for_an_advisory_lock():
            other.join(0.01)
    other.join(30)
    assert errors == []
    (report,) = Report.objects.all()
    assert report.title == "Second"


def _someone_waits_for_an_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


# --- who may still import ----------------------------------------------------------------------


def test_a_key_revoked_before_the_job_runs_imports_nothing(owner, agreement):
    key, _plain = api_key_create(
        actor=Actor.system(), organization=owner, name="feed", scopes=("read", "write")
    )
    job = import_submit(actor=Actor(api_key=key), objects=[indicator(DOMAIN)], agreement=agreement)
    api_key_revoke(actor=_as(owner), api_key=APIKey.objects.get(pk=key.pk))
    message = failure(import_run(job.id))
    assert message == "the API key that posted this envelope is revoked or expired"
    assert not Report.objects.exists()


def test_a_person_deactivated_before_the_job_runs_imports_nothing(owner, poster, agreement):
    job = import_submit(actor=poster, objects=[indicator(DOMAIN)], agreement=agreement)
    user_deactivate(actor=_as(owner), user=poster.user)
    assert failure(import_run(job.id)) == "the person who posted this envelope is deactivated"
    assert not Report.objects.exists()


# --- TLP is never less than the envelope or the sighted report says ----------------------------


def test_a_report_naming_the_indicator_can_only_make_its_tlp_stricter(poster, agreement):
    green = indicator(DOMAIN, object_marking_refs=[TLP2[TLP.GREEN]])
    unmarked = indicator("[domain-name:value = 'b.example']")
    named = {
        "type": "report",
        "spec_version": "2.1",
        "id": "report--0b3c1f1e-6a43-4f0e-9a0e-3f1b5c1c2d11",
        "created": green["created"],
        "modified": green["created"],
        "name": "Derby",
        "published": green["created"],
        "object_refs": [green["id"], unmarked["id"]],
        "object_marking_refs": [TLP2[TLP.AMBER]],
    }
    job = post(poster, [green, unmarked, named], agreement)
    assert job.failure_count == 0, job.details
    assert set(Report.objects.values_list("tlp", flat=True)) == {TLP.AMBER}


def test_a_sighting_is_at_least_as_restricted_as_the_report_it_sights(poster, agreement, coparty):
    theirs = report_by(coparty, tlp=TLP.AMBER, indicators=[("domain", "seen.example")])
    ref = f"indicator--{theirs.indicators.get().stix_id}"
    report = new_report(
        post(poster, [sighting(ref, object_marking_refs=[TLP2[TLP.CLEAR]])], agreement)
    )
    assert report.tlp == TLP.AMBER


def test_a_sighting_of_anothers_red_report_is_refused(poster, agreement, owner, coparty, outsider):
    red = report_by(
        coparty, tlp=TLP.RED, recipients=[owner], indicators=[("domain", "red.example")]
    )
    job = post(poster, [sighting(f"indicator--{red.indicators.get().stix_id}")], agreement)
    assert failure(job) == (
        "a sighting of a TLP:RED report is not imported: its owner chose its recipients"
    )
    assert Report.objects.filter(owner=owner).count() == 0


# --- the job keeps its outcome, not its objects ------------------------------------------------


def test_a_complete_job_keeps_its_outcome_and_not_the_objects_posted(poster, agreement):
    job = post(poster, [indicator(DOMAIN)], agreement)
    job.refresh_from_db()
    assert job.objects_posted == [] and job.status == "complete"
    assert only(job)["message"].startswith("imported as report ")
    assert import_run(job.id).details == job.details


# --- the pattern's strings, and the parser's layer ---------------------------------------------


@pytest.mark.parametrize("value", ["a\\b", "it's", "ends\\", "\\'", "\\\\'\\", "''", "plain"])
def test_our_own_exports_patterns_read_back_to_the_same_value(value):
    (found,) = equalities(pattern("domain", value))
    assert found.value == value


def test_the_stix_parser_imports_nothing_of_the_api_layer():
    for path in pathlib.Path(parse.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                name = "." * node.level + (node.module or "")
                assert not name.startswith(("..api", "reports.api")), f"{path.name}: {name}"
