"""STIX objects for the import tests, the poster and its agreement with the co-party, and
how to read a job's outcome."""

from __future__ import annotations

import uuid

import pytest

from exchange.imports import import_run, import_submit
from exchange.models import ImportJob
from kernel.vocabulary import TLP
from members.actors import Actor
from members.tests.factories import UserFactory
from reports.models import Report
from reports.tests.factories import agreement_between

TLP2 = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP1 = {
    TLP.CLEAR: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    TLP.GREEN: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    TLP.AMBER: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    TLP.RED: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
OPENCTI_AMBER_STRICT = "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"
CREATED = "2026-11-01T10:00:00.000Z"


def indicator(pattern: str, **fields) -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": fields.pop("id", f"indicator--{uuid.uuid4()}"),
        "created": CREATED,
        "modified": fields.pop("modified", CREATED),
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": CREATED,
        "labels": fields.pop("labels", ["live_sports"]),
        **fields,
    }


def sighting(ref: str, **fields) -> dict:
    return {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid4()}",
        "created": CREATED,
        "modified": CREATED,
        "sighting_of_ref": ref,
        **fields,
    }


@pytest.fixture
def agreement(owner, coparty):
    return agreement_between(owner, coparty, jurisdictions=["PE"], max_tlp=TLP.AMBER)


@pytest.fixture
def poster(owner) -> Actor:
    return Actor(user=UserFactory(organization=owner, role="analyst"))


def post(poster, objects, agreement=None) -> ImportJob:
    job = import_submit(actor=poster, objects=objects, agreement=agreement)
    return import_run(job.id)


def only(job: ImportJob) -> dict:
    (detail,) = job.details["successes"] + job.details["failures"]
    return detail


def failure(job: ImportJob) -> str:
    assert job.success_count == 0, job.details
    return only(job)["message"]


def new_report(job: ImportJob) -> Report:
    (detail,) = job.details["successes"]
    assert detail["message"].startswith("imported as report "), detail
    return Report.objects.get(pk=int(detail["message"].rsplit(" ", 1)[1]))


def values(report: Report) -> list[tuple[str, str]]:
    return [(i.kind, i.value) for i in report.indicators.all()]
