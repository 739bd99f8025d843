"""Portal pages that enter reports: the report form (indicator rows, the paste box, evidence
files), indicators and evidence added to one's own report afterwards, and several reports
imported from a spreadsheet. Every write goes through `reports.services`,
`reports.indicator_services` or `reports.imports`."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.actors import Actor
from members.models import Organization
from members.portal import may_write, member_org

from . import imports, services
from .entry_forms import EvidenceForm, IndicatorPasteForm, combined_indicators, too_many
from .forms import INDICATOR_PREFIX, KIND_LABELS, IndicatorFormSet, ReportForm
from .import_forms import ImportForm
from .indicator_lines import ParsedLines
from .indicator_services import report_indicators_add
from .models import Report
from .selectors import visible_reports


def _read_only(request, org: Organization):
    return render(request, "reports/read_only.html", {"org": org}, status=403)


def _refused_key(pk: int) -> str:
    return f"reports:refused_lines:{pk}"


def _keep_refused(request, report: Report, parsed: ParsedLines) -> None:
    """The pasted lines that could not be read wait in the session for the report's "add"
    page, which shows them in the box with their errors: the report did not wait for them,
    and the person loses nothing they typed."""
    request.session[_refused_key(report.pk)] = parsed.rejected_text
    messages.warning(
        request,
        ngettext(
            "%(count)s pasted line could not be read and was not added: correct it below.",
            "%(count)s pasted lines could not be read and were not added: correct them below.",
            len(parsed.rejected),
        )
        % {"count": len(parsed.rejected)},
    )


def _attach(request, actor: Actor, report: Report, evidence: EvidenceForm) -> None:
    for upload in evidence.cleaned_data["files"]:
        try:
            services.evidence_add(actor=actor, report=report, upload=upload)
        except ValidationError as e:
            messages.error(request, f"{upload.name}: {' '.join(e.messages)}")


def _apply_rule_errors(form: ReportForm, error: ValidationError) -> list[str]:
    """Puts each rule error of `check_report_rules` on its field; returns those about the
    indicators as a whole, which belong above the indicator rows."""
    about_indicators: list[str] = []
    for field, msgs in error.message_dict.items():
        if field == "indicators":
            about_indicators.extend(msgs)
        else:
            form.add_error(field if field in form.fields else None, msgs)
    return about_indicators


def _repeated(count: int) -> str:
    return ngettext(
        "%(count)s value given twice was entered once.",
        "%(count)s values given more than once were entered once.",
        count,
    ) % {"count": count}


@login_required
def submit(request):
    org = member_org(request)
    if not may_write(request.user):
        return _read_only(request, org)
    data = request.POST if request.method == "POST" else None
    form = ReportForm(data, organization=org)
    formset = IndicatorFormSet(data, prefix=INDICATOR_PREFIX)
    paste = IndicatorPasteForm(data)
    evidence = EvidenceForm(data, request.FILES if data is not None else None)
    indicator_errors: list[str] = []
    if request.method == "POST" and "add_rows" in request.POST:
        # No JavaScript: more rows means the same page again with what was typed, unjudged.
        rows = formset.initial_from_data()
        form = ReportForm(initial=form.initial_from_data(), organization=org)
        formset = IndicatorFormSet(initial=rows, prefix=INDICATOR_PREFIX)
        paste = IndicatorPasteForm(initial={"lines": paste["lines"].data})
        evidence = EvidenceForm()
    elif request.method == "POST":
        # All are validated, so that every error shows at once.
        valid = [form.is_valid(), formset.is_valid(), paste.is_valid(), evidence.is_valid()]
        parsed = paste.parsed
        indicators, repeats = combined_indicators(
            formset.indicators() if valid[1] else [], parsed.indicators
        )
        if problem := too_many(len(indicators)):
            paste.add_error("lines", problem)
        elif not indicators and valid[1] and valid[2]:
            indicator_errors.append(_("Give at least one indicator."))
        elif all(valid) and indicators:
            actor = Actor(user=request.user)
            try:
                report = services.report_submit(actor=actor, data=form.to_input(indicators))
            except ValidationError as e:
                indicator_errors = _apply_rule_errors(form, e)
            else:
                _attach(request, actor, report, evidence)
                messages.success(
                    request, _("Report #%(number)s submitted.") % {"number": report.pk}
                )
                if repeats:
                    messages.info(request, _repeated(repeats))
                if parsed.rejected:
                    _keep_refused(request, report, parsed)
                    return redirect("reports:add_indicators", pk=report.pk)
                return redirect("reports:detail", pk=report.pk)
    paste.show_refused()
    return render(
        request,
        "reports/submit.html",
        {
            "org": org,
            "form": form,
            "formset": formset,
            "paste": paste,
            "evidence": evidence,
            "files_dropped": bool(request.FILES),
            "indicator_errors": indicator_errors,
        },
    )


@login_required
def add_indicators(request, pk: int):
    """The owner appends indicators (the mirrors of a live event) and evidence to its report.
    What the report has is shown, never offered for change. Another member's report, even one
    it may read, answers 404 like a missing one."""
    org = member_org(request)
    if not may_write(request.user):
        return _read_only(request, org)
    report = get_object_or_404(visible_reports(org).filter(owner=org), pk=pk)
    paste, evidence = IndicatorPasteForm(), EvidenceForm()
    if request.method == "POST":
        paste = IndicatorPasteForm(request.POST)
        evidence = EvidenceForm(request.POST, request.FILES)
        valid = [paste.is_valid(), evidence.is_valid()]
        parsed = paste.parsed
        if all(valid):
            files = evidence.cleaned_data["files"]
            if not parsed.lines and not parsed.rejected and not files:
                paste.add_error("lines", _("Paste at least one indicator, or choose a file."))
            # Only lines that could not be read, and no file: the page again, with their errors.
            elif (parsed.lines or files) and _add(request, report, paste, evidence):
                if parsed.rejected:
                    _keep_refused(request, report, parsed)
                    return redirect("reports:add_indicators", pk=report.pk)
                return redirect("reports:detail", pk=report.pk)
    elif refused := request.session.pop(_refused_key(report.pk), None):
        # Read again, so each error names its line in the box as it is now shown.
        paste = IndicatorPasteForm({"paste-lines": refused})
        paste.is_valid()
    paste.show_refused()
    return render(
        request,
        "reports/add_indicators.html",
        {
            "org": org,
            "report": report,
            "indicators": [(KIND_LABELS.get(i.kind, i.kind), i) for i in report.indicators.all()],
            "paste": paste,
            "evidence": evidence,
            "files_dropped": bool(request.FILES),
        },
    )


def _add(request, report: Report, paste: IndicatorPasteForm, evidence: EvidenceForm) -> bool:
    """Appends the lines read and attaches the files; False, with the reason on the box, when
    the report refuses the lines (then no file is attached either)."""
    actor = Actor(user=request.user)
    parsed = paste.parsed
    if parsed.lines:
        try:
            added = report_indicators_add(actor=actor, report=report, indicators=parsed.indicators)
        except ValidationError as e:
            paste.add_error("lines", e.messages)
            return False
        if added.indicators:
            messages.success(
                request,
                ngettext(
                    "%(count)s indicator added to the report.",
                    "%(count)s indicators added to the report.",
                    len(added.indicators),
                )
                % {"count": len(added.indicators)},
            )
        if added.already_there:
            messages.info(
                request,
                _("Already in the report, left as they are: %(values)s.")
                % {"values": ", ".join(i.value for i in added.already_there)},
            )
    files = evidence.cleaned_data["files"]
    _attach(request, actor, report, evidence)
    if files:
        messages.success(
            request,
            ngettext("%(count)s file attached.", "%(count)s files attached.", len(files))
            % {"count": len(files)},
        )
    return True


@login_required
def import_reports(request):
    """Several reports from a spreadsheet: checked row by row and shown first; only the rows
    without errors are submitted, together."""
    org = member_org(request)
    if not may_write(request.user):
        return _read_only(request, org)
    form = ImportForm(request.POST or None, request.FILES or None)
    sheet = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        text = imports.decode(upload.read()) if upload else form.cleaned_data["sheet"]
        # Browsers send a text box's lines with CRLF, whatever they were shown with.
        text = text.replace("\r\n", "\n")
        digest = hashlib.sha256(text.encode()).hexdigest()
        seen = form.cleaned_data["previewed"] == digest
        sheet = imports.check_sheet(imports.read_sheet(text), owner=org)
        # What was read goes back in the text box: the preview's "check again" and "submit"
        # read it there (a chosen file is not sent twice).
        form = ImportForm(initial={"sheet": text, "previewed": digest})
        if "submit" in request.POST and not seen:
            messages.warning(
                request,
                _("The rows changed since they were checked: here they are, checked again."),
            )
        elif "submit" in request.POST and not sheet.problem and sheet.valid:
            outcomes = imports.sheet_submit(actor=Actor(user=request.user), sheet=sheet)
            created = [o.report for o in outcomes if o.report is not None]
            messages.success(
                request,
                ngettext(
                    "%(count)s report submitted.", "%(count)s reports submitted.", len(created)
                )
                % {"count": len(created)},
            )
            skipped = [sheet.rows[o.index].number for o in outcomes if o.report is None]
            if skipped:
                messages.warning(
                    request,
                    _("Rows not submitted, because of their errors: %(rows)s.")
                    % {"rows": ", ".join(map(str, skipped))},
                )
            return redirect(reverse("reports:list") + "?mine=on")
    return render(
        request,
        "reports/import.html",
        {"org": org, "form": form, "sheet": sheet, "columns": imports.COLUMNS},
    )
