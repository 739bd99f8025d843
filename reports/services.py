"""Writes on reports. Shape is checked by serializers and forms; the rules live here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.bulk import copy_objects, copy_rows, reserve_ids
from kernel.vocabulary import TLP
from members.models import Agreement, Organization
from members.services import Actor, audit, audit_many
from notifications.outbox import publish

from .events import ReportEvent
from .models import Evidence, Indicator, Report


@dataclass(frozen=True)
class IndicatorInput:
    kind: str
    raw_value: str
    value: str  # normalised (reports.indicators.normalise)
    note: str = ""


@dataclass
class ReportInput:
    category: str
    title: str
    indicators: list[IndicatorInput]
    tlp: int = TLP.AMBER
    description: str = ""
    jurisdictions: list[str] = field(default_factory=list)
    sharing: str = Report.Sharing.AGREEMENTS
    recipients: list[Organization] = field(default_factory=list)
    restricted_to: list[Agreement] = field(default_factory=list)
    live_from: datetime | None = None
    live_until: datetime | None = None


def check_report_rules(
    *, owner: Organization, data: ReportInput, owner_agreement_ids: set[int] | None = None
) -> None:
    """Cross-field rules of a report; raises ValidationError naming each field.

    `owner_agreement_ids`, when given, are the ids of every agreement `owner` is party to (a
    bulk submission reads them once rather than once per report).

    The messages are in the active language: the portal shows them in the person's language;
    the API always speaks English (members.middleware.UserPreferencesMiddleware)."""
    errors: dict[str, str] = {}
    if not data.indicators:
        errors["indicators"] = _("A report needs at least one indicator.")
    if data.recipients and data.tlp != TLP.RED:
        errors["recipients"] = _("Recipients are named only for TLP:RED reports.")
    if data.tlp == TLP.RED and not data.recipients:
        errors["recipients"] = _("A TLP:RED report must name its recipients.")
    if data.tlp == TLP.CLEAR and data.sharing == Report.Sharing.PRIVATE:
        errors["sharing"] = _(
            "A TLP:CLEAR report is visible to every member; it cannot be private."
        )
    if owner in data.recipients:
        errors["recipients"] = _("Your own organisation always sees its reports; name others.")
    if data.restricted_to:
        mine = owner_agreement_ids
        if mine is None:
            mine = set(
                Agreement.objects.of_party(owner)
                .filter(pk__in=[a.pk for a in data.restricted_to])
                .values_list("pk", flat=True)
            )
        # Same message for "not yours" and "does not exist": agreements are private to parties.
        missing = sorted(a.pk for a in data.restricted_to if a.pk not in mine)
        if missing:
            errors["agreements"] = _("Unknown agreements: %(numbers)s.") % {
                "numbers": ", ".join(map(str, missing))
            }
    if data.live_from and data.live_until and data.live_until < data.live_from:
        errors["live_until"] = _("The live window ends before it starts.")
    if errors:
        raise ValidationError(errors)


def _build(*, owner: Organization, actor: Actor, data: ReportInput, now: datetime) -> Report:
    return Report(
        owner=owner,
        category=data.category,
        title=data.title,
        description=data.description,
        tlp=data.tlp,
        jurisdictions=sorted({c.upper() for c in data.jurisdictions}),
        sharing=data.sharing,
        live_from=data.live_from,
        live_until=data.live_until,
        created_by=actor.user,
        created_by_key=actor.api_key,
        created_at=now,
        updated_at=now,
    )


def reports_submit(*, actor: Actor, items: list[ReportInput]) -> list[Report]:
    """Stores reports for the actor's organisation in one transaction, in bulk.

    Every item must already have passed `check_report_rules`; `reports_submit_bulk` checks
    each item and passes only the valid ones, so one bad item never loses the others.
    """
    owner = actor.organization
    if owner is None:
        raise PermissionDenied("Only a member organisation submits reports.")
    mine = None
    if any(d.restricted_to for d in items):
        mine = set(Agreement.objects.of_party(owner).values_list("pk", flat=True))
    for data in items:
        check_report_rules(owner=owner, data=data, owner_agreement_ids=mine)
    now = timezone.now()
    with transaction.atomic():
        reports = [_build(owner=owner, actor=actor, data=d, now=now) for d in items]
        for report, pk in zip(reports, reserve_ids(Report, len(reports)), strict=True):
            report.pk = pk
        # COPY rather than INSERT: see kernel.bulk. Every constraint is still checked per row.
        copy_objects(reports)
        copy_rows(
            Indicator,
            ("report_id", "position", "kind", "raw_value", "value", "note"),
            (
                (r.pk, i, ind.kind, ind.raw_value, ind.value, ind.note)
                for r, d in zip(reports, items, strict=True)
                for i, ind in enumerate(d.indicators)
            ),
        )
        copy_rows(
            Report.recipients.through,
            ("report_id", "organization_id"),
            (
                (r.pk, org_id)
                for r, d in zip(reports, items, strict=True)
                for org_id in dict.fromkeys(o.pk for o in d.recipients)
            ),
        )
        copy_rows(
            Report.restricted_to.through,
            ("report_id", "agreement_id"),
            (
                (r.pk, agreement_id)
                for r, d in zip(reports, items, strict=True)
                for agreement_id in dict.fromkeys(a.pk for a in d.restricted_to)
            ),
        )
        audit_many(actor=actor, action="report.submitted", objs=reports)
        # One event for the whole submission: a bulk of 1,000 tells each member once.
        publish(
            type=ReportEvent.SHARED,
            actor_org=owner,
            subject_ids=[r.pk for r in reports],
            urgent=any(r.is_urgent for r in reports),
        )
    return reports


def report_submit(*, actor: Actor, data: ReportInput) -> Report:
    return reports_submit(actor=actor, items=[data])[0]


class InvalidItem(Exception):
    """An item of a bulk submission that its reader refused. `errors` are the reader's own
    words (the API's field errors), handed back untouched for the caller to word."""

    def __init__(self, errors: Any):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one item of a bulk submission: its new report, or why it was refused."""

    index: int
    report: Report | None = None
    errors: Any = None


Item = TypeVar("Item")


def reports_submit_bulk(
    *, actor: Actor, items: Sequence[Item], read: Callable[[Item], ReportInput]
) -> list[BulkOutcome]:
    """A bulk submission where each item stands alone: one bad item never loses the others.

    `read` turns an item into a report's input (the caller's shape check, which applies
    `check_report_rules`) or raises InvalidItem. The valid items are stored together, in one
    transaction (`reports_submit`); the answer is one outcome per item, in the order given."""
    valid: dict[int, ReportInput] = {}
    refused: dict[int, Any] = {}
    for index, item in enumerate(items):
        try:
            valid[index] = read(item)
        except InvalidItem as e:
            refused[index] = e.errors
    stored = reports_submit(actor=actor, items=list(valid.values()))
    created = dict(zip(valid, stored, strict=True))
    return [
        BulkOutcome(index=index, report=created.get(index), errors=refused.get(index))
        for index in range(len(items))
    ]


EDITABLE = {
    "category",
    "title",
    "description",
    "tlp",
    "jurisdictions",
    "sharing",
    "recipients",
    "restricted_to",
    "live_from",
    "live_until",
    "status",
}


def report_update(*, actor: Actor, report: Report, changes: dict) -> Report:
    """Partial update by the owner. Indicators are never changed here (they are what other
    members' reports were deduplicated against); new ones are appended by
    `reports.indicator_services.report_indicators_add`."""
    if actor.organization is None or report.owner_id != actor.organization.pk:
        raise PermissionDenied("Only the reporting organisation may change a report.")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError({f: _("This field cannot be changed.") for f in sorted(unknown)})
    if "status" in changes and changes["status"] not in Report.Status.values:
        raise ValidationError(
            {"status": _("One of %(values)s.") % {"values": ", ".join(Report.Status.values)}}
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        merged = ReportInput(
            category=changes.get("category", report.category),
            title=changes.get("title", report.title),
            indicators=[
                IndicatorInput(i.kind, i.raw_value, i.value, i.note)
                for i in report.indicators.all()
            ],
            tlp=changes.get("tlp", report.tlp),
            description=changes.get("description", report.description),
            jurisdictions=changes.get("jurisdictions", report.jurisdictions),
            sharing=changes.get("sharing", report.sharing),
            recipients=changes.get("recipients", list(report.recipients.all())),
            restricted_to=changes.get("restricted_to", list(report.restricted_to.all())),
            live_from=changes.get("live_from", report.live_from),
            live_until=changes.get("live_until", report.live_until),
        )
        check_report_rules(owner=report.owner, data=merged)
        before = {
            f: getattr(report, f) for f in changes if f not in ("recipients", "restricted_to")
        }
        for name, value in changes.items():
            if name == "recipients":
                report.recipients.set(value)
            elif name == "restricted_to":
                report.restricted_to.set(value)
            elif name == "jurisdictions":
                report.jurisdictions = sorted({c.upper() for c in value})
            else:
                setattr(report, name, value)
        report.updated_at = timezone.now()
        report.save()
        audit(
            actor=actor,
            action="report.updated",
            obj=report,
            data={"changed": sorted(changes), "status_before": before.get("status")},
        )
        publish(
            type=ReportEvent.UPDATED,
            actor_org=report.owner,
            subject_ids=[report.pk],
            urgent=report.is_urgent,
        )
    return report


def evidence_add(*, actor: Actor, report: Report, upload) -> Evidence:
    """Attaches a file to a report (owner only). The same file twice is stored once."""
    from django.conf import settings

    if actor.organization is None or report.owner_id != actor.organization.pk:
        raise PermissionDenied("Only the reporting organisation may add evidence.")
    if upload.size > settings.MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {"file": f"At most {settings.MAX_EVIDENCE_BYTES // (1024 * 1024)} MiB per file."}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha = digest.hexdigest()
    existing = report.evidence.filter(sha256=sha).first()
    if existing is not None:
        return existing
    evidence = Evidence(
        report=report,
        name=(upload.name or "evidence")[-255:],
        content_type=(upload.content_type or "application/octet-stream")[:100],
        size=upload.size,
        sha256=sha,
        uploaded_by=actor.user,
    )
    evidence.file.save(sha, upload, save=False)
    try:
        with transaction.atomic():
            evidence.save()
            audit(actor=actor, action="evidence.added", obj=evidence, data={"report": report.pk})
    except IntegrityError as e:
        # The same bytes uploaded at the same moment by another request, which stored them
        # first: the answer is that row, as for an upload after it (the check above cannot
        # see a concurrent insert; the unique constraint does). Our copy of the file goes.
        evidence.file.delete(save=False)
        winner = report.evidence.filter(sha256=sha).first()
        if _violated_constraint(e) != "evidence_once_per_report" or winner is None:
            raise
        return winner
    return evidence


def _violated_constraint(error: IntegrityError) -> str | None:
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
