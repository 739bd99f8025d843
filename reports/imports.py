"""Several reports from a spreadsheet: a CSV file, or cells copied from a spreadsheet and
pasted (tab-separated). One row per report, a header row naming the columns as the API does;
each row checked on its own, so the preview can say which rows will be stored and why the
others will not, and the submission goes through `reports.services.reports_submit_bulk`."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.actors import Actor
from members.models import Organization

from .import_forms import ImportRowForm
from .services import BulkOutcome, InvalidItem, ReportInput, check_report_rules
from .services import reports_submit_bulk as _submit_bulk

COLUMNS = (
    "title",
    "category",
    "indicators",
    "tlp",
    "jurisdictions",
    "description",
    "live_from",
    "live_until",
)
REQUIRED = ("title", "category", "indicators")
MAX_ROWS = 1000  # as many as one bulk submission of the API


@dataclass
class Row:
    number: int  # the spreadsheet's row number: the header is row 1
    cells: dict[str, str]
    report: ReportInput | None = None
    errors: list[tuple[str, list[str]]] = field(default_factory=list)  # (column, messages)

    @property
    def ok(self) -> bool:
        return self.report is not None


@dataclass
class Sheet:
    rows: list[Row] = field(default_factory=list)
    problem: str = ""  # why the sheet as a whole cannot be read
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def valid(self) -> list[Row]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]


def decode(data: bytes) -> str:
    """UTF-8 (with or without Excel's byte order mark), else Windows-1252, which Excel uses for
    "CSV" in Spanish and Portuguese settings."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(header: str) -> str:
    """Tabs when cells were copied from a spreadsheet; semicolons from Excel where the decimal
    separator is a comma (Spanish, Portuguese); else commas."""
    if "\t" in header:
        return "\t"
    return ";" if header.count(";") > header.count(",") else ","


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def read_sheet(text: str) -> Sheet:
    """The rows of `text`, with their cells by column; not yet checked."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    if not header:
        return Sheet(problem=_("The sheet is empty."))
    reader = csv.reader(io.StringIO(text.strip("\r\n")), delimiter=_delimiter(header))
    try:
        records = list(reader)
    except csv.Error as e:
        return Sheet(problem=_("The sheet cannot be read as CSV: %(error)s.") % {"error": e})
    names = [_column(n) for n in records[0]]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        return Sheet(
            problem=_(
                "The header row (the first) must name the columns %(required)s; missing: "
                "%(missing)s."
            )
            % {"required": ", ".join(REQUIRED), "missing": ", ".join(missing)}
        )
    sheet = Sheet(ignored_columns=[n for n in names if n and n not in COLUMNS])
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {name: value for name, value in zip(names, record, strict=False) if name}
        sheet.rows.append(Row(number=index, cells=cells))
    if not sheet.rows:
        sheet.problem = _("The sheet has a header row but no report under it.")
    elif len(sheet.rows) > MAX_ROWS:
        sheet.problem = ngettext(
            "At most %(limit)s report per import; this sheet has %(count)s.",
            "At most %(limit)s reports per import; this sheet has %(count)s.",
            MAX_ROWS,
        ) % {"limit": f"{MAX_ROWS:,}", "count": f"{len(sheet.rows):,}"}
    return sheet


def check_sheet(sheet: Sheet, *, owner: Organization) -> Sheet:
    """Checks each row as a report of `owner`: its shape (ImportRowForm) and the report rules
    (`check_report_rules`), the way the submission will. Each row gets its input or errors."""
    for row in sheet.rows:
        row.report, row.errors = None, []
        form = ImportRowForm({c: row.cells.get(c, "") for c in COLUMNS})
        if not form.is_valid():
            row.errors = [(name, list(msgs)) for name, msgs in form.errors.items()]
            continue
        data = form.to_input()
        try:
            check_report_rules(owner=owner, data=data)
        except ValidationError as e:
            row.errors = [(name, list(msgs)) for name, msgs in e.message_dict.items()]
            continue
        row.report = data
    return sheet


def sheet_submit(*, actor: Actor, sheet: Sheet) -> list[BulkOutcome]:
    """Stores the sheet's valid rows as reports, together (one transaction, one event). Rows
    are checked again: what the preview showed may have changed since (an agreement ended)."""
    check_sheet(sheet, owner=actor.organization)

    def read(row: Row) -> ReportInput:
        if row.report is None:
            raise InvalidItem(row.errors)
        return row.report

    return _submit_bulk(actor=actor, items=sheet.rows, read=read)
