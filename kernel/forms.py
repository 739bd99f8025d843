"""Form fields the portal's apps share."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from .zones import zone_title


def zone_note() -> str:
    """ "Your time zone: America/Sao Paulo (UTC-3).", for the zone in force."""
    return _("Your time zone: %(zone)s.") % {"zone": zone_title(timezone.get_current_timezone())}


class ZonedDateTimeField(forms.DateTimeField):
    """A date and time typed on the browser's date-and-time picker and read in the zone in force
    (the person's own: Django converts what is typed from the current time zone). Its help
    text says which zone, worked out when the form is shown, not when the module is loaded."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *, help_text: str = "", **kwargs):
        note = lazy(zone_note, str)()
        help_text = format_lazy("{} {}", help_text, note) if help_text else note
        super().__init__(help_text=help_text, **kwargs)
