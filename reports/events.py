"""The report events members hear of (their names are part of the API: webhook `type`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportEvent(models.TextChoices):
    SHARED = "report.shared", _("A report was shared with you")
    UPDATED = "report.updated", _("A report was updated")
    TARGET_CORROBORATED = "target.corroborated", _("Another member reported your target")
