from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse

from kernel.api.problems import problem_response

from .account_services import has_two_factor, second_factor_owed
from .authentication import SECOND_FACTOR_OWED, offers_bearer

# Reachable by someone who still owes the second factor: public pages, and the way out.
OPEN_PREFIXES = ("/healthz", "/transparency/", "/i18n/")


class TwoFactorRequiredMiddleware:
    """Org admins and hub staff reach nothing but the two-factor pages (and public ones) until
    their session is verified with a second factor: those with an authenticator app are asked
    for a code, those without are sent to set one up. Needs django-otp's OTPMiddleware before it.

    People with an app who are not admins never get here unverified: the sign-in view signs
    them in only after the code (members.account_views.SignInView). Everyone else is untouched,
    and so are API requests offering a Bearer key. The Django admin's own sign-in page is
    replaced by the hub's, so every password goes through the lock-out and the second step.

    This is the portal's guard; the API enforces the same rule in its own authentication
    (members.authentication), so that neither layer depends on the other.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == _reverse("admin:login"):
            query = urlencode({"next": request.GET.get("next", _reverse("admin:index"))})
            return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
        user = request.user
        if not user.is_authenticated or self._open(request) or not second_factor_owed(user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return problem_response(request, 403, SECOND_FACTOR_OWED)
        step = "two_factor" if has_two_factor(user) else "two_factor_setup"
        if request.headers.get("HX-Request") == "true":
            # A fragment refreshed in place: the whole page goes to the step, not the fragment.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse(step)
            return response
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(step)}?{query}")

    @staticmethod
    def _open(request) -> bool:
        path = request.path
        if path.startswith("/api/") and offers_bearer(request):
            # A Bearer key answers for itself (members.authentication): authenticated by the key
            # or refused with 401, the session never consulted. Any other Authorization header
            # is no key, and proves nothing about the session beside it.
            return True
        return path.startswith((*OPEN_PREFIXES, f"/{settings.STATIC_URL.lstrip('/')}")) or path in {
            reverse("logout"),
            reverse("two_factor"),
            reverse("two_factor_setup"),
        }


def _reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None
