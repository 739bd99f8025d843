"""The portal's form for a member's TAXII source: shape only; `exchange.sources` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import sources
from .models import TaxiiSource


class TaxiiSourceForm(forms.ModelForm):
    api_root_url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        label=_("API root URL"),
        help_text=_("The address of the TAXII 2.1 API root, e.g. https://taxii.example.org/api1/"),
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    secret = forms.CharField(
        required=False,
        max_length=2000,
        strip=False,
        # render_value=False: a stored secret is never sent back to the browser.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        label=_("Password or token"),
    )
    interval_minutes = forms.IntegerField(
        min_value=sources.MIN_INTERVAL_MINUTES,
        max_value=sources.MAX_INTERVAL_MINUTES,
        initial=15,
        label=_("Poll every (minutes)"),
    )
    agreement = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Share the imported reports under"),
        empty_label=_("All my agreements (my usual sharing)"),
    )

    class Meta:
        model = TaxiiSource
        fields = [
            "title",
            "api_root_url",
            "collection_id",
            "username",
            "secret",
            "agreement",
            "interval_minutes",
            "enabled",
        ]
        labels = {
            "title": _("Name"),
            "collection_id": _("Collection id"),
            "username": _("Username"),
            "enabled": _("Poll this source"),
        }
        help_texts = {
            "title": _("How your colleagues recognise it, e.g. “Our OpenCTI”."),
            "collection_id": _("The id of the collection to read, as the server lists it."),
            "username": _(
                "With a username Atalaya signs in with HTTP Basic and the password below; "
                "without one it sends the token below as a Bearer token."
            ),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = sources.agreements_for(organization)
        stored = self.instance.pk is not None and bool(self.instance.secret_encrypted)
        self.fields["secret"].help_text = (
            _("Stored encrypted and never shown again. Leave empty to keep the stored one.")
            if stored
            else _("Stored encrypted and never shown again.")
        )

    def clean_api_root_url(self) -> str:
        url = self.cleaned_data["api_root_url"]
        url = url if url.endswith("/") else url + "/"
        refusal = sources.url_refusal(url)
        if refusal is not None:
            raise forms.ValidationError(
                _("Atalaya will not poll this address (%(reason)s)."), params={"reason": refusal}
            )
        return url

    def clean_collection_id(self) -> str:
        value = self.cleaned_data["collection_id"].strip()
        if not sources.COLLECTION_ID.fullmatch(value):
            raise forms.ValidationError(
                _("A collection id holds only letters, digits and . _ ~ : -")
            )
        return value

    def clean(self):
        data = super().clean()
        if data.get("username") and not data.get("secret") and not self.instance.secret_encrypted:
            self.add_error("secret", _("A username needs a password."))
        url, secret = data.get("api_root_url"), data.get("secret") or ""
        # self.instance still holds the stored address here (the form copies the new one onto
        # it only after clean()).
        if self.instance.pk and url and sources.needs_new_secret(self.instance, url, secret):
            self.add_error(
                "secret",
                _(
                    "The address is on another server now: give its password or token again. "
                    "The stored one is only ever sent to the server it was given for."
                ),
            )
        return data

    def service_fields(self) -> dict:
        """What the service takes: the model's fields, and the secret in clear."""
        return {name: self.cleaned_data[name] for name in (*sources.EDITABLE, "secret")}
