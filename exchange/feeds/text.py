"""The indicators feeds: plain text (one value per line) and CSV, as MISP's "Freetext Parsed
Feed" and "Simple CSV Parsed Feed" read them, and most SIEMs and firewalls' external lists.

Pure generators of lines from rows already read through the access policy. Neither file has a
byte order mark or a date in it: the same state gives the same bytes, and MISP's CSV parser
skips only lines that start with `#` (a BOM before it would make the header a value), so the
CSV's header is a `#` line, as abuse.ch's CSV feeds write theirs.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from kernel.csv_export import cell, iso_utc
from kernel.vocabulary import TLP

CSV_COLUMNS = ("value", "kind", "report", "tlp", "category", "updated_at")


class _Echo:
    """What csv.writer writes to when each line is yielded as it is made."""

    def write(self, value: str) -> str:
        return value


def txt_lines(values: Iterable[str]) -> Iterator[str]:
    """One value per line, nothing else (a comment line is not read the same everywhere)."""
    for value in values:
        yield value + "\n"


def csv_lines(rows: Iterable[tuple[str, str, object, int, str, datetime]]) -> Iterator[str]:
    """`# value,kind,report,tlp,category,updated_at`, then one line per indicator of each
    report (a value two reports name is on two lines, each with its report's event uuid)."""
    writer = csv.writer(_Echo())
    yield "# " + writer.writerow(CSV_COLUMNS)
    for kind, value, report, tlp, category, updated_at in rows:
        # A value typed by a member (an account, a watermark id) may start like a formula.
        yield writer.writerow(
            [cell(value), kind, str(report), TLP(tlp).label, category, iso_utc(updated_at)]
        )
