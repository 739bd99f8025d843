"""CSV downloads of the portal's lists: one cell's text, made safe for a spreadsheet, and a
streamed response that never holds the whole list in memory.

The files are for spreadsheets and scripts alike, so they read the same in every language:
column names and values are the API's (English codes), times are UTC in ISO 8601 with a `Z`.
A UTF-8 byte order mark comes first: without it Excel reads UTF-8 as the system's code page,
and "Fútbol" would arrive as "FÃºtbol" (csv readers: open with `encoding="utf-8-sig"`)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets
# (OWASP, "CSV Injection"): titles, names and indicator values are typed by members.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

Cell = str | int | bool | datetime | date | None | Sequence[str]


def iso_utc(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def cell(value: Cell) -> str:
    """One cell's text: empty for None, yes/no, times in UTC, several codes joined by a space
    (`values` joins what members typed); text that a spreadsheet would run as a formula gets a
    leading apostrophe, which the spreadsheet shows as text and a script can strip."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    text = value if isinstance(value, str) else " ".join(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def values(items: Sequence[str]) -> str:
    """Several values typed by members in one cell, one per line: a payment account may hold a
    space, no indicator holds a line break (control characters are refused), and a spreadsheet
    shows the cell's lines one under the other."""
    return "\n".join(items)


class _Echo:
    """The file-like object csv.writer writes to when each line is streamed."""

    def write(self, value: str) -> str:
        return value


def csv_download(name: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]):
    """A streamed CSV attachment, `<name>-<today>.csv`: the header, then one line per row as
    `rows` yields it (a generator reading the database in chunks keeps memory flat however
    long the list). The header is sent before the first row is read."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield BOM + writer.writerow(header)
        for row in rows:
            yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    today = timezone.now().astimezone(UTC).date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{today}.csv"'
    # What a member may see: never kept by a shared cache or the browser's.
    patch_cache_control(response, private=True, no_store=True)
    return response
