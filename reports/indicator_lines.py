"""Indicators typed or pasted as lines: one value per line, its kind guessed, or a CSV record
`kind,value[,note]`. Each line becomes an indicator or an error that names the line and shows
what was typed. The order form's target lines (enforcement) use the same kind guess and the
same error wording."""

from __future__ import annotations

import csv
import ipaddress
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .indicator_limits import MAX_NOTE_LENGTH, IndicatorError
from .indicators import normalise
from .services import IndicatorInput

# A page of line errors is enough to act on; a pasted list of 10,000 junk lines needs no more.
MAX_LINE_ERRORS = 50
# An error shows at most this much of its line.
SHOWN_TEXT = 80

_PANEL = re.compile(r"[^\s:/\[\]]+:[0-9]{1,5}")  # host:port, the way IPTV panels are written
_KIND_WORD = re.compile(r"[A-Za-z_]+")  # what a kind looks like, known or not


def detect_kind(text: str) -> str:
    """The kind of one typed value among the blockable ones: an IP address, a CIDR range, a URL
    (it has a scheme), or else a domain. Only a guess at the kind: `normalise` then judges the
    value."""
    if "://" in text:
        return "url"
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return "ipv4" if address.version == 4 else "ipv6"
    if "/" in text:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            pass
        else:
            return "cidr"
    return "domain"


def detect_report_kind(text: str) -> str:
    """`detect_kind`, read the way a reporter means it: `host/path` is a URL without its scheme
    (an order must choose between the host and the URL; a report records what was seen), and
    `host:port` an IPTV panel. Other kinds (payment accounts, app ids...) are given as
    `kind,value`."""
    kind = detect_kind(text)
    if kind == "domain" and "/" in text:
        return "url"
    if kind == "domain" and _PANEL.fullmatch(text):
        return "iptv_panel"
    return kind


def line_error(number: int, text: str, message: str) -> str:
    """`Line 3 (what was typed): why`, the typed text shortened when long."""
    shown = text if len(text) <= SHOWN_TEXT else f"{text[: SHOWN_TEXT - 3]}…"
    return _("Line %(number)s (%(text)s): %(message)s") % {
        "number": number,
        "text": shown,
        "message": message,
    }


@dataclass(frozen=True)
class IndicatorLine:
    number: int  # 1-based, counting every line of the text, blank ones included
    text: str  # as typed, stripped
    indicator: IndicatorInput


@dataclass(frozen=True)
class RejectedLine:
    number: int
    text: str
    message: str  # `line_error`'s sentence

    def __str__(self) -> str:
        return self.message


@dataclass
class ParsedLines:
    lines: list[IndicatorLine] = field(default_factory=list)
    rejected: list[RejectedLine] = field(default_factory=list)

    @property
    def indicators(self) -> list[IndicatorInput]:
        return [line.indicator for line in self.lines]

    @property
    def rejected_text(self) -> str:
        """The refused lines as they were typed, one per line: what goes back in the box."""
        return "\n".join(r.text for r in self.rejected)

    @property
    def shown_errors(self) -> list[RejectedLine]:
        return self.rejected[:MAX_LINE_ERRORS]

    @property
    def more_errors(self) -> int:
        return max(0, len(self.rejected) - MAX_LINE_ERRORS)


def _fields(typed: str) -> tuple[str | None, str, str]:
    """(kind or None, value, note) of a line: a CSV record when its first field is a word, as a
    kind is; else the whole line is one value (a URL may hold commas)."""
    if "," not in typed:
        return None, typed, ""
    fields = next(csv.reader([typed], skipinitialspace=True))
    if not 2 <= len(fields) <= 3 or not _KIND_WORD.fullmatch(fields[0].strip()):
        return None, typed, ""
    kind = fields[0].strip().lower()
    return kind, fields[1].strip(), fields[2].strip() if len(fields) == 3 else ""


def parse_line(typed: str) -> IndicatorInput:
    """One stripped, non-empty line as an indicator; raises IndicatorError saying why not."""
    kind, value, note = _fields(typed)
    if kind is None:
        kind = detect_report_kind(value)
    if len(note) > MAX_NOTE_LENGTH:
        raise IndicatorError(
            "too_long",
            _("the note is longer than %(limit)s characters") % {"limit": MAX_NOTE_LENGTH},
        )
    return IndicatorInput(kind=kind, raw_value=value, value=normalise(kind, value), note=note)


def _is_header(typed: str) -> bool:
    names = [f.strip().lower() for f in typed.split(",")]
    return names[:2] == ["kind", "value"]


def parse_indicator_lines(text: str) -> ParsedLines:
    """Every non-empty line of `text` as an indicator, or refused with the reason. Lines
    starting with # are comments; a `kind,value,note` header line is skipped."""
    parsed = ParsedLines()
    for number, raw in enumerate(text.splitlines(), start=1):
        typed = raw.strip()
        if not typed or typed.startswith("#") or _is_header(typed):
            continue
        try:
            parsed.lines.append(IndicatorLine(number, typed, parse_line(typed)))
        except IndicatorError as e:
            parsed.rejected.append(
                RejectedLine(number, typed, line_error(number, typed, e.message))
            )
    return parsed


def unique(indicators: list[IndicatorInput]) -> tuple[list[IndicatorInput], int]:
    """The indicators with each (kind, canonical value) once, first occurrence kept, and how
    many repeats were dropped."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for indicator in indicators:
        key = (indicator.kind, indicator.value)
        if key not in seen:
            seen.add(key)
            kept.append(indicator)
    return kept, len(indicators) - len(kept)
