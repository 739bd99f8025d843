"""What each domain app teaches the notifications app: its event types and, for each, who hears
of it, what the webhook carries, what the inbox may still show. Filled from the domain apps'
`AppConfig.ready`, so that this app never imports them (it sits below them: ARCHITECTURE.md,
"Layers"), not even by a dotted string.

Two ports go the same way: who reads an organisation's notification e-mail, and how a change
made through this app (an endpoint created) is written to the audit log. Both belong to
`members`, which installs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Q

if TYPE_CHECKING:
    from .models import Event


@dataclass(frozen=True)
class Audience:
    """One organisation to tell, and the subjects (e.g. report ids) it is told about: one inbox
    item each, or a single item when the list is empty."""

    organization: Any
    subject_ids: list[int] = field(default_factory=list)


class Reader(Protocol):
    email: str
    language: str
    time_zone: str


@dataclass(frozen=True)
class EventKind:
    """One event type. `label` is a lazy translation (inbox, e-mail subject)."""

    type: str
    label: Any
    # What the event's `subject_ids` are ids of ("report", "agreement", "order"): the inbox
    # and the API name them so.
    subject: str
    # Organisations to tell now, each with the subjects it may see now (the access policy).
    audience: Callable[[Event], list[Audience]]
    # The webhook's `data` for `org`, built again at every attempt; None when `org` may no
    # longer see anything of the event (the delivery is then cancelled).
    payload: Callable[[Event, Any], dict | None]
    # Work the domain does before anyone is told (deduplicating shared reports).
    prepare: Callable[[Event], None] | None = None
    # A filter on the organisation's inbox items of this type: an item about something it may
    # no longer see drops out. None keeps every item.
    inbox_visible: Callable[[Any], Q] | None = None
    # What the inbox shows of the subject: `describe(org, items)` gives each of the items (of
    # this app's types, a page at a time) its `about`, an `InboxSubject` as `org` may see it now
    # or None, with one query per kind of subject for the whole page (never one per item).
    describe: Callable[[Any, list], None] | None = None


@dataclass(frozen=True)
class InboxSubject:
    """What an inbox item names and opens: an order's reference and title, an agreement's or a
    report's title, rather than an internal number."""

    title: str
    url: str
    reference: str = ""
    urgent: bool = False  # a live-event report


def kinds_of(choices, *, subject: str, **hooks) -> list[EventKind]:
    """One kind per member of a TextChoices of event types, sharing the app's hooks."""
    return [EventKind(type=c.value, label=c.label, subject=subject, **hooks) for c in choices]


_KINDS: dict[str, EventKind] = {}
_ports: dict[str, Callable] = {}


def register(*kinds: EventKind) -> None:
    for kind in kinds:
        if kind.type in _KINDS and _KINDS[kind.type] is not kind:
            raise ValueError(f"event type {kind.type!r} is registered twice")
        _KINDS[kind.type] = kind


def kind(type_: str) -> EventKind:
    try:
        return _KINDS[type_]
    except KeyError:
        raise LookupError(f"no app registered the event type {type_!r}") from None


def kinds() -> list[EventKind]:
    return sorted(_KINDS.values(), key=lambda k: k.type)


def types() -> list[str]:
    return sorted(_KINDS)


def label(type_: str) -> str:
    found = _KINDS.get(type_)
    return str(found.label) if found else type_


def describer(type_: str) -> Callable[[Any, list], None] | None:
    found = _KINDS.get(type_)
    return found.describe if found else None


def inbox_filter(org) -> Q:
    """Items of a type whose app restricts them must pass its filter; the others all show.
    Types sharing one filter are asked it once (the badge polls this query): one subquery per
    app, not one per event type."""
    by_filter: dict[Callable, list[str]] = {}
    for found in _KINDS.values():
        if found.inbox_visible is not None:
            by_filter.setdefault(found.inbox_visible, []).append(found.type)
    condition = Q()
    for visible, types_ in by_filter.items():
        of_these = Q(event__type=types_[0]) if len(types_) == 1 else Q(event__type__in=types_)
        condition &= ~of_these | visible(org)
    return condition


def install_ports(
    *,
    mail_readers: Callable[[int], Iterable[Reader]],
    record: Callable[..., None],
) -> None:
    """`mail_readers(org_id)`: the people who read the organisation's notification e-mail.
    `record(user=, action=, obj=)`: writes the audit log entry for a change made by `user`."""
    _ports["mail_readers"] = mail_readers
    _ports["record"] = record


def _port(name: str) -> Callable:
    try:
        return _ports[name]
    except KeyError:
        raise RuntimeError(f"the notifications port {name!r} was not installed") from None


def mail_readers(org_id: int) -> Iterable[Reader]:
    return _port("mail_readers")(org_id)


def record(*, user, action: str, obj) -> None:
    _port("record")(user=user, action=action, obj=obj)
