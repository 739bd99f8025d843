"""Bad input and a lost database answered as what they are, not as 500.

- A NUL byte in the path or the query string: 400 (PostgreSQL refuses NUL in text, so any
  view that filtered on it would fail with a database error).
- An API body larger than DATA_UPLOAD_MAX_MEMORY_SIZE: 413 problem JSON, before anything
  reads it (Django would raise RequestDataTooBig wherever the body is first read, and answer
  with its HTML 400 page).
- The database unreachable (OperationalError / InterfaceError), met by a view or by a
  middleware loading the session: 503 with Retry-After.

Under /api/ the answers are RFC 9457 problem JSON; in the portal, the site's own pages.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from kernel.api.problems import RETRY_AFTER_SECONDS, ServiceUnavailable, problem_response

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
_MARK = "_hub_database_unavailable"


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def database_unavailable(request) -> HttpResponse:
    if is_api(request):
        response = problem_response(request, 503, str(ServiceUnavailable.default_detail))
    else:
        # Standalone, like 500.html: rendering base.html would read the database again.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _has_nul(request) -> bool:
    # path_info is already percent-decoded; GET decodes keys and values of the query string.
    if "\x00" in request.path_info:
        return True
    return any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    )


def _body_too_large(request) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.content_type == "multipart/form-data":
        return False  # files are streamed to disk; MAX_EVIDENCE_BYTES bounds evidence
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit


def _caused_by_database(exc: BaseException | None) -> bool:
    """The error, or one it was raised while handling, is the database being unreachable."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _mark_database_unavailable(sender, request=None, **kwargs) -> None:
    """A middleware below this one (the session, loaded on first use) failing on the database
    never reaches process_exception; Django turns it into a 500 on the spot. This receiver
    runs while that exception is being handled and marks the request, so that __call__ can
    turn the 500 into a 503."""
    if request is not None and _caused_by_database(sys.exc_info()[1]):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_database_unavailable, dispatch_uid="kernel.middleware.db_down")


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request) and _body_too_large(request):
            limit_mib = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
            return problem_response(
                request, 413, f"The request body is too large (at most {limit_mib:g} MiB)."
            )
        try:
            response = self.get_response(request)
        except Exception as exc:
            # The 500 page itself failed: its context processors read the session and the
            # user, from the same unreachable database.
            if _caused_by_database(exc):
                return database_unavailable(request)
            raise
        if response.status_code == 500 and getattr(request, _MARK, False):
            return database_unavailable(request)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # In process_view, not __call__: by now the session, the user and the language are
        # there, so the portal's 400 page is the site's own page with its navigation.
        if not _has_nul(request):
            return None
        if is_api(request):
            return problem_response(
                request, 400, "The address holds a NUL character, which no value may contain."
            )
        return render(request, "400.html", status=400)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return database_unavailable(request)
        return None
