import logging

from django.conf import settings
from django.db import models

log = logging.getLogger(__name__)


class Visit(models.Model):
    """When a person last looked at their dashboard: "new since my last visit" starts there.
    Per person, not per organisation: a colleague's visit does not hide what I have not seen."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit"
    )
    dashboard_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} saw the dashboard at {self.dashboard_seen_at:%Y-%m-%d %H:%M}"
