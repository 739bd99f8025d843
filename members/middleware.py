from django.contrib.auth import logout


class SuspendedOrganizationMiddleware:
    """Ends the session of anyone whose organisation was suspended after they signed in.

    The auth backend already refuses such users when the session is loaded; this also clears
    the session cookie so the person lands on the sign-in page rather than a broken one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session_user_id = request.session.get("_auth_user_id")
        if session_user_id and not request.user.is_authenticated:
            logout(request)
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Activates a signed-in person's own language and time zone for the request (after
    LocaleMiddleware, which picked one from the session, cookie or Accept-Language). The API
    is not translated: whatever the person's language or the Accept-Language header, it
    answers in English (and UTC), so that integrations read the same words everywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from zoneinfo import ZoneInfo

        from django.utils import timezone, translation

        from kernel.zones import is_zone

        user = getattr(request, "user", None)
        if request.path.startswith("/api/"):
            translation.activate("en")
            request.LANGUAGE_CODE = translation.get_language()
        elif user is not None and user.is_authenticated:
            language = getattr(user, "language", "")
            if language and translation.check_for_language(language):
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
            # Unset until the first sign-in sets it (account_services.time_zone_default): the
            # hub's zone meanwhile. Pages that read the same for everyone put UTC back
            # (kernel.zones.times_in_utc).
            zone = getattr(user, "time_zone", "")
            if is_zone(zone):
                timezone.activate(ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
