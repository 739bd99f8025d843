"""Portal forms for blocking orders. They check shapes and normalise values, then hand over:
who may issue, the protected list, the dates and the workflow are judged in
`enforcement.services`, whose errors the views put back on these fields."""

from __future__ import annotations

import contextlib
import ipaddress
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from members.forms import WordListField
from members.models import Organization
from reports.indicators import IndicatorError, normalise
from reports.selectors import visible_targets

from .api.filters import BlockingOrderFilter
from .models import BlockingOrder, Compliance, OrderTarget, TargetKind
from .services import MAX_TARGETS, OrderInput, TargetInput, default_isps

BLOCKABLE_KINDS = tuple(TargetKind.values)
KIND_LABELS: dict[str, str] = {
    "domain": gettext_lazy("Domain"),
    "url": gettext_lazy("URL"),
    "ipv4": gettext_lazy("IPv4 address"),
    "ipv6": gettext_lazy("IPv6 address"),
    "cidr": gettext_lazy("IP range (CIDR)"),
}
# A page of line errors is enough to act on; a pasted list of 10,000 junk lines needs no more.
MAX_LINE_ERRORS = 50
DEADLINE_CHOICES = [
    ("15", gettext_lazy("15 minutes")),
    ("30", gettext_lazy("30 minutes")),
    ("120", gettext_lazy("2 hours")),
    ("custom", gettext_lazy("At a set time")),
]

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _time_zone_note() -> str:
    return _("Your time zone: %(zone)s.") % {"zone": timezone.get_current_timezone_name()}


# ---------------------------------------------------------------------------- target lines


def detect_kind(text: str) -> str:
    """The kind of one typed target: an IP address, a CIDR range, a URL (it has a scheme), or
    else a domain. Only a guess at the kind: `normalise` then judges the value."""
    if "://" in text:
        return "url"
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return "ipv4" if address.version == 4 else "ipv6"
    if "/" in text:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            pass
        else:
            return "cidr"
    return "domain"


@dataclass(frozen=True)
class TargetLine:
    number: int  # 1-based, counting every line of the text box, blank ones included
    text: str  # as typed, stripped
    target: TargetInput


def _line_error(number: int, text: str, error: IndicatorError) -> str:
    shown = text if len(text) <= 80 else f"{text[:77]}…"
    message = error.message
    if error.code == "is_url":
        # The normaliser speaks to API callers ("use kind 'url'"); here the kind is detected.
        message = _(
            "looks like a URL without its scheme: write https://… to block the URL, "
            "or give the host only"
        )
    return _("Line %(number)s (%(text)s): %(message)s") % {
        "number": number,
        "text": shown,
        "message": message,
    }


def parse_target_lines(text: str) -> tuple[list[TargetLine], list[str]]:
    """Every non-empty line of `text` as a normalised target, and an error naming each line
    that is not one. Lines starting with # are comments."""
    lines: list[TargetLine] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        typed = raw.strip()
        if not typed or typed.startswith("#"):
            continue
        kind = detect_kind(typed)
        try:
            lines.append(TargetLine(number, typed, TargetInput(kind, normalise(kind, typed))))
        except IndicatorError as e:
            errors.append(_line_error(number, typed, e))
    if len(errors) > MAX_LINE_ERRORS:
        more = len(errors) - MAX_LINE_ERRORS
        errors = [
            *errors[:MAX_LINE_ERRORS],
            ngettext(
                "… and %(count)s more line that is not a target.",
                "… and %(count)s more lines that are not targets.",
                more,
            )
            % {"count": more},
        ]
    return lines, errors


class TargetLinesField(forms.CharField):
    """Targets typed one per line; cleans to a list of `TargetLine`. On an error the text box
    is shown again as typed, and each message names its line."""

    widget = forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocapitalize": "off"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def clean(self, value) -> list[TargetLine]:
        text = super().clean(value) or ""
        lines, errors = parse_target_lines(text)
        if errors:
            raise forms.ValidationError(errors, code="invalid_target")
        if len(lines) > MAX_TARGETS:
            raise forms.ValidationError(
                _("At most %(count)s targets per order.") % {"count": f"{MAX_TARGETS:,}"}
            )
        return lines


@dataclass
class TargetSource:
    """One distinct target and where it was given (the lines, or the picker), so that an
    error the service reports by position lands next to what the person typed."""

    target: TargetInput
    lines: list[int]
    picked: bool = False

    @property
    def where(self) -> str:
        """`Line 3`, `Lines 3, 9`, `Picked target` or `Line 3 and picked target`."""
        if not self.lines:
            return _("Picked target") if self.picked else ""
        lines = ngettext("Line %(numbers)s", "Lines %(numbers)s", len(self.lines)) % {
            "numbers": ", ".join(map(str, self.lines))
        }
        if self.picked:
            return _("%(lines)s and picked target") % {"lines": lines}
        return lines

    @property
    def label(self) -> str:
        return _("%(where)s (%(value)s)") % {"where": self.where, "value": self.target.value}


def target_sources(lines: list[TargetLine], picked=()) -> list[TargetSource]:
    """The distinct targets, in the order the service keeps them (first occurrence first), so
    that the positions in `InvalidOrder.errors["targets"]` index this list."""
    sources: dict[tuple[str, str], TargetSource] = {}
    for line in lines:
        key = (line.target.kind, line.target.value)
        sources.setdefault(key, TargetSource(line.target, [])).lines.append(line.number)
    for target in picked:
        key = (target.kind, target.value)
        sources.setdefault(
            key, TargetSource(TargetInput(target.kind, target.value), [])
        ).picked = True
    return list(sources.values())


# ---------------------------------------------------------------------------- small fields


class IdListField(WordListField):
    """Report ids typed in one box (`12, 15 31`)."""

    def to_python(self, value) -> list[int]:
        words = super().to_python(value)
        bad = [w for w in words if not w.lstrip("#").isdigit()]
        if bad:
            raise forms.ValidationError(
                _("Report ids are numbers: %(words)s.") % {"words": ", ".join(bad)}
            )
        return [int(w.lstrip("#")) for w in words]


class IspChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, isp: Organization) -> str:
        return f"{isp.name} ({isp.slug})"


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
    deadline_at = forms.DateTimeField(
        required=False, widget=_DATETIME, label=gettext_lazy("Deadline")
    )
    valid_until = forms.DateTimeField(
        required=False,
        widget=_DATETIME,
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
        for_custom = _("For “At a set time”.")
        self.fields["deadline_at"].help_text = f"{for_custom} {_time_zone_note()}"
        help_text = self.fields["valid_until"].help_text
        self.fields["valid_until"].help_text = f"{help_text} {_time_zone_note()}"

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


# ---------------------------------------------------------------------------- the issuer's steps


class AmendForm(forms.Form):
    targets = TargetLinesField(
        label=gettext_lazy("Targets to add"),
        help_text=gettext_lazy(
            "One per line, as when issuing. The ISPs are told again and must comply again."
        ),
    )
    deadline = forms.DateTimeField(
        required=False,
        widget=_DATETIME,
        label=gettext_lazy("New deadline"),
        help_text=gettext_lazy(
            "Optional. Empty: as long from now as the first deadline was from issue."
        ),
    )
    override_protected = forms.BooleanField(
        required=False, label=gettext_lazy("Override the protected list")
    )
    justification = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Justification"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = self.fields["deadline"].help_text
        self.fields["deadline"].help_text = f"{help_text} {_time_zone_note()}"

    def sources(self) -> list[TargetSource]:
        return target_sources(self.cleaned_data["targets"])


class LiftForm(forms.Form):
    """The whole order, or the ticked targets in force."""

    whole = forms.BooleanField(required=False)
    targets = forms.ModelMultipleChoiceField(
        queryset=OrderTarget.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, order: BlockingOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = order.targets.filter(lifted_at__isnull=True)

    def clean(self):
        data = super().clean()
        if not data.get("whole") and not data.get("targets"):
            raise forms.ValidationError(_("Tick the targets to lift, or lift the whole order."))
        return data

    def to_inputs(self) -> list[TargetInput] | None:
        if self.cleaned_data["whole"]:
            return None
        return [TargetInput(t.kind, t.value) for t in self.cleaned_data["targets"]]


class RenewForm(forms.Form):
    valid_until = forms.DateTimeField(
        required=False,
        widget=_DATETIME,
        label=gettext_lazy("New end"),
        help_text=gettext_lazy("Optional. Empty: the lapse period again, from now."),
    )
    note = forms.CharField(max_length=2000, required=False, label=gettext_lazy("Note"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = self.fields["valid_until"].help_text
        self.fields["valid_until"].help_text = f"{help_text} {_time_zone_note()}"


# ---------------------------------------------------------------------------- the ISP's answer


class RejectForm(forms.Form):
    reason = forms.ChoiceField(choices=Compliance.Reason.choices, label=gettext_lazy("Reason"))
    detail = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Detail"),
        help_text=gettext_lazy("Required when the reason is “Other”."),
    )
