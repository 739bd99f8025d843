"""Time zones as people meet them: which names are zones, the zone of a country, how a time's
zone is written beside it, and pages that read in UTC for everyone.

The zone in force for a request is Django's current time zone: a signed-in person's own
(members.middleware.UserPreferencesMiddleware), UTC on the public pages (`times_in_utc`), the
hub's default (settings.TIME_ZONE, UTC) otherwise. Templates print a time with its zone through
the `zones` template library (kernel/templatetags/zones.py), forms read typed times in it
(kernel.forms.ZonedDateTimeField)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, available_timezones

from django.utils import timezone

from .country_zones import COUNTRY_ZONES

UTC = ZoneInfo("UTC")
# Names the zone database answers to that are not places: `localtime` is the server's own
# zone (a symlink to /etc/localtime), `Factory` a placeholder, `posixrules` a template.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})
MAX_NAME_LENGTH = 64  # members.User.time_zone's max_length


def hub_today(now: datetime | None = None) -> date:
    """Today's date in the hub's zone (settings.TIME_ZONE), whoever is asking.

    Agreements start and end on dates (`effective_from`, `expires_on`) that every party reads
    alike: whether one is in force cannot depend on the reader's own zone. With
    `timezone.localdate()` a person in Lima (UTC-5) signed in between 00:00 and 05:00 UTC read
    an agreement that took effect that UTC day as not yet in force, and saw none of what it
    shares."""
    return timezone.localdate(now, timezone=timezone.get_default_timezone())


@functools.cache
def _names() -> frozenset[str]:
    # Read from the zone database once per process: it lists some 600 files.
    return frozenset(available_timezones() - _NOT_PLACES)


def is_zone(name: str) -> bool:
    """Whether `name` is an IANA zone this server knows (e.g. "America/Sao_Paulo", and the old
    aliases browsers still send, "America/Buenos_Aires", "Asia/Calcutta")."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_LENGTH and name in _names()


def country_zone(code: str) -> str | None:
    """The zone of the country (ISO 3166-1 alpha-2), its capital's where it has several; None
    where there is none to give (kernel/country_zones.py says which)."""
    zone = COUNTRY_ZONES.get(str(code or "").upper())
    return zone if zone and is_zone(zone) else None


def zone_name(zone: tzinfo) -> str:
    """The IANA name of a zone ("America/Sao_Paulo"), or what it calls itself."""
    return getattr(zone, "key", None) or str(zone)


def zone_label(moment: datetime) -> str:
    """How the zone of `moment` (an aware datetime) is written beside it: its abbreviation
    where it has one in letters ("UTC", "CST", "CET"), else the offset ("UTC-3", "UTC+5:30").
    tzdata writes the zones of most of Latin America as a bare offset ("-03"), which beside a
    time reads like a subtraction ("19:00 -03"), so the offset is said from UTC."""
    abbreviation = moment.tzname() or ""
    if abbreviation.isalpha():
        return abbreviation
    offset = moment.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_title(zone: tzinfo, at: datetime | None = None) -> str:
    """The zone named for people: "America/Sao Paulo (UTC-3)", "UTC"."""
    name = zone_name(zone).replace("_", " ")
    label = zone_label(timezone.localtime(at or timezone.now(), zone))
    return name if name == label else f"{name} ({label})"


def times_in_utc(view: Callable) -> Callable:
    """For a page that reads the same for everyone, such as the public register: its times are
    UTC, whatever zone the reader chose or their browser keeps. The page is rendered inside
    (a TemplateResponse too), so no time on it is converted to the reader's zone."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with timezone.override(UTC):
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                response = render()
        return response

    wrapped.times_in_utc = True  # type: ignore[attr-defined]
    return wrapped
