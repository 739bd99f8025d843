"""`Idempotency-Key` on writes: a retried request returns the first response, creates nothing.

The record is written in the same transaction as the write itself, so either both exist or
neither does. Two concurrent requests with one key race on the unique constraint: the loser's
transaction (and whatever it created) rolls back and it answers with the winner's response.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from kernel.api.schema import IDEMPOTENCY_HEADER, IDEMPOTENT_MARK
from kernel.models import IdempotencyRecord

HEADER = IDEMPOTENCY_HEADER
RETENTION = timedelta(hours=24)
# Rows deleted per statement by `purge_expired`: short transactions, however large the backlog.
PURGE_BATCH = 5000


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=JSONEncoder)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def purge_expired(*, now=None) -> int:
    """Deletes the records no retry can replay any more (older than RETENTION); returns how
    many. Run by beat (hub.tasks.purge_idempotency_records): without it, every key ever sent
    stays, as a record is only replaced when the same organisation reuses the same key.
    Idempotent and safe next to requests: a write with an expired key already ignores the old
    record and deletes it itself."""
    cutoff = (now or timezone.now()) - RETENTION
    total = 0
    while True:
        batch = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :PURGE_BATCH
            ]
        )
        if not batch:
            return total
        total += IdempotencyRecord.objects.filter(pk__in=batch, created_at__lt=cutoff).delete()[0]


def idempotent(view_method):
    """Decorates a DRF view method (create, bulk, workflow actions)."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255:
            raise exceptions.ValidationError({HEADER: "At most 255 characters."})
        org = request.user.organization
        fingerprint = _fingerprint(request)
        cutoff = timezone.now() - RETENTION
        record = IdempotencyRecord.objects.filter(
            organization=org, key=key, created_at__gte=cutoff
        ).first()
        if record is not None:
            return _replay(record, fingerprint)
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.filter(
                    organization=org, key=key, created_at__lt=cutoff
                ).delete()
                response = view_method(self, request, *args, **kwargs)
                IdempotencyRecord.objects.create(
                    organization=org,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=response.status_code,
                    body=json.loads(json.dumps(response.data, cls=JSONEncoder)),
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(organization=org, key=key).first()
            if record is None:
                raise
            return _replay(record, fingerprint)
        return response

    setattr(wrapper, IDEMPOTENT_MARK, True)
    return wrapper
