"""Members' TAXII 2.1 servers the hub polls (docs/taxii.md, "Polling a member's TAXII
server"): an org admin registers, changes and deletes them; the hub polls each as that member
and imports what it finds through the same path as a TAXII POST (`exchange.imports`).

Writes are audited; credentials are encrypted here and never leave this module in clear except
towards the member's own server."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Value
from django.utils import timezone

from kernel.locks import Lock, try_session_lock
from members.actors import Actor, audit
from members.models import Agreement, APIKey, Organization, User
from notifications.webhook_destinations import DestinationRefused, check_destination

from . import polling, secrets
from .models import TaxiiSource

log = logging.getLogger(__name__)

# Fields an admin sets (the secret apart: it is given in clear and stored encrypted).
EDITABLE = (
    "title",
    "api_root_url",
    "collection_id",
    "username",
    "agreement",
    "interval_minutes",
    "enabled",
)
# TAXII collection ids are identifiers (UUIDs in practice): nothing that could reshape the path
# the hub requests.
COLLECTION_ID = re.compile(r"^[A-Za-z0-9._~:-]{1,100}$")
MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 7 * 24 * 60
# A failing source waits its interval times 2^failures (capped) before its next try.
MAX_BACKOFF = timedelta(hours=24)
# One poll stops fetching pages after this long; the source is then due again at once, and
# the next poll resumes from the last page stored (well inside the task's time limit).
POLL_BUDGET_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 30.0
MAX_ERROR_LENGTH = 1000


class SourceRefused(Exception):
    """What an admin asked for cannot be saved; `message` says why (in English, for the API;
    the portal's form checks the same first, in the reader's language)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _allow_private() -> bool:
    # The webhooks' rule: the hub reaches members' servers only at public addresses, except in
    # development and tests (where medallion listens on 127.0.0.1).
    return settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS is True


def url_refusal(url: str) -> str | None:
    """Why the hub would not poll `url` (in English, as the destination check says it), or
    None. A name that does not resolve yet is accepted: every poll checks again."""
    if urlsplit(url).scheme == "http" and not _allow_private():
        return "only https addresses are accepted"
    try:
        check_destination(url, allow_private=_allow_private())
    except DestinationRefused as e:
        if not e.transient:
            return e.reason
    return None


def needs_new_secret(source: TaxiiSource, api_root_url: str, secret: str) -> bool:
    """True when a change moves a source that holds a secret to another origin (scheme, host or
    port) without giving a new one: the stored secret was given for its server alone, and kept,
    it would go to whichever server an admin (or an `admin` key) names next."""
    return (
        bool(source.secret_encrypted)
        and not secret
        and polling.origin(api_root_url) != polling.origin(source.api_root_url)
    )


MOVED_REFUSAL = (
    "the API root is on another server (scheme, host or port): give its password or token "
    "again; the stored one is sent only to the server it was given for"
)


def agreements_for(organization: Organization):
    """The agreements an organisation may share a source's reports under."""
    return Agreement.objects.in_force().of_party(organization).order_by("title")


def _check(organization: Organization, fields: dict) -> None:
    agreement = fields.get("agreement")
    # A foreign key in the payload must not reach another organisation's agreement.
    if agreement is not None and not agreements_for(organization).filter(pk=agreement.pk).exists():
        raise SourceRefused("no agreement in force of yours has this id")
    interval = fields.get("interval_minutes")
    if interval is not None and not MIN_INTERVAL_MINUTES <= interval <= MAX_INTERVAL_MINUTES:
        raise SourceRefused(
            f"the interval must be between {MIN_INTERVAL_MINUTES} and {MAX_INTERVAL_MINUTES}"
            " minutes"
        )
    if "api_root_url" in fields:
        if not fields["api_root_url"].endswith("/"):
            fields["api_root_url"] += "/"
        refusal = url_refusal(fields["api_root_url"])
        if refusal is not None:
            raise SourceRefused(f"the hub will not poll this address ({refusal})")


def _acting_as(actor: Actor) -> dict:
    return {"created_by": actor.user, "created_by_key": actor.api_key}


@transaction.atomic
def source_create(
    *, actor: Actor, organization: Organization, secret: str = "", **fields
) -> TaxiiSource:
    _check(organization, fields)
    source = TaxiiSource.objects.create(
        organization=organization,
        secret_encrypted=secrets.encrypt(secret),
        **fields,
        **_acting_as(actor),
    )
    audit(actor=actor, action="taxii_source.created", obj=source, data=_trail(source))
    return source


@transaction.atomic
def source_update(*, actor: Actor, source: TaxiiSource, secret: str = "", **fields) -> TaxiiSource:
    """Changes a source; an empty `secret` keeps the stored one (on the same server). Whoever
    saves it is the one the hub acts as from now on; a failing source is tried again at once."""
    source = TaxiiSource.objects.select_for_update().get(pk=source.pk)
    _check(source.organization, fields)
    if "api_root_url" in fields and needs_new_secret(source, fields["api_root_url"], secret):
        raise SourceRefused(MOVED_REFUSAL)
    moved = any(
        name in fields and fields[name] != getattr(source, name)
        for name in ("api_root_url", "collection_id")
    )
    for name, value in fields.items():
        setattr(source, name, value)
    if secret:
        source.secret_encrypted = secrets.encrypt(secret)
    if moved:
        # Another server or collection: its dates are its own, so start from its beginning.
        source.added_after = ""
    for name, value in _acting_as(actor).items():
        setattr(source, name, value)
    source.consecutive_failures = 0
    source.next_poll_at = None
    source.save()
    audit(
        actor=actor,
        action="taxii_source.updated",
        obj=source,
        data={**_trail(source), "secret_changed": bool(secret)},
    )
    return source


@transaction.atomic
def source_delete(*, actor: Actor, source: TaxiiSource) -> None:
    """Deletes the source; the reports it imported stay (they are the member's reports)."""
    audit(actor=actor, action="taxii_source.deleted", obj=source, data=_trail(source))
    source.delete()


@transaction.atomic
def source_poll_now(*, actor: Actor, source: TaxiiSource) -> None:
    """Polls the source as soon as a worker is free, even if it was backing off."""
    TaxiiSource.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())
    audit(actor=actor, action="taxii_source.poll_requested", obj=source)
    from .poll_tasks import enqueue_poll  # here: poll_tasks imports this module

    transaction.on_commit(lambda: enqueue_poll(source.pk))


def _trail(source: TaxiiSource) -> dict:
    # What the audit log keeps of a source: never the secret, only whether there is one.
    return {
        "title": source.title,
        "api_root_url": source.api_root_url,
        "collection_id": source.collection_id,
        "username": source.username,
        "has_secret": bool(source.secret_encrypted),
        "agreement": source.agreement_id,
        "interval_minutes": source.interval_minutes,
        "enabled": source.enabled,
    }


# --- polling ---------------------------------------------------------------------------------


def backoff(*, failures: int, interval_minutes: int) -> timedelta:
    """How long a source that failed `failures` times in a row waits: twice its interval after
    the first failure, doubling after each, never more than a day."""
    if failures <= 0:
        return timedelta(minutes=interval_minutes)
    return min(timedelta(minutes=interval_minutes) * 2 ** min(failures, 12), MAX_BACKOFF)


def claim_due_sources(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """The enabled sources due now, each pushed one interval ahead as it is claimed: a poll
    whose message is lost is tried again an interval later, and the next beat does not
    enqueue a source again while its poll waits in the queue."""
    now = now or timezone.now()
    due = Q(enabled=True) & (Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
    with transaction.atomic():
        ids = list(
            TaxiiSource.objects.filter(due)
            .order_by(F("next_poll_at").asc(nulls_first=True))
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        TaxiiSource.objects.filter(pk__in=ids).update(
            next_poll_at=ExpressionWrapper(
                Value(now) + F("interval_minutes") * Value(timedelta(minutes=1)),
                output_field=DateTimeField(),
            )
        )
    return ids


class _NoAuthority(Exception):
    pass


def _actor_for(source: TaxiiSource) -> Actor:
    """The member's authority the poll runs with: the key or the person that last saved the
    source, while the key is usable and the person an active admin of the organisation."""
    if source.organization.is_suspended:
        raise _NoAuthority("the organisation is suspended")
    if source.created_by_key_id is not None:
        key = APIKey.objects.usable().filter(
            pk=source.created_by_key_id, organization_id=source.organization_id
        )
        key = key.select_related("organization").first()
        if key is None:
            raise _NoAuthority(
                "the API key that saved this source is revoked or expired: an admin must "
                "save the source again"
            )
        return Actor(api_key=key)
    user = (
        User.objects.filter(
            pk=source.created_by_id,
            organization_id=source.organization_id,
            role=User.Role.ADMIN,
            is_active=True,
        )
        .select_related("organization")
        .first()
    )
    if user is None:
        raise _NoAuthority(
            "the person who saved this source is no longer an admin here: an admin must save "
            "the source again"
        )
    return Actor(user=user)


@dataclass
class PollResult:
    polled: bool  # False: another poll of the source was running, or it is gone or disabled
    pages: int = 0
    objects: int = 0
    error: str = ""


def source_poll(source_id: int) -> PollResult:
    """Polls one source now: every page added since the last stored one, each imported and
    its `X-TAXII-Date-Added-Last` stored before the next is fetched, so a poll cut short
    resumes where it stopped and a page is never skipped. Safe to run twice at once: the
    second returns at once. Unsafe inside a transaction (it commits page by page)."""
    with try_session_lock(Lock.TAXII_SOURCE_POLL, source_id) as acquired:
        if not acquired:
            return PollResult(polled=False)
        source = (
            TaxiiSource.objects.select_related("organization", "agreement")
            .filter(pk=source_id, enabled=True)
            .first()
        )
        if source is None:
            return PollResult(polled=False)
        result = PollResult(polled=True)
        try:
            more_waiting = _poll_pages(source, result)
        except (polling.PollError, _NoAuthority, secrets.SecretUnreadable) as exc:
            result.error = (getattr(exc, "message", None) or str(exc))[:MAX_ERROR_LENGTH]
            _record_failure(source, result.error)
        except Exception as exc:
            # Anything else (a bug in the import, the database) still fails this source, or it
            # is polled every interval with nothing to say why; the admins read only its kind.
            log.exception("TAXII source %s: unexpected error while polling", source.pk)
            result.error = (
                f"internal error ({type(exc).__name__}): the hub's operators have the details"
            )
            _record_failure(source, result.error)
        else:
            _record_success(source, more_waiting=more_waiting)
        return result


def _poll_pages(source: TaxiiSource, result: PollResult) -> bool:
    """Fetches and imports pages; True when the budget ran out with pages still waiting."""
    # Here, not at the top: the import path pulls in the STIX parser, which the portal's and the
    # API's pages of this module never need.
    from .imports import MAX_OBJECTS, EnvelopeError, import_run, import_submit

    actor = _actor_for(source)
    if (
        source.agreement_id is not None
        and not agreements_for(source.organization).filter(pk=source.agreement_id).exists()
    ):
        raise _NoAuthority(
            "the agreement this source shares under is no longer in force: choose another"
        )
    credentials = polling.Credentials(
        username=source.username, secret=secrets.decrypt(source.secret_encrypted)
    )
    # One `added_after` for the whole sequence of `next` pages: the server paged that request.
    added_after = source.added_after
    next_token: str | None = None
    started = time.monotonic()
    while True:
        page = polling.fetch_page(
            api_root_url=source.api_root_url,
            collection_id=source.collection_id,
            credentials=credentials,
            added_after=added_after,
            next_token=next_token,
            allow_private=_allow_private(),
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        result.pages += 1
        # A server may send more than the `limit` asked for; an envelope has a maximum.
        for start in range(0, len(page.objects), MAX_OBJECTS):
            batch = page.objects[start : start + MAX_OBJECTS]
            try:
                job = import_submit(
                    actor=actor,
                    objects=batch,
                    agreement=source.agreement,
                    source=source,
                    run_here=True,
                )
            except EnvelopeError as exc:
                raise polling.PollError(f"the server sent a malformed page: {exc}") from exc
            import_run(job.id)
            result.objects += len(batch)
        if page.date_added_last:
            # Only now that the page's job is stored: a crash before this line fetches the
            # page again next time, and the import's idempotency makes that harmless.
            TaxiiSource.objects.filter(pk=source.pk).update(added_after=page.date_added_last)
        if not page.more or page.next is None:
            return False
        if time.monotonic() - started > POLL_BUDGET_SECONDS:
            return True
        next_token = page.next


def _record_success(source: TaxiiSource, *, more_waiting: bool) -> None:
    now = timezone.now()
    TaxiiSource.objects.filter(pk=source.pk).update(
        last_polled_at=now,
        last_error="",
        consecutive_failures=0,
        next_poll_at=now
        if more_waiting
        else now + backoff(failures=0, interval_minutes=source.interval_minutes),
    )


def _record_failure(source: TaxiiSource, message: str) -> None:
    now = timezone.now()
    failures = source.consecutive_failures + 1
    log.warning("TAXII source %s failed (%s in a row): %s", source.pk, failures, message)
    TaxiiSource.objects.filter(pk=source.pk).update(
        last_polled_at=now,
        last_error=message,
        consecutive_failures=failures,
        next_poll_at=now + backoff(failures=failures, interval_minutes=source.interval_minutes),
    )
