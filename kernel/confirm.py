"""A second look before a final action (terminating an agreement, revoking a key, lifting a
whole order...), with no script: the action's form posts as before; a POST without the
`confirm` field is answered with a page that says what will happen and posts the same fields
again with `confirm=yes`. With htmx the forms swap <main>, so the same page comes in place."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirm"
# Never echoed back: Django's template tag writes a fresh token.
_NOT_CARRIED = frozenset({"csrfmiddlewaretoken", CONFIRM_FIELD})


@dataclass(frozen=True)
class Confirmation:
    """What the page asks, in the reader's language (the calling view translates)."""

    question: str  # the page's heading: "Terminate “Peru live sports MOU”?"
    button: str  # what the button that acts says: "Terminate the agreement"
    back: str  # where "Cancel" goes: the page the action was started from
    consequences: list[str] = field(default_factory=list)  # what happens, one sentence each
    danger: bool = True  # the button reads as a destructive one


def confirmed(request: HttpRequest) -> bool:
    """Whether the person saw the confirmation page and said yes."""
    return request.POST.get(CONFIRM_FIELD) == "yes"


def ask(request: HttpRequest, confirmation: Confirmation) -> HttpResponse:
    """The confirmation page: the same address and the same fields as were posted, plus
    `confirm=yes`. Nothing is changed by showing it."""
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_CARRIED
        for value in values
    ]
    return render(
        request,
        "kernel/confirm.html",
        {"confirmation": confirmation, "action": request.path, "carried": carried},
    )
