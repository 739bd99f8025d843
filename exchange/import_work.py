"""One import job's work (`exchange.imports.import_run` runs it): each object of the envelope
read (`reports.stix.parse`), claimed in `ImportedObject` (idempotency), and stored through
`reports.services`; the outcome of each object, for the TAXII status resource."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from kernel.locks import Lock, xact_lock_on_all
from members.actors import Actor
from members.models import Agreement, APIKey, Organization
from reports.models import Report
from reports.services import ReportInput, check_report_rules, report_update, reports_submit
from reports.stix import parse
from reports.stix.parse import Refused

from .models import ImportedObject, ImportJob

log = logging.getLogger(__name__)

BECOMES_REPORT = ("indicator", "sighting")
# What a new version of an indicator may change in its report (`report_update`).
_UPDATED = (
    "category",
    "title",
    "description",
    "tlp",
    "jurisdictions",
    "live_from",
    "live_until",
    "recipients",
    "restricted_to",
)


@dataclass
class _Claimed:
    obj: dict[str, Any]
    row_id: int


class Run:
    """One job's work, in the order that lets a sighting name an indicator posted beside it:
    indicators first, then sightings."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.owner: Organization = job.organization
        self.actor = Actor(user=job.actor_user, api_key=job.actor_key)
        self.outcome: dict[int, tuple[bool, str]] = {}  # index in the envelope -> (ok, message)
        self.links: dict[int, int] = {}  # ImportedObject id -> the report it made or updated
        self.dropped: list[int] = []  # ImportedObject ids of objects that failed after all

    def run(self) -> tuple[list[dict], list[dict]]:
        objects = self.job.objects_posted
        refusal = self._refusal()
        seen: set[tuple[str, str]] = set()
        todo: dict[str, list[int]] = {kind: [] for kind in BECOMES_REPORT}
        for index, obj in enumerate(objects):
            key = (obj["id"], parse.version_of(obj))
            if refusal:
                self.outcome[index] = (False, refusal)
            elif key in seen:
                self.outcome[index] = (True, "already in this envelope")
            elif obj["type"] in BECOMES_REPORT and parse.moment_of(key[1]) is None:
                self.outcome[index] = (
                    False,
                    "modified (or created) must be a STIX timestamp: RFC 3339 in UTC, ending in Z",
                )
            elif obj["type"] in BECOMES_REPORT:
                todo[obj["type"]].append(index)
            elif obj["type"] in parse.CONTEXT_TYPES:
                self.outcome[index] = (True, f"accepted: a {obj['type']} is read, not stored")
            else:
                self.outcome[index] = (
                    False,
                    f"objects of type {obj['type'][:60]} are not imported: an indicator becomes "
                    "a report, a sighting a corroboration",
                )
            seen.add(key)
        if not refusal:
            # Each object's id, locked for the owner before any earlier version is looked up:
            # two jobs carrying versions of one id (which their claims do not order) take turns.
            ids = {objects[i]["id"] for kind in BECOMES_REPORT for i in todo[kind]}
            xact_lock_on_all(Lock.STIX_IMPORT, [f"{self.owner.pk}:{i}" for i in ids])
            self.envelope = parse.read_envelope(
                objects,
                owner=self.owner,
                agreement=self.job.agreement,
                polled=self.job.source_id is not None,
            )
            self.mine = set(Agreement.objects.of_party(self.owner).values_list("pk", flat=True))
            self._in_rounds(todo["indicator"], self._indicators)
            self._in_rounds(todo["sighting"], self._sightings)
        successes, failures = [], []
        for index, obj in enumerate(objects):
            ok, message = self.outcome[index]
            (successes if ok else failures).append(detail(obj, message))
        return successes, failures

    def _refusal(self) -> str:
        """Why nothing of the job may be imported now (checked again at run time: the job may
        have waited while the member was suspended or the agreement ended)."""
        if self.actor.organization is None or self.actor.organization.pk != self.owner.pk:
            return "the person or key that posted this envelope no longer acts for you"
        if self.owner.is_suspended:
            return "your organisation is suspended"
        key, user = self.actor.api_key, self.actor.user
        if key is not None and not APIKey.objects.usable().filter(pk=key.pk).exists():
            return "the API key that posted this envelope is revoked or expired"
        if user is not None and not user.is_active:
            return "the person who posted this envelope is deactivated"
        agreement = self.job.agreement
        if agreement is not None:
            in_force = Agreement.objects.in_force().of_party(self.owner).filter(pk=agreement.pk)
            if not in_force.exists():
                return "the agreement of this collection is not in force"
        return ""

    # --- indicators -------------------------------------------------------------------------

    def _read(self, index: int, reading: Callable[..., ReportInput], *args) -> ReportInput | None:
        """One object read, or its failure: whatever goes wrong reading one object fails that
        object alone, so that the job always completes (else the sweep sends it for ever)."""
        try:
            return reading(*args)
        except Refused as e:
            self.outcome[index] = (False, str(e))
        except Exception as e:  # any: see the docstring
            log.warning(
                "STIX object %d of import job %s could not be read",
                index,
                self.job.pk,
                exc_info=True,
            )
            self.outcome[index] = (False, f"could not be read: {type(e).__name__}: {str(e)[:200]}")
        return None

    def _in_rounds(self, indices: list[int], handle: Callable[[list[int]], None]) -> None:
        """Several versions of one id in an envelope are handled in version order, a round
        each, so that each finds the one before it imported (not two reports of one id)."""
        objects = self.job.objects_posted
        by_id: dict[str, list[int]] = {}
        for index in sorted(indices, key=lambda i: parse.moment_of(parse.version_of(objects[i]))):
            by_id.setdefault(objects[index]["id"], []).append(index)
        for n in range(max(map(len, by_id.values()), default=0)):
            handle([versions[n] for versions in by_id.values() if len(versions) > n])

    def _indicators(self, indices: list[int]) -> None:
        objects = self.job.objects_posted
        read: dict[int, ReportInput] = {}
        for index in indices:
            data = self._read(index, parse.indicator_report, objects[index], self.envelope)
            if data is not None:
                read[index] = data
        claimed = self._claim(read)
        new: dict[int, ReportInput] = {}
        previous = self._previous_versions([objects[i]["id"] for i in claimed])
        for index, claim in claimed.items():
            earlier = previous.get(claim.obj["id"])
            if earlier is not None and self._new_version(index, claim, earlier, read[index]):
                continue
            if claim.obj.get("revoked") is True:
                self._done(index, claim, None, "revoked: nothing to import")
            else:
                new[index] = read[index]
        self._submit(new, claimed)

    def _previous_versions(self, stix_ids: list[str]) -> dict[str, ImportedObject]:
        """The version of each id imported last before this job (its report, if it made one)."""
        rows = (
            ImportedObject.objects.filter(organization=self.owner, stix_id__in=stix_ids)
            .exclude(report=None)
            .select_related("report")
            .prefetch_related("report__indicators")
            .order_by("stix_id", "-created_at", "-pk")
            .distinct("stix_id")
        )
        return {row.stix_id: row for row in rows}

    def _new_version(
        self, index: int, claim: _Claimed, earlier: ImportedObject, data: ReportInput
    ) -> bool:
        """A new version of an indicator already imported updates its report (through
        `report_update`, as the owner would) when it names the same values; `revoked`
        withdraws it. False: a version naming other values, which is a new report, since a
        report's indicators never change (others' reports were deduplicated against them)."""
        report = earlier.report
        assert report is not None
        mine = parse.moment_of(parse.version_of(claim.obj))
        theirs = parse.moment_of(earlier.modified)
        if mine is not None and theirs is not None and mine < theirs:
            # Not linked to the report: the version imported last stays the newest one.
            self._done(index, claim, None, "older than a version imported: nothing changed")
            return True
        if claim.obj.get("revoked") is True:
            changes: dict[str, Any] = {"status": Report.Status.WITHDRAWN}
        elif {(i.kind, i.value) for i in report.indicators.all()} == {
            (i.kind, i.value) for i in data.indicators
        }:
            changes = {name: getattr(data, name) for name in _UPDATED}
        else:
            return False
        try:
            with transaction.atomic():
                report_update(actor=self.actor, report=report, changes=changes)
        except (ValidationError, PermissionDenied) as e:
            self._unclaim(index, claim, _words(e))
        else:
            self._done(index, claim, report, f"report {report.pk} updated")
        return True

    # --- sightings --------------------------------------------------------------------------

    def _sightings(self, indices: list[int]) -> None:
        objects = self.job.objects_posted
        refs = {i: objects[i].get("sighting_of_ref") for i in indices}
        own = self._own_reports([r for r in refs.values() if isinstance(r, str)])
        visible = parse.visible_indicators(
            self.owner, [r for r in refs.values() if isinstance(r, str) and r not in own]
        )
        read: dict[int, ReportInput] = {}
        for index in indices:
            data = self._read(index, self._sighting, objects[index], own, visible)
            if data is not None:
                read[index] = data
        claimed = self._claim(read)
        previous = self._previous_versions([objects[i]["id"] for i in claimed])
        new = {}
        for index, claim in claimed.items():
            earlier = previous.get(claim.obj["id"])
            if earlier is not None:
                # A sighting corroborates once; a later version (a new count) adds nothing.
                self._done(index, claim, earlier.report, "this sighting was already imported")
            else:
                new[index] = read[index]
        self._submit(new, claimed)

    def _sighting(self, obj: dict, own: dict[str, Report], visible: dict) -> ReportInput:
        ref = obj.get("sighting_of_ref")
        if not isinstance(ref, str) or not ref.startswith("indicator--"):
            raise Refused("sighting_of_ref must name an indicator")
        if ref in own:
            sighted = own[ref]
            seen = list(sighted.indicators.all())
        elif ref in visible:
            seen = visible[ref]
            sighted = seen[0].report
        else:
            # The same words whether the indicator is hidden from the poster or does not
            # exist: the answer must not tell the two apart.
            raise Refused(parse.UNKNOWN_INDICATOR)
        return parse.sighting_report(
            obj, self.envelope, seen=seen, sighted=sighted, own=sighted.owner_id == self.owner.pk
        )

    def _own_reports(self, refs: list[str]) -> dict[str, Report]:
        """The poster's own reports made from indicators it imported, by their STIX ids (this
        envelope's included: its indicators are stored before its sightings)."""
        rows = (
            ImportedObject.objects.filter(organization=self.owner, stix_id__in=refs)
            .exclude(report=None)
            .filter(report__owner=self.owner)
            .select_related("report")
            .prefetch_related("report__indicators")
            .order_by("stix_id", "-created_at", "-pk")
            .distinct("stix_id")
        )
        return {row.stix_id: row.report for row in rows}

    # --- storing ----------------------------------------------------------------------------

    def _claim(self, read: dict[int, ReportInput]) -> dict[int, _Claimed]:
        """Inserts an ImportedObject per object, skipping those already there; only the objects
        inserted here are imported. The unique constraint makes a concurrent job carrying the
        same object wait for this one's commit, then find it imported."""
        objects = self.job.objects_posted
        if not read:
            return {}
        keys = [(objects[i]["id"], parse.version_of(objects[i])) for i in read]
        table = ImportedObject._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (organization_id, stix_id, modified, created_at)"  # noqa: S608 - names only
                " SELECT %s, k.id, k.version, %s FROM unnest(%s::text[], %s::text[])"
                " AS k(id, version) ON CONFLICT DO NOTHING RETURNING id, stix_id, modified",
                [self.owner.pk, timezone.now(), [k[0] for k in keys], [k[1] for k in keys]],
            )
            inserted = {(stix_id, version): pk for pk, stix_id, version in cursor.fetchall()}
        claimed = {}
        for index, key in zip(read, keys, strict=True):
            if key in inserted:
                claimed[index] = _Claimed(objects[index], inserted[key])
            else:
                self.outcome[index] = (True, "already imported")
        return claimed

    def _submit(self, items: dict[int, ReportInput], claimed: dict[int, _Claimed]) -> None:
        """Stores the new reports together (`reports_submit`: one transaction, one event for
        the batch); an item the report rules refuse fails alone and gives its claim back."""
        valid: dict[int, ReportInput] = {}
        for index, data in items.items():
            try:
                check_report_rules(owner=self.owner, data=data, owner_agreement_ids=self.mine)
            except ValidationError as e:
                self._unclaim(index, claimed[index], _words(e))
            else:
                valid[index] = data
        if valid:
            stored = reports_submit(actor=self.actor, items=list(valid.values()))
            for index, report in zip(valid, stored, strict=True):
                self._done(index, claimed[index], report, f"imported as report {report.pk}")
        self._flush()

    def _done(self, index: int, claim: _Claimed, report: Report | None, message: str) -> None:
        if report is not None:
            self.links[claim.row_id] = report.pk
        self.outcome[index] = (True, message)

    def _unclaim(self, index: int, claim: _Claimed, message: str) -> None:
        # A failed object is not imported: posting it again (corrected or not) tries again.
        self.dropped.append(claim.row_id)
        self.outcome[index] = (False, message)

    def _flush(self) -> None:
        """The claims' reports and the failed claims, in two statements for the whole batch."""
        if self.dropped:
            ImportedObject.objects.filter(pk__in=self.dropped).delete()
        if self.links:
            table = ImportedObject._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET report_id = k.report"  # noqa: S608 - names only
                    " FROM unnest(%s::bigint[], %s::bigint[]) AS k(id, report)"
                    f" WHERE {table}.id = k.id",
                    [list(self.links), list(self.links.values())],
                )
        self.dropped, self.links = [], {}


def _words(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in sorted(error.message_dict.items())
        )
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def detail(obj: dict[str, Any], message: str | None = None) -> dict[str, str]:
    detail = {"id": obj["id"], "version": parse.version_of(obj)}
    if message is not None:
        detail["message"] = message
    return detail
