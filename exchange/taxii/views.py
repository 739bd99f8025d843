"""TAXII 2.1's server: discovery (§4.1), the API root (§4.2), status (§4.3), collections
(§5.1-5.2). The object endpoints are in `object_views`; both go through `endpoint`, which
negotiates the media type, authenticates the key, checks its scope and the rate limits, and
answers every refusal in TAXII's error shape."""

from __future__ import annotations

import functools
import uuid

from django.conf import settings
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from exchange.models import ImportJob
from members.authentication import KeyUser
from members.models import Organization

from .auth import authenticate, require_scope, throttle
from .collections import collection_of, collections_of
from .protocol import (
    TAXII_21,
    TaxiiError,
    accepts_taxii_21,
    error_response,
    format_timestamp,
    not_found,
    taxii_response,
)


def endpoint(**scopes: str):
    """A TAXII view for the HTTP methods named, each with the scope it needs. The view is
    called as view(request, principal, **kwargs)."""

    def decorate(view):
        # No session authentication on TAXII: nothing for a forged cross-site request to ride.
        @csrf_exempt
        @functools.wraps(view)
        def handler(request, **kwargs):
            try:
                if request.method not in scopes:
                    raise TaxiiError(
                        405,
                        "Method not allowed",
                        f"{request.method} is not defined here.",
                        headers={"Allow": ", ".join(sorted(scopes))},
                    )
                if not accepts_taxii_21(request.META.get("HTTP_ACCEPT")):
                    raise TaxiiError(
                        406, "Not acceptable", f"This server answers only in {TAXII_21}."
                    )
                principal = authenticate(request)
                require_scope(principal, scopes[request.method])
                throttle(request, principal)
                response = view(request, principal, **kwargs)
            except TaxiiError as error:
                response = error_response(error)
            # Every answer is one reader's view of the policy: never kept by a shared cache.
            response["Cache-Control"] = "no-store"
            return response

        return handler

    return decorate


def _api_root_url(request) -> str:
    return request.build_absolute_uri(reverse("taxii:api_root"))


@endpoint(GET="read")
def discovery(request, principal: KeyUser):
    root = _api_root_url(request)
    return taxii_response(
        {
            "title": "Atalaya",
            "description": "The coalition's reports as STIX 2.1, under the access policy.",
            "default": root,
            "api_roots": [root],
        }
    )


@endpoint(GET="read")
def api_root(request, principal: KeyUser):
    return taxii_response(
        {
            "title": "Atalaya",
            "description": "One API root: your collections, as the access policy makes them.",
            "versions": [TAXII_21],
            "max_content_length": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        }
    )


def status_resource(job: ImportJob) -> dict:
    details = job.details or {}
    resource = {
        "id": str(job.id),
        "status": job.status,
        "request_timestamp": format_timestamp(job.created_at),
        "total_count": job.total_count,
        "success_count": job.success_count,
        "failure_count": job.failure_count,
        "pending_count": job.pending_count,
    }
    for name in ("successes", "failures", "pendings"):
        if details.get(name):
            resource[name] = details[name]
    return resource


@endpoint(GET="read")
def status(request, principal: KeyUser, status_id: str):
    try:
        job_id = uuid.UUID(status_id)
    except ValueError:
        raise not_found() from None
    # Another member's job answers as one that does not exist.
    job = ImportJob.objects.filter(pk=job_id, organization=principal.organization).first()
    if job is None:
        raise not_found()
    return taxii_response(status_resource(job))


def _reader(principal: KeyUser) -> Organization:
    return principal.organization


@endpoint(GET="read")
def collections(request, principal: KeyUser):
    found = collections_of(_reader(principal))
    return taxii_response({"collections": [c.as_resource() for c in found]})


@endpoint(GET="read")
def collection(request, principal: KeyUser, collection_id: str):
    return taxii_response(collection_of(_reader(principal), collection_id).as_resource())
