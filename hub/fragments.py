"""Small pieces of pages that htmx refreshes in place (no page reload, no JSON API)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def unread_badge(request):
    """The inbox's unread count in the navigation, polled every 30 s (the count comes from the
    `portal` context processor, through the access policy)."""
    return render(request, "hub/_unread_badge.html")
