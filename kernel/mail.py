"""E-mail in each reader's own language (and time zone, for the dates it names).

The hub writes e-mail from workers and `on_commit` callbacks, where no request decided the
language: each message is composed inside `translation.override` for its readers. Members read
it in their saved `User.language`; someone without one (or with one the portal no longer
speaks) reads the hub's default, `settings.LANGUAGE_CODE`. A public requester reads the
language of the page they filed from, kept on their request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import send_mail
from django.utils import formats, timezone, translation

# Returns (subject, body), composed in the active language and time zone: call gettext in it,
# not at import time.
Compose = Callable[[], tuple[str, str]]


class Reader(Protocol):
    email: str
    language: str
    time_zone: str


def mail_language(language: str | None) -> str:
    """A language the portal speaks for `language` ("es", "pt-br", "pt-BR"...), else the hub's
    default."""
    if language:
        try:
            return translation.get_supported_language_variant(translation.to_language(language))
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def _zone(name: str | None) -> tzinfo:
    """A person's time zone, or UTC (which the e-mail then names) when they chose none."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def mail_date(moment: datetime) -> str:
    """The day of `moment` in the active language and time zone; "(UTC)" follows it when the
    reader has no time zone of their own, so a date near midnight is not misread."""
    zone = timezone.get_current_timezone()
    day = formats.date_format(timezone.localtime(moment, zone), "DATE_FORMAT")
    return f"{day} (UTC)" if str(zone) == "UTC" else day


def subject_line(text: str) -> str:
    return f"[Atalaya] {text}"


def send_composed(
    *,
    to: list[str],
    compose: Compose,
    language: str | None,
    time_zone: str | None = None,
    fail_silently: bool = False,
) -> int:
    """One e-mail to `to`, composed in `language` and `time_zone` (UTC when none)."""
    with translation.override(mail_language(language)), timezone.override(_zone(time_zone)):
        subject, body = compose()
    return send_mail(subject, body, None, to, fail_silently=fail_silently)


def send_to_each_in_own_language(
    readers: Iterable[Reader], compose: Compose, *, fail_silently: bool = False
) -> int:
    """The same news to several people: one e-mail per language and time zone among them (one
    in all when they share them), each composed in theirs. Returns the e-mails sent."""
    groups: dict[tuple[str, str], list[str]] = {}
    for reader in readers:
        zone = _zone(reader.time_zone)
        key = (mail_language(reader.language), str(zone))
        groups.setdefault(key, []).append(reader.email)
    sent = 0
    for (language, zone_name), emails in sorted(groups.items()):
        sent += send_composed(
            to=emails,
            compose=compose,
            language=language,
            time_zone=zone_name,
            fail_silently=fail_silently,
        )
    return sent
