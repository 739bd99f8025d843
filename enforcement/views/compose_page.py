"""The issuer's compose page: targets typed or picked, checked against the safeguards,
then issued."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Organization
from members.services import Actor

from .. import services
from ..forms import (
    KIND_LABELS,
    OrderComposeForm,
    TargetSource,
    parse_target_lines,
    pickable_targets,
    target_sources,
)
from .common import (
    PICKER_SIZE,
    _apply_order_errors,
    _forbidden,
    _may_write,
    _member_org,
    _read_only,
)

# ---------------------------------------------------------------------------- compose


@dataclass(frozen=True)
class CheckedTarget:
    source: TargetSource
    kind_label: str
    refusal: str  # why the protected list refuses it, or ""
    warnings: list[str]


def _check(sources: list[TargetSource], org: Organization) -> list[CheckedTarget]:
    result = services.check_targets([s.target for s in sources], org)
    refusals = {(h.kind, h.value): h.reason for h in result.protected}
    return [
        CheckedTarget(
            source=s,
            kind_label=KIND_LABELS.get(s.target.kind, s.target.kind),
            refusal=refusals.get((s.target.kind, s.target.value), ""),
            warnings=result.warnings.get((s.target.kind, s.target.value), []),
        )
        for s in sources
    ]


@dataclass(frozen=True)
class Trimmed:
    """The targets box and the ticked targets without what the protected list refuses."""

    text: str
    picked: list[str]  # public ids, as the form sends them
    removed: list[str]  # each refused target, with where it was given


def _without_refused(text: str, picked, checked: list[CheckedTarget]) -> Trimmed:
    """Every line that names a refused target goes (all of them, if typed twice), and a refused
    ticked target is unticked; the other lines stay exactly as typed, comments and lines not
    understood included, so nothing but the refusals changes."""
    refused = [c for c in checked if c.refusal]
    lines = {number for c in refused for number in c.source.lines}
    keys = {(c.source.target.kind, c.source.target.value) for c in refused}
    kept = [line for number, line in enumerate(text.splitlines(), start=1) if number not in lines]
    return Trimmed(
        text="\n".join(kept),
        picked=[str(t.uid) for t in picked if (t.kind, t.value) not in keys],
        removed=[c.source.label for c in refused],
    )


def _picker(org: Organization, query: str, selected: set) -> list[tuple[object, bool]]:
    """The picked targets first (so a search never drops them), then up to PICKER_SIZE matches
    of `query` among the targets the org may see."""
    targets = pickable_targets(org)
    chosen = list(targets.filter(uid__in=selected).order_by("kind", "value")) if selected else []
    matches = targets.exclude(uid__in=selected)
    matches = (
        matches.filter(value__icontains=query).order_by("value")
        if query
        # Most recently reported in what the org may see, not in the hub's own records.
        else matches.order_by("-last_seen", "value")
    )
    shown = [(t, True) for t in chosen] + [(t, False) for t in matches[:PICKER_SIZE]]
    for t, _on in shown:
        t.kind_label = KIND_LABELS.get(t.kind, t.kind)
    return shown


@login_required
def compose(request):
    org = _member_org(request)
    if not services.may_issue(org):
        return _forbidden(
            request, org, _("Only a regulator or law-enforcement member issues blocking orders.")
        )
    if not _may_write(request.user):
        return _read_only(request, org)
    action = request.POST.get("action", "issue") if request.method == "POST" else None
    form = OrderComposeForm(
        request.POST if action else None,
        organization=org,
        initial={"q": request.GET.get("q", "")},
    )
    checked: list[CheckedTarget] | None = None
    target_errors: list[str] = []
    removed: list[str] = []
    if action in ("check", "search", "drop_refused"):
        # Stores nothing and judges only the targets: the rest is shown again as typed.
        form.is_valid()
        initial = form.initial_from_data()
        if action in ("check", "drop_refused"):
            text = form["targets"].value() or ""
            lines, target_errors = parse_target_lines(text)
            picked = form.cleaned_data.get("picked") or []
            checked = _check(target_sources(lines, picked), org)
            if action == "drop_refused":
                # No script needed: the same page again, the refused lines gone, checked anew.
                trimmed = _without_refused(text, picked, checked)
                removed = trimmed.removed
                initial.update(targets=trimmed.text, picked=trimmed.picked)
                lines, target_errors = parse_target_lines(trimmed.text)
                kept = [t for t in picked if str(t.uid) in trimmed.picked]
                # What is left was judged a moment ago: its findings stay, its lines renumber.
                found = {(c.source.target.kind, c.source.target.value): c for c in checked}
                checked = [
                    replace(found[(s.target.kind, s.target.value)], source=s)
                    for s in target_sources(lines, kept)
                ]
        form = OrderComposeForm(initial=initial, organization=org)
    elif action == "issue" and form.is_valid():
        sources = form.sources()
        try:
            order = services.order_issue(
                actor=Actor(user=request.user), data=form.to_input(sources)
            )
        except services.InvalidOrder as e:
            custom = form.cleaned_data["deadline"] == "custom"
            rename = {"deadline": "deadline_at"} if custom else None
            _apply_order_errors(form, e.errors, sources, rename)
        except services.DuplicateReference as e:
            # A second submission (a double click) lost the race to the first one.
            form.add_error("reference", str(e))
        else:
            isps = order.compliance.count()
            messages.success(
                request,
                # The English text keeps "ISP(s)" for one and many; translations may inflect.
                ngettext(
                    "Order %(reference)s issued to %(count)s ISP(s).",
                    "Order %(reference)s issued to %(count)s ISP(s).",
                    isps,
                )
                % {"reference": order.reference, "count": isps},
            )
            return redirect("enforcement:detail", pk=order.pk)
    if form.is_bound:
        target_errors = list(form.errors.get("targets", []))
    query = (form["q"].value() or "").strip()
    return render(
        request,
        "enforcement/orders/compose.html",
        {
            "org": org,
            "form": form,
            "target_errors": target_errors,
            "checked": checked,
            "refused": sum(bool(c.refusal) for c in checked or []),
            "warned": sum(bool(c.warnings) for c in checked or []),
            "removed": removed,
            "picker": _picker(org, query, form.picked_ids()),
            "query": query,
            "picker_size": PICKER_SIZE,
        },
    )
