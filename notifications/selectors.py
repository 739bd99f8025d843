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


def with_subjects(org, items) -> list:
    """Gives each inbox item its `about` (`registry.InboxSubject`, or None where `org` may not
    see the subject now), asking each app that registered a `describe` once for the whole list:
    the page costs one query per kind of subject, whatever its length."""
    items = list(items)
    groups: dict = {}
    for item in items:
        item.about = None
        describe = registry.describer(item.event.type)
        if describe is not None:
            groups.setdefault(describe, []).append(item)
    for describe, group in groups.items():
        describe(org, group)
    return items
