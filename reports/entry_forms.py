"""Forms for entering indicators fast: the paste box (lines, or `kind,value,note`) and evidence
files chosen on the report form. They check shape and hand over; the rules are in
`reports.services` and `reports.indicator_services`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .indicator_limits import MAX_INDICATORS
from .indicator_lines import ParsedLines, parse_indicator_lines, unique
from .services import IndicatorInput

# What one paste may hold: 100 indicators of long URLs with notes, and then some.
MAX_PASTE_CHARACTERS = 200_000
MAX_FILES = 10


class IndicatorPasteForm(forms.Form):
    """The paste box. It never refuses the lines it cannot read: they come back with their
    errors (`parsed.rejected`), and the view decides what to keep."""

    lines = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_PASTE_CHARACTERS,
        label=gettext_lazy("Paste indicators"),
        help_text=gettext_lazy(
            "One per line, the kind detected (URL, domain, IP address, IP range, host:port of "
            "an IPTV panel); or kind,value,note for any kind, e.g. "
            "payment_account,paypal:pirate@example.com,seen on the checkout page."
        ),
        widget=forms.Textarea(
            attrs={"rows": 8, "spellcheck": "false", "autocapitalize": "off", "class": "lines"}
        ),
    )

    def __init__(self, *args, prefix: str = "paste", **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)

    def clean_lines(self) -> ParsedLines:
        self._parsed = parse_indicator_lines(self.cleaned_data["lines"] or "")
        return self._parsed

    @property
    def parsed(self) -> ParsedLines:
        """The lines read (after `is_valid`); none when the box was not sent or is too long."""
        return getattr(self, "_parsed", None) or ParsedLines()

    def show_refused(self) -> None:
        """Each line that could not be read becomes an error of the box, for the page shown
        again with the box as typed (so the errors are announced and tied to it)."""
        parsed = self.parsed
        if not parsed.rejected:
            return
        errors = [r.message for r in parsed.shown_errors]
        if parsed.more_errors:
            errors.append(
                ngettext(
                    "… and %(count)s more line that could not be read.",
                    "… and %(count)s more lines that could not be read.",
                    parsed.more_errors,
                )
                % {"count": parsed.more_errors}
            )
        self.add_error("lines", errors)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several files in one input; each no larger than the hub takes
    (`reports.services.evidence_add` checks again)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("At most %(count)s files at once.") % {"count": MAX_FILES}, code="too_many"
            )
        cleaned = [super(EvidenceFilesField, self).clean(f, initial) for f in files]
        limit = settings.MAX_EVIDENCE_BYTES
        too_big = [f.name for f in cleaned if f.size > limit]
        if too_big:
            raise forms.ValidationError(
                _("Larger than %(size)s MiB: %(names)s.")
                % {"size": limit // (1024 * 1024), "names": ", ".join(too_big)},
                code="too_big",
            )
        return cleaned


class EvidenceForm(forms.Form):
    files = EvidenceFilesField(
        required=False,
        label=gettext_lazy("Evidence files"),
        help_text=gettext_lazy(
            "Screenshots, captures, invoices: up to 10 files. Members see them where an "
            "agreement shares evidence."
        ),
    )

    def __init__(self, *args, prefix: str = "evidence", **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)


def combined_indicators(
    rows: list[IndicatorInput], pasted: list[IndicatorInput]
) -> tuple[list[IndicatorInput], int]:
    """The rows' indicators then the pasted ones, each value once; and how many repeats went."""
    return unique([*rows, *pasted])


def too_many(count: int) -> str | None:
    if count <= MAX_INDICATORS:
        return None
    return _("At most %(limit)s indicators per report; these are %(count)s.") % {
        "limit": MAX_INDICATORS,
        "count": count,
    }
