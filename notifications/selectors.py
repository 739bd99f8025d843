"""Reads: an organisation's inbox, through what each event type's app lets it still see."""

from __future__ import annotations

from . import registry
from .models import Notification


def inbox(org):
    """The organisation's inbox items, newest first: an item about something it may no longer
    see (a report now outside the policy) drops out."""
    return (
        Notification.objects.filter(organization=org)
        .filter(registry.inbox_filter(org))
        .select_related("event")
    )
