"""The portal's forms for webhook endpoints and notification addresses: shape only; the
services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import registry, services
from .models import WebhookEndpoint

# The overlap windows offered when rotating a secret, in hours (services bound them).
OVERLAP_HOURS = [0, 1, 24, 72, 168]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        label=_("URL"),
        help_text=_("An https address that accepts POST requests."),
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    events = forms.MultipleChoiceField(
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Events"),
        help_text=_("None ticked: every event, those added later included."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events"]
        labels = {"description": _("Description")}
        help_texts = {"description": _("What receives it, for your colleagues (optional).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Registered by the apps at start-up: read now, not at import.
        self.fields["events"].choices = [(k.type, k.label) for k in registry.kinds()]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        refusal = services.webhook_url_refusal(url)
        if refusal is not None:
            raise forms.ValidationError(
                _("Atalaya will not deliver to this address (%(reason)s)."),
                params={"reason": refusal},
            )
        return url


def _overlap_label(hours: int) -> str:
    """In the request's language: called when the form is made."""
    if hours == 0:
        return gettext("No time: it stops signing now")
    if hours % 24 == 0:
        days = hours // 24
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


class RotateSecretForm(forms.Form):
    overlap = forms.TypedChoiceField(
        coerce=int,
        initial=24,
        label=_("The current secret keeps signing for"),
        help_text=_(
            "Each message carries a signature with each secret in force, so a receiver that has "
            "not switched yet keeps accepting until then."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overlap"].choices = [(h, _overlap_label(h)) for h in OVERLAP_HOURS]


class NotificationAddressForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    language = forms.ChoiceField(label=_("Language of the e-mail"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["language"].initial = get_language()
