"""STIX objects into reports: a member's envelope (a TAXII POST, or a page polled from its own
server) is stored as a pending `ImportJob` at once (`import_submit`), and a worker turns each
object into a report or a failure with a message (`import_run`, from `exchange.tasks`).

How objects read as reports is `reports.stix.parse`; the reports are stored by
`reports.services.reports_submit` and `report_update`, which check the rules, write the audit
rows and publish the events, as for every other entry path. Idempotent on (member, STIX id,
version): `ImportedObject` is claimed before any report is written, so a re-post, a second
run of a job or two jobs carrying the same object create one report."""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation

from members.actors import Actor, audit
from members.models import Agreement
from reports.stix import parse

from .import_work import Run, detail
from .models import ImportJob, TaxiiSource

MAX_OBJECTS = 1000  # per envelope: as many as one bulk submission of the API
MAX_ID_LENGTH = 120  # ImportedObject.stix_id
MAX_VERSION_LENGTH = 40  # ImportedObject.modified
MAX_DEPTH = 64  # nesting of an object's JSON: STIX objects are a few levels deep


class EnvelopeError(ValueError):
    """An envelope whose shape is wrong as a whole (the TAXII view answers 400)."""


def _check_envelope(objects: object) -> None:
    if not isinstance(objects, list) or not objects:
        raise EnvelopeError("objects must be a non-empty list of STIX objects")
    if len(objects) > MAX_OBJECTS:
        raise EnvelopeError(f"at most {MAX_OBJECTS} objects per envelope; got {len(objects)}")
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise EnvelopeError(f"objects[{index}] is not a JSON object")
        kind, stix_id = obj.get("type"), obj.get("id")
        if not isinstance(kind, str) or not kind:
            raise EnvelopeError(f"objects[{index}] has no type")
        if not isinstance(stix_id, str) or not stix_id.startswith(f"{kind}--"):
            raise EnvelopeError(f"objects[{index}] has no id of the form {kind}--<uuid>")
        if len(stix_id) > MAX_ID_LENGTH or len(parse.version_of(obj)) > MAX_VERSION_LENGTH:
            raise EnvelopeError(f"objects[{index}] has an id or a version too long")
        if (problem := _unstorable(obj)) is not None:
            raise EnvelopeError(f"objects[{index}] {problem}")


def _unstorable(obj: dict) -> str | None:
    """What in one object PostgreSQL's jsonb would refuse (the job's insert then failed with a
    500), though Python's JSON reader accepts it; None if nothing. Walked without recursion,
    so no nesting can exhaust the stack."""
    stack: list[tuple[object, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return "holds NaN or Infinity, which JSON does not allow"
        if isinstance(value, str):
            if "\x00" in value:
                return "holds a NUL character (\\u0000), which cannot be stored"
            try:
                value.encode()
            except UnicodeEncodeError:
                return "holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not Unicode text"
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return f"nests deeper than {MAX_DEPTH} levels"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                stack.append((item, depth + 1))
                if isinstance(key, str):
                    stack.append((key, depth))
    return None


def import_submit(
    *,
    actor: Actor,
    objects: list[dict],
    agreement: Agreement | None,
    source: TaxiiSource | None = None,
    run_here: bool = False,
) -> ImportJob:
    """Stores the envelope as a pending job and asks a worker to run it once committed. The
    caller has checked that the actor may write to `agreement`'s collection. With `run_here`,
    the caller runs it itself at once (a poll, already in a worker): no message is sent, and
    if the caller dies first the sweep finds the job pending."""
    organization = actor.organization
    if organization is None:
        raise PermissionDenied("Only a member organisation imports reports.")
    _check_envelope(objects)
    with transaction.atomic():
        job = ImportJob.objects.create(
            organization=organization,
            agreement=agreement,
            source=source,
            actor_user=actor.user,
            actor_key=actor.api_key,
            objects_posted=objects,
            total_count=len(objects),
            pending_count=len(objects),
            details={"successes": [], "failures": [], "pendings": [detail(o) for o in objects]},
        )
        audit(
            actor=actor,
            action="import.submitted",
            obj=job,
            data={
                "objects": len(objects),
                "agreement": agreement.pk if agreement else None,
                "source": source.pk if source else None,
            },
        )
        if not run_here:
            transaction.on_commit(lambda: _enqueue(job), robust=True)
    return job


def _enqueue(job: ImportJob) -> None:
    from .tasks import enqueue_import  # tasks import this module

    enqueue_import(job.pk, size=job.total_count)


def import_run(job_id) -> ImportJob | None:
    """Does the job's work once: claims its row (SKIP LOCKED: a second worker on the same job
    returns at once), turns each object into a success or a failure, marks it complete, all in
    one transaction, so a worker that dies leaves the job pending for the sweep and nothing
    half done. A complete job is returned as it is; None if the job is gone."""
    # Messages are stored for a machine to read later, in the API's language.
    with translation.override("en"), transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "agreement", "actor_user", "actor_key")
            .filter(pk=job_id, status=ImportJob.Status.PENDING)
            .first()
        )
        if job is None:
            return ImportJob.objects.defer("objects_posted").filter(pk=job_id).first()
        successes, failures = Run(job).run()
        job.details = {"successes": successes, "failures": failures, "pendings": []}
        job.success_count, job.failure_count = len(successes), len(failures)
        job.pending_count = 0
        job.status = ImportJob.Status.COMPLETE
        # Up to 10 MB a POST, every polled page: the outcome (details) is what stays.
        job.objects_posted = []
        job.completed_at = timezone.now()
        job.save()
    return job
