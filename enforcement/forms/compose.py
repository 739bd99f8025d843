"""The portal's order list filter and the compose form."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from kernel.forms import ZonedDateTimeField
from members.models import Organization
from reports.selectors import visible_targets

from ..api.filters import BlockingOrderFilter
from ..models import OrderTarget
from ..services import OrderInput, default_isps
from .targets import (
    BLOCKABLE_KINDS,
    DEADLINE_CHOICES,
    IdListField,
    IspChoiceField,
    TargetLinesField,
    TargetSource,
    target_sources,
)

# ---------------------------------------------------------------------------- list


class PortalOrderFilter(BlockingOrderFilter):
    """The API's order filters, same names and meaning, applied on `visible_orders(org)`."""

    LABELS = {
        "role": gettext_lazy("Orders"),
        "status": gettext_lazy("Status"),
        "reference": gettext_lazy("Reference"),
    }

    class Meta(BlockingOrderFilter.Meta):
        fields = ["role", "status", "reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters = {name: self.filters[name] for name in self.LABELS}
        for name, label in self.LABELS.items():
            self.filters[name].label = label
        self.filters["role"].extra["empty_label"] = _("all I may see")
        self.filters["role"].extra["choices"] = [
            ("issued", pgettext("orders filter", "issued by us")),
            ("addressed", pgettext("orders filter", "addressed to us")),
        ]
        self.filters["status"].extra["empty_label"] = _("any")
        self.filters["reference"].extra["widget"] = forms.TextInput(attrs={"type": "search"})


# ---------------------------------------------------------------------------- compose


class OrderComposeForm(forms.Form):
    """A new order. Reference and legal basis are not required here: the service names every
    missing piece at once, next to the protected-list and date errors."""

    reference = forms.CharField(max_length=100, required=False, label=gettext_lazy("Reference"))
    legal_basis = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Legal basis"),
        help_text=gettext_lazy("The decision, resolution or statute the order rests on."),
    )
    targets = TargetLinesField(
        label=gettext_lazy("Targets"),
        help_text=gettext_lazy(
            "One per line: a domain, a URL (with its scheme, https://…), an IPv4 or IPv6 "
            "address, or a CIDR range; the kind is recognised from the value. Lines starting "
            "with # are ignored."
        ),
    )
    # Picked by the target's public id: the page shows no internal key (docs/contract.md, derived
    # data).
    picked = forms.ModelMultipleChoiceField(
        queryset=OrderTarget.objects.none(),
        to_field_name="uid",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Targets from reports"),
    )
    q = forms.CharField(required=False, max_length=200, label=gettext_lazy("Search targets"))
    reports = IdListField(
        required=False,
        label=gettext_lazy("Reports it relies on"),
        help_text=gettext_lazy(
            "Optional: the ids of reports you can see, separated by commas or spaces."
        ),
    )
    isps = IspChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Addressed ISPs"),
    )
    deadline = forms.ChoiceField(
        choices=DEADLINE_CHOICES,
        initial="30",
        widget=forms.RadioSelect,
        label=gettext_lazy("ISPs must comply within"),
    )
    deadline_at = ZonedDateTimeField(
        required=False,
        label=gettext_lazy("Deadline"),
        help_text=gettext_lazy("For “At a set time”."),
    )
    valid_until = ZonedDateTimeField(
        required=False,
        label=gettext_lazy("In force until"),
        help_text=gettext_lazy("Optional. Empty: until you lift it (it lapses unless renewed)."),
    )
    confidential = forms.BooleanField(
        required=False,
        label=gettext_lazy("Confidential"),
        help_text=gettext_lazy(
            "Keeps the order's entries out of the public register (its counts stay)."
        ),
    )
    override_protected = forms.BooleanField(
        required=False,
        label=gettext_lazy("Override the protected list"),
        help_text=gettext_lazy(
            "Only for targets the check refuses; logged with the justification."
        ),
    )
    justification = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Justification"),
        help_text=gettext_lazy("Why the protected target must be blocked all the same."),
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        self.organization = organization
        self.isp_choices = list(default_isps(str(organization.country)).order_by("slug"))
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("isps", [o.pk for o in self.isp_choices])
        super().__init__(*args, **kwargs)
        self.fields["picked"].queryset = pickable_targets(organization)
        self.fields["isps"].queryset = default_isps(str(organization.country)).order_by("slug")

    def clean(self):
        data = super().clean()
        if data.get("deadline") == "custom" and not data.get("deadline_at"):
            self.add_error("deadline_at", _("Give the date and time of the deadline."))
        return data

    def sources(self) -> list[TargetSource]:
        return target_sources(self.cleaned_data["targets"], self.cleaned_data["picked"])

    def resolved_deadline(self, now: datetime) -> datetime:
        choice = self.cleaned_data["deadline"]
        if choice == "custom":
            return self.cleaned_data["deadline_at"]
        return now + timedelta(minutes=int(choice))

    def to_input(self, sources: list[TargetSource]) -> OrderInput:
        data = self.cleaned_data
        return OrderInput(
            reference=data["reference"],
            legal_basis=data["legal_basis"],
            country=str(self.organization.country),
            targets=[s.target for s in sources],
            deadline=self.resolved_deadline(timezone.now()),
            valid_until=data["valid_until"],
            reports=data["reports"],
            # No telco to choose from: the service says so ("no active telco member").
            isps=list(data["isps"]) if self.isp_choices else None,
            confidential=data["confidential"],
            override_protected=data["override_protected"],
            justification=data["justification"],
        )

    def initial_from_data(self) -> dict:
        """What the person typed, as initial values of a fresh form (the check step shows the
        form again without judging fields they may not have filled in yet)."""
        return {name: self[name].data for name in self.fields}

    def picked_ids(self) -> set[uuid.UUID]:
        """The public ids of the ticked targets, well-formed ones only."""
        out = set()
        for value in self["picked"].value() or []:
            with contextlib.suppress(ValueError):
                out.add(uuid.UUID(str(value)))
        return out


def pickable_targets(org: Organization):
    """Targets of reports `org` may see, of the kinds an order can block."""
    return visible_targets(org).filter(kind__in=BLOCKABLE_KINDS)
