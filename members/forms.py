from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from kernel.forms import ZonedDateTimeField
from kernel.vocabulary import AGREEMENT_TLPS, TLP, Category

from .models import Organization, Scope, User


class APIKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the key is for, e.g. 'SIEM feed'.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
    )
    expires_at = ZonedDateTimeField(
        label=_("Expires at"),
        required=False,
        help_text=_("Optional. Leave empty for a key that does not expire."),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices, initial=User.Role.ANALYST)


_SEPARATORS = re.compile(r"[\s,;]+")


class WordListField(forms.CharField):
    """Words typed in one text box, separated by commas or spaces: a list, duplicates dropped.
    Re-rendered as the person typed it, so nothing they wrote is lost on an error."""

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return list(dict.fromkeys(word for word in _SEPARATORS.split(text) if word))

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value


class CountryCodesField(WordListField):
    """ISO 3166-1 alpha-2 codes (`PE, CO` or `pe co`); empty is [], which means "all" or
    "global" depending on the form."""

    def to_python(self, value) -> list[str]:
        return [code.upper() for code in super().to_python(value)]

    def validate(self, value) -> None:
        super().validate(value)
        bad = [code for code in value if code not in dict(countries)]
        if bad:
            raise forms.ValidationError(
                gettext("Not ISO 3166-1 alpha-2 country codes: %(codes)s.")
                % {"codes": ", ".join(bad)},
                code="invalid_country",
            )


class PartyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, org: Organization) -> str:
        return f"{org.name} ({org.slug}) · {org.get_kind_display()} · {org.country.code}"


class AgreementProposeForm(forms.Form):
    """The shape of a proposal; `members.services.agreement_propose` decides whether it holds."""

    title = forms.CharField(label=_("Title"), max_length=200)
    parties = PartyChoiceField(
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Other parties"),
        help_text=_("Your organisation is a party and signs by proposing."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked to cover every category."),
    )
    jurisdictions = CountryCodesField(
        label=_("Jurisdictions"),
        required=False,
        help_text=_(
            "ISO country codes separated by commas or spaces, e.g. PE, CO. "
            "Leave empty to cover every jurisdiction, including global reports."
        ),
    )
    max_tlp = forms.TypedChoiceField(
        choices=[(t.value, f"TLP:{t.label.upper()}") for t in AGREEMENT_TLPS],
        coerce=int,
        initial=TLP.GREEN,
        label=_("Up to TLP"),
        help_text=_(
            "The most sensitive level shared under it. TLP:RED is never shared by an "
            "agreement alone: a red report names its recipients."
        ),
    )
    share_reporter_identity = forms.BooleanField(
        required=False,
        label=_("Share the reporting organisation's identity"),
        help_text=_("Otherwise co-parties see “a coalition member”."),
    )
    share_evidence = forms.BooleanField(
        required=False,
        label=_("Share evidence files"),
        help_text=_("Otherwise evidence stays with the reporting organisation."),
    )
    effective_from = forms.DateField(
        label=_("Effective from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: today."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: until terminated."),
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = (
            Organization.objects.active().exclude(pk=organization.pk).order_by("name")
        )
