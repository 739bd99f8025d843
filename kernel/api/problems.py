"""RFC 9457 problem details for every API error.

Shape: {"type", "title", "status", "detail", "instance"} plus, for validation errors,
"errors": [{"pointer": "/indicators/1/value", "detail": "...", "code": "..."}], where pointer
is a JSON Pointer (RFC 6901) into the request body.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
# How long a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)

# Problem types are documented in docs/api.md; "about:blank" means "the HTTP status says it all".
TYPE_BASE = "/api/problems/"


def problem(
    *, status: int, detail: str = "", type_: str = "about:blank", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "title": HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def flatten_errors(data: Any, pointer: str = "") -> list[dict[str, str]]:
    """DRF's nested error structure -> a flat list of JSON-pointer-addressed errors."""
    out: list[dict[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            sub = pointer if key in ("non_field_errors", "__all__") else f"{pointer}/{_escape(key)}"
            out.extend(flatten_errors(value, sub))
    elif isinstance(data, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in data):
            for item in data:
                out.append(_entry(pointer, item))
        else:
            for index, item in enumerate(data):
                if item:  # DRF leaves {} for list items that were valid
                    out.extend(flatten_errors(item, f"{pointer}/{index}"))
    else:
        out.append(_entry(pointer, data))
    return out


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _entry(pointer: str, item: Any) -> dict[str, str]:
    return {
        "pointer": pointer or "",
        "detail": str(item),
        "code": getattr(item, "code", None) or "invalid",
    }


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The database is unavailable; retry after the time in Retry-After."
    default_code = "service_unavailable"


def _translate_database_error(exc):
    """Backstops for database errors a view did not handle itself, so that none is a 500:
    an unreachable database is 503 (retry later), a unique or foreign-key race lost to a
    concurrent request is 409 (the resource changed meanwhile), a value the column cannot hold
    (NUL in text, out of range) is 400. Views that know the constraint answer more precisely."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return ServiceUnavailable()
    if isinstance(exc, IntegrityError):
        logger.warning("IntegrityError answered 409", exc_info=exc)
        return Conflict(
            "This conflicts with a record stored by another request at the same time; "
            "fetch the current state and retry if needed."
        )
    if isinstance(exc, DataError):
        logger.warning("DataError answered 400", exc_info=exc)
        return exceptions.ValidationError(
            {"non_field_errors": ["A value in the request cannot be stored (e.g. a NUL byte)."]}
        )
    return exc


def problem_exception_handler(exc, context) -> Response | None:
    exc = _translate_database_error(exc)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError with a field -> message mapping.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        body = problem(
            status=response.status_code,
            type_=TYPE_BASE + "validation",
            detail=_validation_summary(errors),
            instance=instance,
            errors=errors,
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, (list, dict)):
            detail = "; ".join(e["detail"] for e in flatten_errors(detail))
        body = problem(
            status=response.status_code,
            detail=str(detail),
            instance=instance,
            code=getattr(detail, "code", None) or getattr(exc, "default_code", "error"),
        )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _validation_summary(errors: list[dict[str, str]]) -> str:
    if len(errors) == 1:
        e = errors[0]
        return f"{e['pointer'] or 'request'}: {e['detail']}"
    return f"{len(errors)} fields are invalid; see errors."


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The resource's current state does not allow this."
    default_code = "conflict"


def problem_response(request, status: int, detail: str = "") -> JsonResponse:
    return JsonResponse(
        problem(status=status, detail=detail, instance=request.get_full_path()),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
