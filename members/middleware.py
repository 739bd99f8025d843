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
