"""Forms of the sign-in steps and of a person's own account page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kernel.zones import is_zone

from . import account_services, lockout

LOCKED_MESSAGE = _(
    "Too many failed sign-in attempts. For your security, signing in is paused for 15 minutes; "
    "please try again later."
)

# The coalition's own zones first, then UTC; a person's current zone is added if it is not here.
TIME_ZONES = [
    "America/Mexico_City",
    "America/Guatemala",
    "America/Costa_Rica",
    "America/Panama",
    "America/Bogota",
    "America/Lima",
    "America/Guayaquil",
    "America/Caracas",
    "America/La_Paz",
    "America/Santiago",
    "America/Asuncion",
    "America/Argentina/Buenos_Aires",
    "America/Montevideo",
    "America/Sao_Paulo",
    "America/Santo_Domingo",
    "America/New_York",
    "Europe/Madrid",
    "Europe/Lisbon",
    "UTC",
]


class SignInForm(AuthenticationForm):
    """Django's e-mail and password form, behind the lock-out: while an address (or the client)
    is locked out, no password is even checked, and the answer is the same for every address."""

    error_messages = {**AuthenticationForm.error_messages, "locked": LOCKED_MESSAGE}
    # The browser's zone, written in by site.js (Intl), for a person whose zone is not set yet
    # (account_services.time_zone_default). Never an error: a missing or unknown zone only
    # means the fallback.
    time_zone = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-browser-time-zone": ""})
    )

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"]
        return zone if is_zone(zone) else ""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        address = lockout.client_address(self.request)
        if lockout.is_locked(email=email, address=address):
            raise ValidationError(self.error_messages["locked"], code="locked")
        try:
            return super().clean()
        except ValidationError:
            failure = account_services.sign_in_failed(email=email, address=address, step="password")
            if failure.email_locked or failure.address_locked:
                raise ValidationError(self.error_messages["locked"], code="locked") from None
            raise


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)


class TwoFactorCodeForm(forms.Form):
    code = CodeField(
        label=_("Code"),
        help_text=_("The 6-digit code your authenticator app shows, or one of your backup codes."),
    )


class EnrolForm(forms.Form):
    name = forms.CharField(
        label=_("Name of this device"),
        max_length=64,
        required=False,
        initial=account_services.DEFAULT_DEVICE_NAME,
        help_text=_("So you can tell your devices apart, e.g. 'Work phone'."),
    )
    code = CodeField(label=_("Code"), help_text=_("The 6-digit code the app shows now."))


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Every page shows times in this zone, and reads the times you type in it."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("Your browser's language")),
            *settings.LANGUAGES,
        ]
        zones = list(TIME_ZONES)
        if user.time_zone and user.time_zone not in zones:
            zones.insert(0, user.time_zone)
        self.fields["time_zone"].choices = [
            (
                "",
                _("Automatic: your browser's, from your next sign-in (until then %(zone)s)")
                % {"zone": settings.TIME_ZONE},
            ),
            *((z, z.replace("_", " ")) for z in zones),
        ]
        self.initial.setdefault("language", user.language)
        self.initial.setdefault("time_zone", user.time_zone)
