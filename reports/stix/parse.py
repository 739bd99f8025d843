"""STIX objects a member sends (posted to a TAXII collection or polled from its own server) read
as reports of that member (`reports.services.ReportInput`); the import service in
`exchange.imports` stores them through `reports.services`, as every other entry path does.

What becomes a report: an `indicator` whose pattern is an OR of equalities on the types we
carry (`reports.stix.patterns`, `extension.SCO_TYPES`), and a `sighting` of an indicator the
member may see (a corroboration of its values). Everything here raises `Refused` with a message
for the poster; the messages are English, as everything the API says (they are stored in the
TAXII status resource, read later by a machine)."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django_countries import countries

from kernel.vocabulary import TLP, Category
from members.models import Agreement, Organization

from ..indicator_limits import MAX_INDICATORS
from ..indicators import IndicatorError, normalise
from ..models import Indicator, Report
from ..services import IndicatorInput, ReportInput
from .extension import CUSTOM_SCO_TYPES, EXTENSION_ID
from .markings import tlp_of_marking
from .patterns import PatternError, equalities

# STIX types a member may send beside what becomes a report: accepted, read for context (a
# report's name, a marking's level), and not stored.
CONTEXT_TYPES = frozenset(
    {"report", "identity", "marking-definition", "relationship", "extension-definition"}
)
MAX_TITLE = 300
UNKNOWN_INDICATOR = "sighting_of_ref names an unknown indicator"

# The SCO type of a pattern's equality -> our indicator kind; CIDR is told by its value.
_KIND_OF_TYPE: dict[str, str] = {
    "domain-name": "domain",
    "url": "url",
    "ipv4-addr": "ipv4",
    "ipv6-addr": "ipv6",
    **CUSTOM_SCO_TYPES,
}


class Refused(ValueError):
    """An object that cannot become a report; str() says why, for the poster."""


@dataclass
class Envelope:
    """What one envelope says about the objects in it, read once: the marking-definitions it
    carries (by id) and the `report` objects naming each indicator (by the indicator's id)."""

    owner: Organization
    agreement: Agreement | None
    markings: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports_naming: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Every `report` naming an indicator, whoever it says made it: each one's markings may
    # only make the indicator's TLP stricter.
    all_reports_naming: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    other_parties: list[Organization] = field(default_factory=list)
    # Polled from the member's own TAXII server: its objects name the server's local identity
    # as creator (OpenCTI and MISP always set one), and the member registered that server to
    # speak for it, so any creator is the member.
    polled: bool = False


def read_envelope(
    objects: Iterable[dict[str, Any]],
    *,
    owner: Organization,
    agreement: Agreement | None,
    polled: bool = False,
) -> Envelope:
    envelope = Envelope(owner=owner, agreement=agreement, polled=polled)
    for obj in objects:
        if obj["type"] == "marking-definition":
            envelope.markings[obj["id"]] = obj
        elif obj["type"] == "report":
            refs = obj.get("object_refs")
            trusted = _created_by_ok(obj, envelope)
            for ref in refs if isinstance(refs, list) else ():
                if isinstance(ref, str):
                    envelope.all_reports_naming.setdefault(ref, []).append(obj)
                    if trusted:
                        envelope.reports_naming.setdefault(ref, obj)
    if agreement is not None:
        envelope.other_parties = list(agreement.parties.exclude(pk=owner.pk).order_by("pk"))
    return envelope


def version_of(obj: dict[str, Any]) -> str:
    """The object's version for TAXII and for idempotency: `modified`, else `created`."""
    version = obj.get("modified") or obj.get("created") or ""
    return version if isinstance(version, str) else ""


# A STIX timestamp (§3.2): RFC 3339, in UTC, written with Z.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z")


def moment_of(version: object) -> datetime.datetime | None:
    """The moment a STIX timestamp names; None for anything else (a naive date among aware
    ones cannot be compared: the job used to fail whole on it)."""
    if not isinstance(version, str) or _TIMESTAMP.fullmatch(version) is None:
        return None
    whole, _, fraction = version[:-1].partition(".")
    try:
        moment = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.UTC)
    except ValueError:  # the right shape, no such day (2026-02-30)
        return None
    return moment.replace(microsecond=int(fraction[:6].ljust(6, "0"))) if fraction else moment


def _created_by_ok(obj: dict[str, Any], envelope: Envelope) -> bool:
    ref = obj.get("created_by_ref")
    return envelope.polled or ref is None or ref == f"identity--{envelope.owner.stix_id}"


def check_created_by(obj: dict[str, Any], envelope: Envelope) -> None:
    # A member posting speaks for itself only: an object claiming another creator would put
    # words in another organisation's mouth under this member's name.
    if not _created_by_ok(obj, envelope):
        raise Refused("created_by_ref must be your own identity")


def indicator_values(pattern: object) -> list[IndicatorInput]:
    """The indicators an OR-of-equalities pattern names, normalised as every entry path does."""
    try:
        found = equalities(pattern)  # type: ignore[arg-type]
    except PatternError as e:
        raise Refused(f"pattern not supported: {e}") from e
    values: dict[tuple[str, str], IndicatorInput] = {}
    for eq in found:
        kind = _KIND_OF_TYPE.get(eq.type)
        if kind is None:
            supported = ", ".join(sorted(_KIND_OF_TYPE))
            raise Refused(f"pattern not supported: type {eq.type} (supported: {supported})")
        if eq.prop != "value":
            raise Refused(f"pattern not supported: {eq.type}:{eq.prop} (only :value)")
        if kind in ("ipv4", "ipv6") and "/" in eq.value:
            kind = "cidr"
        try:
            value = normalise(kind, eq.value)
        except IndicatorError as e:
            raise Refused(f"invalid {eq.type} value {eq.value[:100]!r}: {e}") from e
        values.setdefault((kind, value), IndicatorInput(kind=kind, raw_value=eq.value, value=value))
    if len(values) > MAX_INDICATORS:
        raise Refused(
            f"at most {MAX_INDICATORS} indicators per report; the pattern has {len(values)}"
        )
    return list(values.values())


def _extension(obj: dict[str, Any] | None) -> dict[str, Any]:
    extensions = (obj or {}).get("extensions")
    ours = extensions.get(EXTENSION_ID) if isinstance(extensions, dict) else None
    return ours if isinstance(ours, dict) else {}


def category_of(obj: dict[str, Any], envelope: Envelope) -> str:
    """The Atalaya extension's category, else a label naming a category, else the agreement's
    one category; on the object itself first, then on a report naming it."""
    sources = [obj, envelope.reports_naming.get(obj["id"])]
    for source in sources:
        category = _extension(source).get("category")
        if category is not None:
            if category not in Category.values:
                raise Refused(f"unknown category {str(category)[:40]!r} in the Atalaya extension")
            return category
    for source in sources:
        labels = (source or {}).get("labels")
        for label in labels if isinstance(labels, list) else ():
            if label in Category.values:
                return label
    agreement = envelope.agreement
    if agreement is not None and len(agreement.categories) == 1:
        return agreement.categories[0]
    raise Refused("no category: name one in the Atalaya extension or in labels")


def _marked(obj: dict[str, Any], envelope: Envelope) -> list[int]:
    refs = obj.get("object_marking_refs")
    levels = []
    for ref in refs if isinstance(refs, list) else ():
        level = tlp_of_marking(ref) if isinstance(ref, str | dict) else None
        if level is None and isinstance(ref, str) and ref in envelope.markings:
            level = tlp_of_marking(envelope.markings[ref])
        if level is not None:
            levels.append(level)
    return levels


def tlp_of(obj: dict[str, Any], envelope: Envelope, *, at_least: int | None = None) -> int:
    """The most restrictive TLP marking (by id, or a marking-definition in the envelope or
    inline) on the object and on every `report` of the envelope naming it, and `at_least`
    (a sighted report's level); none: the agreement's ceiling. Markings we do not recognise
    are ignored (another marking scheme says nothing about TLP)."""
    levels = _marked(obj, envelope)
    for named_by in envelope.all_reports_naming.get(obj["id"], ()):
        levels += _marked(named_by, envelope)
    if at_least is not None:
        levels.append(at_least)
    if levels:
        return max(levels)
    if envelope.agreement is not None:
        return envelope.agreement.max_tlp
    return TLP.AMBER  # the hub's default for a report, as in the portal and the API


_country_codes: frozenset[str] | None = None


def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, built once (here, not from the API's serializers, which are
    a layer above)."""
    global _country_codes
    if _country_codes is None:
        _country_codes = frozenset(code for code, _ in countries)
    return _country_codes


def _jurisdictions(obj: dict[str, Any], envelope: Envelope) -> list[str]:
    given = None
    for source in (obj, envelope.reports_naming.get(obj["id"])):
        given = _extension(source).get("jurisdictions")
        if given is not None:
            break
    if given is None or given == []:
        # Not said: under an agreement, the countries it covers, so that the report is shared
        # where it was posted (a global report only travels under agreements covering all).
        return list(envelope.agreement.jurisdictions) if envelope.agreement else []
    if not isinstance(given, list) or not all(
        isinstance(c, str) and c.upper() in country_codes() for c in given
    ):
        raise Refused("jurisdictions must be ISO 3166-1 alpha-2 country codes")
    return sorted({c.upper() for c in given})


def _live_window(obj: dict[str, Any], envelope: Envelope) -> dict[str, datetime.datetime | None]:
    ext = _extension(obj) or _extension(envelope.reports_naming.get(obj["id"]))
    window: dict[str, datetime.datetime | None] = {}
    for name in ("live_from", "live_until"):
        text = ext.get(name)
        moment = moment_of(text) if isinstance(text, str) else None
        if text is not None and (moment is None or moment.tzinfo is None):
            raise Refused(f"{name} must be a STIX timestamp")
        window[name] = moment
    return window


def _sharing(tlp: int, category: str, jurisdictions: list[str], envelope: Envelope) -> dict:
    """Shared under the agreement of the collection it was posted to; a polled source with no
    agreement: the member's usual sharing (every agreement it is party to)."""
    agreement = envelope.agreement
    if agreement is None:
        if tlp == TLP.RED:
            raise Refused("TLP:RED names its recipients: post it to an agreement's collection")
        return {"tlp": tlp, "restricted_to": [], "recipients": []}
    if tlp != TLP.RED and tlp > agreement.max_tlp:
        raise Refused(
            f"TLP:{TLP(tlp).label.upper()} is above this agreement's ceiling "
            f"(TLP:{TLP(agreement.max_tlp).label.upper()})"
        )
    # The report would be stored and shared with no one: better say so now.
    if agreement.categories and category not in agreement.categories:
        raise Refused(f"category {category} is not shared under this agreement")
    if agreement.jurisdictions and not set(jurisdictions) & set(agreement.jurisdictions):
        raise Refused("none of these jurisdictions is covered by this agreement")
    recipients = envelope.other_parties if tlp == TLP.RED else []
    return {"tlp": tlp, "restricted_to": [agreement], "recipients": recipients}


def _text(value: object, limit: int | None = None) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return text[:limit] if limit else text


def indicator_report(obj: dict[str, Any], envelope: Envelope) -> ReportInput:
    """An `indicator` as a report of the poster. Its name and description, or else those of a
    `report` in the same envelope that names it (object_refs)."""
    check_created_by(obj, envelope)
    indicators = indicator_values(obj.get("pattern"))
    category = category_of(obj, envelope)
    tlp = tlp_of(obj, envelope)
    jurisdictions = _jurisdictions(obj, envelope)
    named_by = envelope.reports_naming.get(obj["id"]) or {}
    title = _text(obj.get("name"), MAX_TITLE) or _text(named_by.get("name"), MAX_TITLE)
    description = _text(obj.get("description")) or _text(named_by.get("description"))
    return ReportInput(
        category=category,
        title=title or ", ".join(i.value for i in indicators)[:MAX_TITLE],
        description=description,
        indicators=indicators,
        jurisdictions=jurisdictions,
        **_live_window(obj, envelope),
        **_sharing(tlp, category, jurisdictions, envelope),
    )


def sighting_report(
    obj: dict[str, Any], envelope: Envelope, *, seen: list[Indicator], sighted: Report, own: bool
) -> ReportInput:
    """A `sighting` of indicators the poster may see, as the poster's own report of the same
    values in the same category: a corroboration, announced as every corroboration is. Never
    less restricted than the report sighted (`sighted`, the poster's own when `own`)."""
    check_created_by(obj, envelope)
    if sighted.tlp == TLP.RED and not own:
        # Its owner named who may know these values; a sighting shared under this agreement
        # would name others (the agreement's parties), so it is refused, not re-marked.
        raise Refused(
            "a sighting of a TLP:RED report is not imported: its owner chose its recipients"
        )
    indicators = [IndicatorInput(kind=i.kind, raw_value=i.value, value=i.value) for i in seen]
    category = sighted.category
    tlp = tlp_of(obj, envelope, at_least=sighted.tlp)
    jurisdictions = _jurisdictions(obj, envelope)
    values = ", ".join(i.value for i in indicators)
    return ReportInput(
        category=category,
        title=f"Sighting of {values}"[:MAX_TITLE],
        description=_text(obj.get("description")),
        indicators=indicators,
        jurisdictions=jurisdictions,
        **_sharing(tlp, category, jurisdictions, envelope),
    )


def visible_indicators(owner: Organization, refs: Iterable[str]) -> dict[str, list[Indicator]]:
    """Hub indicators named by STIX id (`indicator--<Indicator.stix_id>`) that `owner` may see,
    through the access policy: one that exists but is hidden is simply absent, exactly like
    one that does not exist."""
    wanted: dict[uuid.UUID, str] = {}
    for ref in refs:
        if ref.startswith("indicator--"):
            try:
                wanted[uuid.UUID(ref.removeprefix("indicator--"))] = ref
            except ValueError:
                continue
    found: dict[str, list[Indicator]] = {}
    if not wanted:
        return found
    visible = Report.objects.visible_to(owner).values("pk")
    indicators = Indicator.objects.filter(stix_id__in=list(wanted), report__in=visible)
    for indicator in indicators.select_related("report"):
        found[wanted[indicator.stix_id]] = [indicator]
    return found
