"""The per-organisation dashboard page (issue 6). What it shows is computed by `hub.dashboard`
(every read scoped to the person's organisation) and drawn by `hub.charts`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from enforcement.views import countdown_words

from . import charts
from .dashboard import dashboard_for, record_visit


@login_required
@never_cache
def dashboard(request):
    if request.user.organization_id is None:
        # Hub staff belong to no organisation: there is nothing of theirs to show.
        return render(request, "hub/home.html", {"org": None})
    data = dashboard_for(request.user)
    response = render(
        request,
        "hub/dashboard.html",
        {
            "dash": data,
            "charts": [
                charts.weekly_reports_chart(data.weekly),
                charts.action_time_chart(data.actions),
                charts.clusters_chart(data.clusters),
            ],
            # The words of the live clocks (the due-soon banner, the unblock requests).
            "countdown_words": countdown_words(),
            # The menu's unblock link, from the queue just counted (hub.context_processors).
            "unblock_queue": {"open": data.unblock_open} if data.unblock_total else None,
        },
    )
    # Only once the page is rendered: a page that failed has not been seen. The moment is the
    # one the page was computed at, so what arrives while it renders is new next time.
    record_visit(request.user, data.now)
    return response
