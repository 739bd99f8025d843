import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

# Session keys: when the person signed in, and when the session last saw a request from them.
SIGNED_IN_AT = "_signed_in_at"
LAST_SEEN = "_last_seen"
# The last-seen time is written at most this often, not on every request (a session write).
LAST_SEEN_RESOLUTION = 60
# A request the page makes on its own (the unread badge's poll, hub/_unread_badge.html) carries
# this header: it is not the person's activity, or an open page would never be signed out.
# Sending it can only shorten one's own session, so the client may be trusted with it.
BACKGROUND_HEADER = "Atalaya-Background"


def mark_signed_in(request) -> None:
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


class IdleTimeoutMiddleware:
    """Signs a person out after SESSION_IDLE_SECONDS without a request, and in any case
    SESSION_COOKIE_AGE after they signed in.

    The second limit is needed because writing the last-seen time saves the session, and every
    save pushes Django's own expiry SESSION_COOKIE_AGE further away: without it an active
    session would never end. API requests made with a key carry no session and pass untouched.
    A background request (BACKGROUND_HEADER) is signed out like any other but leaves the
    last-seen time as it was.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        # A session with no last-seen time was not opened by the sign-in views (one from before
        # this middleware, or a test's force_login): Django's own expiry alone applies to it.
        # Adopting it here would write the session on a request that otherwise reads it.
        last_seen = session.get(LAST_SEEN) if session is not None else None
        if last_seen is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity.")
                    % {"minutes": settings.SESSION_IDLE_SECONDS // 60},
                )
            elif now - session.get(SIGNED_IN_AT, last_seen) > settings.SESSION_COOKIE_AGE:
                logout(request)
                messages.info(request, _("Your session has ended; please sign in again."))
            elif (
                now - last_seen >= LAST_SEEN_RESOLUTION and BACKGROUND_HEADER not in request.headers
            ):
                session[LAST_SEEN] = now
        return self.get_response(request)
