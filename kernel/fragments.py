"""Small pieces of pages that htmx refreshes in place (no page reload, no JSON API), and the
helper the portal's views use to answer htmx with only the piece it swaps."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

# What a response rendered by `render_page_or_part` depends on, besides the address.
PART_VARY = ("HX-Request", "HX-Target")
# The event a response names in HX-Trigger when the inbox's unread count changed: the badge in
# the navigation listens for it on <body> and fetches its count again.
UNREAD_CHANGED = "unread-changed"


def asks_for_part(request: HttpRequest, target: str) -> bool:
    """Whether htmx asks for only the element whose id is `target` (a filter or pager aimed at
    it). A full-page load, a history restore and a swap of another element (an answer that
    swaps <main>, which has no id) carry no such HX-Target: they get the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and htmx.target == target


def render_page_or_part(
    request: HttpRequest,
    page: str,
    part: str,
    context: dict,
    *,
    target: str,
    status: int = 200,
) -> HttpResponse:
    """`part` (the template of the element with id `target`, which `page` includes) when htmx
    asks for that element, `page` otherwise. The two differ for one address, so the response
    says what it varies on: a browser or proxy cache must not serve the part as the page."""
    template = part if asks_for_part(request, target) else page
    response = render(request, template, context, status=status)
    patch_vary_headers(response, PART_VARY)
    return response
