"""The portal's target page: one target and its cluster as the reader sees them (the API's
`/api/v1/targets/{id}/`, for people). Everything on it is computed from the reports the reader
may see (docs/contract.md, "Derived data"); a target with none of them answers 404, as one that
does not exist. Targets are addressed by their name-based `uid`, never by the internal key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.models import Organization
from members.portal import may_write, member_org

from . import dedup
from .forms import KIND_LABELS
from .models import Indicator, Report, Target, TargetLink
from .selectors import ReaderCluster, Suggestion, open_suggestions, reader_cluster, visible_targets


@dataclass(frozen=True)
class ClusterRow:
    target: Target
    kind_label: str
    reports: int  # how many reports the reader may see name it
    here: bool  # the page's own target


@dataclass(frozen=True)
class LinkRow:
    source: Target
    target: Target
    reason: str  # in words


def _reports_on(org: Organization, target: Target):
    """The reports naming `target` that `org` may see, newest first, with what the table shows
    (who reported it where an agreement names them)."""
    return (
        Report.objects.visible_to(org)
        .with_disclosure(org)
        .filter(Exists(Indicator.objects.filter(report=OuterRef("pk"), target=target)))
        .select_related("owner")
        .order_by("-created_at", "-pk")
    )


def _cluster_rows(cluster: ReaderCluster | None, target: Target) -> list[ClusterRow]:
    if cluster is None:
        return []
    return [
        ClusterRow(
            target=t,
            kind_label=KIND_LABELS.get(t.kind, t.kind),
            reports=cluster.report_counts.get(t.pk, 0),
            here=t.pk == target.pk,
        )
        for t in cluster.targets
    ]


def _link_rows(cluster: ReaderCluster | None) -> list[LinkRow]:
    if cluster is None:
        return []
    reasons = dict(TargetLink.Reason.choices)
    return [LinkRow(a, b, reasons.get(reason, reason)) for a, b, reason in cluster.links]


@login_required
def target_detail(request, uid: uuid.UUID):
    org = member_org(request)
    target = get_object_or_404(visible_targets(org), uid=uid)
    cluster = reader_cluster(org, target)
    suggestions: list[Suggestion] = open_suggestions(org, target, cluster)
    return render(
        request,
        "reports/target.html",
        {
            "org": org,
            "target": target,
            "kind_label": KIND_LABELS.get(target.kind, target.kind),
            "reports": list(_reports_on(org, target)),
            "cluster": _cluster_rows(cluster, target),
            "links": _link_rows(cluster),
            "suggestions": suggestions,
            "may_write": may_write(request.user),
        },
    )


@login_required
@require_POST
def target_suggestion(request, uid: uuid.UUID, other: uuid.UUID, decision: str):
    """Confirm or dismiss one of the page's open suggestions (as the API's
    `suggestions/{id}/confirm/` and `dismiss/`). A suggestion the reader is not offered is 404."""
    org = member_org(request)
    if not may_write(request.user):
        return render(request, "reports/read_only.html", {"org": org}, status=403)
    target = get_object_or_404(visible_targets(org), uid=uid)
    suggestion = next((s for s in open_suggestions(org, target) if s.other.uid == other), None)
    if suggestion is None:
        raise Http404
    confirm = decision == "confirm"
    dedup.suggestion_decide(
        org=org, source=target, target=suggestion.other, reason=suggestion.reason, confirm=confirm
    )
    messages.success(
        request,
        (
            _("Confirmed: %(value)s is part of this operation.")
            if confirm
            else _("Dismissed: %(value)s will not be suggested again.")
        )
        % {"value": suggestion.other.value},
    )
    return redirect("reports:target", uid=target.uid)
