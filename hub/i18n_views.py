from django.conf import settings
from django.views.i18n import set_language as django_set_language

from members.account_services import preferences_update


def set_language(request):
    """Django's `set_language`, which also remembers the choice on the signed-in person (their
    saved language would otherwise win again on the next page, see UserPreferencesMiddleware)."""
    response = django_set_language(request)
    user = getattr(request, "user", None)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and user is not None
        and user.is_authenticated
        and response.status_code in (302, 204)
        and response.cookies.get(settings.LANGUAGE_COOKIE_NAME) is not None
    ):
        preferences_update(user=user, language=language, time_zone=user.time_zone)
    return response
