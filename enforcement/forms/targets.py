"""Target lines as typed in the portal: the kind guessed (as the report form guesses it,
`reports.indicator_lines`), each line normalised or its error, where each target came from;
and the small fields the order forms share."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from members.forms import WordListField
from members.models import Organization
from reports.indicator_lines import MAX_LINE_ERRORS, detect_kind, line_error
from reports.indicators import IndicatorError, normalise

from ..models import TargetKind
from ..services import MAX_TARGETS, TargetInput

BLOCKABLE_KINDS = tuple(TargetKind.values)
KIND_LABELS: dict[str, str] = {
    "domain": gettext_lazy("Domain"),
    "url": gettext_lazy("URL"),
    "ipv4": gettext_lazy("IPv4 address"),
    "ipv6": gettext_lazy("IPv6 address"),
    "cidr": gettext_lazy("IP range (CIDR)"),
}
DEADLINE_CHOICES = [
    ("15", gettext_lazy("15 minutes")),
    ("30", gettext_lazy("30 minutes")),
    ("120", gettext_lazy("2 hours")),
    ("custom", gettext_lazy("At a set time")),
]

# ---------------------------------------------------------------------------- target lines


@dataclass(frozen=True)
class TargetLine:
    number: int  # 1-based, counting every line of the text box, blank ones included
    text: str  # as typed, stripped
    target: TargetInput


def _line_error(number: int, text: str, error: IndicatorError) -> str:
    message = error.message
    if error.code == "is_url":
        # The normaliser speaks to API callers ("use kind 'url'"); here the kind is detected.
        message = _(
            "looks like a URL without its scheme: write https://… to block the URL, "
            "or give the host only"
        )
    return line_error(number, text, message)


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
