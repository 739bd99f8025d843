"""Blocking orders built through the real services."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from members.models import Organization
from reports.indicators import normalise
from reports.tests.factories import _as

from .. import services
from ..models import BlockingOrder


def order_by(
    issuer: Organization,
    *,
    targets=(("domain", "pirate-streams.example"),),
    reference: str | None = None,
    deadline=None,
    valid_until=None,
    isps=None,
    reports=(),
    confidential=False,
    override_protected=False,
    justification="",
) -> BlockingOrder:
    return services.order_issue(
        actor=_as(issuer),
        data=services.OrderInput(
            reference=reference or f"ORD-{BlockingOrder.objects.count() + 1}",
            legal_basis="Resolución 123-2026/CDA, art. 5",
            country=str(issuer.country),
            targets=[services.TargetInput(k, normalise(k, v)) for k, v in targets],
            deadline=deadline or timezone.now() + timedelta(minutes=30),
            valid_until=valid_until,
            reports=list(reports),
            isps=isps,
            confidential=confidential,
            override_protected=override_protected,
            justification=justification,
        ),
    )


def as_actor(org: Organization):
    return _as(org)


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf(html: str) -> str:
    """A page without its CSRF tokens, which are masked afresh on every response: what is left
    is what a reader could compare."""
    return _CSRF.sub('name="csrfmiddlewaretoken" value=""', html)


_REFERENCE = re.compile(r"UR-[0-9A-Z]{4}-[0-9A-Z]{4}")
_STATUS_LINK = re.compile(r"/transparency/unblock/REF/[A-Za-z0-9_-]+/")


_TIME = re.compile(r"<time datetime=\"[^\"]*\">.*?</time>", re.S)


def neutral(text: str, name: str) -> str:
    """What an unblock requester reads (a page or an e-mail) without what differs from one
    request to the next anyway: the CSRF token, the name asked about, the request's random
    reference, its status link's token and the moment it was filed (two requests made a
    second apart must not read as different)."""
    text = _REFERENCE.sub("REF", without_csrf(text).replace(name, "NAME"))
    text = _TIME.sub("<time>TIME</time>", text)
    return _STATUS_LINK.sub("/transparency/unblock/REF/TOKEN/", text)
