"""Portal forms for reports. They check shape and hand over: the rules are in
`reports.services` (`check_report_rules`) and the access policy in `reports.querysets`."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kernel.forms import ZonedDateTimeField
from kernel.vocabulary import TLP, Category
from members.forms import CountryCodesField, WordListField
from members.models import Agreement, Organization
from notifications.models import NotificationSettings

from .api.filters import ReportFilter
from .api.serializers import MAX_INDICATORS
from .indicators import KINDS, MAX_INPUT_LENGTH, IndicatorError, normalise
from .models import Report
from .services import IndicatorInput, ReportInput

KIND_LABELS: dict[str, str] = {
    "url": _("URL"),
    "domain": _("Domain"),
    "ipv4": _("IPv4 address"),
    "ipv6": _("IPv6 address"),
    "cidr": _("IP range (CIDR)"),
    "app_id": _("App id (package name or App Store id)"),
    "iptv_panel": _("IPTV panel (host:port)"),
    "payment_account": _("Payment account"),
    "ad_account": _("Ad account"),
    "watermark_id": _("Watermark id"),
}

# The portal's words for the categories of kernel.vocabulary, whose labels stay English: they are
# also the API's enum and the choices of members' models (translating them there would churn
# migrations of apps that merely share the vocabulary).
CATEGORY_LABELS: dict[str, str] = {
    Category.IPTV: pgettext_lazy("report category", "Pirate IPTV"),
    Category.LIVE_SPORTS: pgettext_lazy("report category", "Live sports restream"),
    Category.STREAM_RIPPING: pgettext_lazy("report category", "Stream ripping"),
    Category.STREAMING_SITE: pgettext_lazy("report category", "Streaming site"),
    Category.TORRENT: pgettext_lazy("report category", "Torrent"),
    Category.CYBERLOCKER: pgettext_lazy("report category", "Cyberlocker"),
    Category.APP: pgettext_lazy("report category", "Pirate app"),
    Category.DEVICE: pgettext_lazy("report category", "Device"),
    Category.OTHER: pgettext_lazy("report category", "Other"),
}
CATEGORY_CHOICES = [(c.value, CATEGORY_LABELS.get(c.value, c.label)) for c in Category]

# TLP labels are not translated: TLP 2.0 keeps them in English so they read the same everywhere.
TLP_CHOICES = [(t.value, f"TLP:{t.label.upper()}") for t in TLP]


class PortalReportFilter(ReportFilter):
    """The API's report filters, same names and meaning, plus "mine only" for the list page.
    Applied on top of `visible_reports(org)`, never instead of it."""

    target = None
    updated_after = None
    mine = django_filters.BooleanFilter(
        method="mine_only", label=_("Only my organisation's"), widget=forms.CheckboxInput
    )

    class Meta(ReportFilter.Meta):
        fields = ["q", "category", "tlp", "jurisdiction", "status", "mine"]

    LABELS = {
        "q": _("Search"),
        "category": _("Category"),
        "tlp": _("TLP"),
        "jurisdiction": _("Jurisdiction"),
        "status": _("Status"),
        "mine": _("Only my organisation's"),
    }

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.filters = {name: self.filters[name] for name in self.LABELS}
        for name, label in self.LABELS.items():
            self.filters[name].label = label
        for name in ("category", "tlp", "status"):
            self.filters[name].extra["empty_label"] = _("any")
        self.filters["category"].extra["choices"] = CATEGORY_CHOICES
        # Same values as the API's (`amber+strict`), shown as the submit form shows them.
        self.filters["tlp"].extra["choices"] = [(t.label, f"TLP:{t.label.upper()}") for t in TLP]
        self.filters["q"].extra["widget"] = forms.TextInput(
            attrs={"type": "search", "placeholder": _("title, description or indicator")}
        )
        self.filters["jurisdiction"].extra["widget"] = forms.TextInput(
            attrs={"size": 3, "maxlength": 2, "placeholder": "PE", "autocapitalize": "characters"}
        )

    def mine_only(self, queryset, name, value):
        return queryset.filter(owner=self.organization) if value else queryset


class SlugListField(WordListField):
    def to_python(self, value) -> list[str]:
        return [slug.lower() for slug in super().to_python(value)]


class AgreementChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, agreement: Agreement) -> str:
        return f"{agreement.title} ({agreement.get_status_display().lower()})"


class ReportForm(forms.Form):
    """Everything of a report but its indicators, which come in `IndicatorFormSet`."""

    category = forms.ChoiceField(
        choices=[("", _("Choose a category")), *CATEGORY_CHOICES], label=_("Category")
    )
    title = forms.CharField(max_length=300, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, label=_("Description")
    )
    tlp = forms.TypedChoiceField(
        choices=TLP_CHOICES,
        coerce=int,
        initial=TLP.AMBER,
        label=_("TLP"),
        help_text=_(
            "CLEAR: every member. GREEN to AMBER+STRICT: the parties of agreements in "
            "force that cover the report up to that level. RED: only the recipients you name."
        ),
    )
    jurisdictions = CountryCodesField(
        required=False,
        label=_("Jurisdictions"),
        help_text=_(
            "ISO codes of the countries concerned, separated by commas or spaces, "
            "e.g. PE, CO. Leave empty for a global report."
        ),
    )
    sharing = forms.ChoiceField(
        choices=Report.Sharing.choices,
        initial=Report.Sharing.AGREEMENTS,
        widget=forms.RadioSelect,
        label=_("Sharing"),
        help_text=_(
            "Private keeps a GREEN to AMBER+STRICT report to your organisation, "
            "whatever your agreements say."
        ),
    )
    recipients = SlugListField(
        required=False,
        label=_("Recipients"),
        help_text=_(
            "TLP:RED only: the slugs of the member organisations to receive it "
            "(see the directory), separated by commas or spaces."
        ),
    )
    agreements = AgreementChoiceField(
        queryset=Agreement.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Share only under these agreements"),
        help_text=_("Leave all unticked to share under every agreement that covers the report."),
    )
    live_from = ZonedDateTimeField(
        required=False,
        label=_("Live event from"),
        help_text=_("A live event makes the report urgent."),
    )
    live_until = ZonedDateTimeField(required=False, label=_("Live event until"))

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["agreements"].queryset = Agreement.objects.of_party(organization).order_by(
            "-id"
        )

    def clean_recipients(self) -> list[Organization]:
        slugs = self.cleaned_data["recipients"]
        found = {o.slug: o for o in Organization.objects.filter(slug__in=slugs)}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise forms.ValidationError(
                gettext("Unknown organisations: %(slugs)s.") % {"slugs": ", ".join(unknown)},
                code="unknown_recipients",
            )
        return [found[s] for s in slugs]

    def to_input(self, indicators: list[IndicatorInput]) -> ReportInput:
        data = self.cleaned_data
        return ReportInput(
            category=data["category"],
            title=data["title"],
            description=data["description"],
            tlp=data["tlp"],
            jurisdictions=data["jurisdictions"],
            indicators=indicators,
            sharing=data["sharing"],
            recipients=data["recipients"],
            restricted_to=list(data["agreements"]),
            live_from=data["live_from"],
            live_until=data["live_until"],
        )

    def initial_from_data(self) -> dict:
        """What the person typed, as initial values of a fresh form (to add indicator rows
        without showing errors for fields they have not filled in yet)."""
        return {name: self[name].data for name in self.fields}


class IndicatorForm(forms.Form):
    """One indicator row. A row with no value is empty and ignored, whatever its kind."""

    kind = forms.ChoiceField(
        choices=[("", _("Choose a kind")), *((k, KIND_LABELS.get(k, k)) for k in KINDS)],
        required=False,
        label=_("Kind"),
    )
    value = forms.CharField(
        max_length=MAX_INPUT_LENGTH, required=False, strip=False, label=_("Value")
    )

    def clean(self):
        data = super().clean()
        kind, value = data.get("kind"), data.get("value") or ""
        if not value.strip() or "value" in self.errors:
            return data
        if not kind:
            self.add_error("kind", _("Choose the kind of this indicator."))
            return data
        try:
            data["indicator"] = IndicatorInput(
                kind=kind, raw_value=value, value=normalise(kind, value)
            )
        except IndicatorError as e:
            # The normaliser's own words: they say what is wrong with this very value.
            self.add_error("value", forms.ValidationError(e.message, code=e.code))
        return data


class BaseIndicatorFormSet(forms.BaseFormSet):
    """The indicator rows. They may all be empty: the paste box may hold the report's
    indicators, and the view asks for at least one across both."""

    def indicators(self) -> list[IndicatorInput]:
        return [f.cleaned_data["indicator"] for f in self.forms if "indicator" in f.cleaned_data]

    def initial_from_data(self) -> list[dict]:
        return [{"kind": f["kind"].data, "value": f["value"].data} for f in self.forms]


IndicatorFormSet = forms.formset_factory(
    IndicatorForm,
    formset=BaseIndicatorFormSet,
    extra=3,
    max_num=MAX_INDICATORS,
    validate_max=True,
)
INDICATOR_PREFIX = "indicators"


class ReportStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Report.Status.choices, label=_("Status"))


class NotificationSettingsForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        choices=CATEGORY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Categories"),
        help_text=_("None ticked: every category."),
    )
    jurisdictions = CountryCodesField(
        required=False,
        label=_("Jurisdictions"),
        help_text=_("ISO country codes, e.g. PE CO; empty: every country."),
    )

    class Meta:
        model = NotificationSettings
        fields = ["categories", "jurisdictions", "urgent_only", "email_enabled", "email_digest"]
        labels = {
            "urgent_only": _("Only urgent (live-event) reports"),
            "email_enabled": _("E-mail the organisation's admins and notification addresses"),
            "email_digest": _("E-mail rhythm"),
        }
