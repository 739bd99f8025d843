"""The agreement events the parties hear of (their names are part of the API: webhook `type`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementEvent(models.TextChoices):
    PROPOSED = "agreement.proposed", _("Agreement proposed")
    SIGNED = "agreement.signed", _("Agreement signed")
    ACTIVE = "agreement.active", _("Agreement in force")
    SUSPENDED = "agreement.suspended", _("Agreement suspended")
    TERMINATED = "agreement.terminated", _("Agreement terminated")
    EXPIRING = "agreement.expiring", _("Agreement expiring soon")
    DECLINED = "agreement.declined", _("Agreement declined")
