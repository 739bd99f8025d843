from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRefresh

from kernel.api.problems import problem_response

from .health import health


@require_GET
@never_cache
def healthz(request):
    ok, checks = health()
    return JsonResponse({"status": "ok" if ok else "down", **checks}, status=200 if ok else 503)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return problem_response(request, 404, "Not found.")
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    """A form sent with a stale CSRF token (the page was loaded before the person signed in
    again): the site's own page, so that htmx, which swaps an error answer's <main> into the
    page (base.html's htmx-config), has one to swap. Django logs the reason."""
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    if request.path.startswith("/api/"):
        return problem_response(request, 500, "Internal error; it has been logged.")
    # Rendered without the request: context processors read the session and the user, which
    # may be what failed (the database).
    return HttpResponseServerError(render_to_string("500.html"))


def unread_badge(request):
    """The inbox's unread count in the navigation, polled every 30 s and fetched again on
    `UNREAD_CHANGED` (the count comes from the `portal` context processor, through the access
    policy)."""
    if not request.user.is_authenticated:
        # Signed out since the page was loaded (the session ended): htmx would follow the
        # sign-in redirect and put the sign-in page in the badge. The page reloads instead, and
        # its own redirect to sign in says why.
        response = (
            HttpResponseClientRefresh()
            if request.htmx
            else redirect_to_login(request.get_full_path())
        )
        patch_vary_headers(response, ("HX-Request",))
        return response
    return render(request, "hub/_unread_badge.html")
