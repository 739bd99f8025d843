"""Forms of the spreadsheet import (`reports.imports`): the sheet itself (a file, or cells
pasted), and one of its rows, a report, with columns named as in the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.forms import ZonedDateTimeField
from kernel.vocabulary import TLP
from members.forms import CountryCodesField

from .entry_forms import too_many
from .forms import CATEGORY_CHOICES
from .indicator_lines import parse_indicator_lines, unique
from .services import IndicatorInput, ReportInput

MAX_BYTES = 2 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        required=False,
        label=gettext_lazy("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,text/csv"}),
    )
    sheet = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_BYTES,
        label=gettext_lazy("Or paste the rows"),
        help_text=gettext_lazy(
            "Cells copied from a spreadsheet, the header row included, or the text of a CSV file."
        ),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "lines"}),
    )
    # The digest of the sheet last shown checked: only that sheet is submitted.
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None and upload.size > MAX_BYTES:
            self.add_error(
                "file",
                _("At most %(size)s MiB; split the sheet in several files.")
                % {"size": MAX_BYTES // (1024 * 1024)},
            )
        elif upload is None and not (data.get("sheet") or "").strip() and not self.errors:
            raise forms.ValidationError(_("Choose a CSV file or paste the rows."), code="empty")
        return data


def _tlp_words() -> dict[str, int]:
    words = {t.label: t.value for t in TLP}
    words["white"] = TLP.CLEAR  # TLP 1.0's name for clear, still in many spreadsheets
    return words


class ImportRowForm(forms.Form):
    """One row of an imported sheet: a report. Columns are named as in the API."""

    title = forms.CharField(max_length=300)
    category = forms.CharField()
    indicators = forms.CharField(strip=False)
    tlp = forms.CharField(required=False)
    jurisdictions = CountryCodesField(required=False)
    description = forms.CharField(required=False)
    live_from = ZonedDateTimeField(required=False)
    live_until = ZonedDateTimeField(required=False)

    def clean_category(self) -> str:
        typed = self.cleaned_data["category"].strip().lower()
        for value, label in CATEGORY_CHOICES:
            if typed in (value, str(label).lower()):
                return value
        raise forms.ValidationError(
            _("Unknown category %(typed)s; the categories are %(values)s.")
            % {"typed": typed, "values": ", ".join(v for v, _label in CATEGORY_CHOICES)},
            code="invalid_category",
        )

    def clean_tlp(self) -> int:
        typed = self.cleaned_data["tlp"].strip().lower().removeprefix("tlp:").strip()
        if not typed:
            return TLP.AMBER
        words = _tlp_words()
        if typed not in words:
            raise forms.ValidationError(
                _("Unknown TLP %(typed)s; write clear, green, amber, amber+strict or red.")
                % {"typed": typed},
                code="invalid_tlp",
            )
        return words[typed]

    def clean_indicators(self) -> list[IndicatorInput]:
        parsed = parse_indicator_lines(self.cleaned_data["indicators"])
        if parsed.rejected:
            raise forms.ValidationError([r.message for r in parsed.rejected], code="invalid")
        indicators, _repeats = unique(parsed.indicators)
        if not indicators:
            raise forms.ValidationError(_("Give at least one indicator."), code="no_indicator")
        problem = too_many(len(indicators))
        if problem:
            raise forms.ValidationError(problem, code="too_many")
        return indicators

    def to_input(self) -> ReportInput:
        data = self.cleaned_data
        return ReportInput(
            category=data["category"],
            title=data["title"],
            description=data["description"],
            tlp=data["tlp"],
            jurisdictions=data["jurisdictions"],
            indicators=data["indicators"],
            live_from=data["live_from"],
            live_until=data["live_until"],
        )
