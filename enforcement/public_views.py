"""The public side of blocking orders, without sign-in: the transparency register (and its
CSV), "is my site blocked, and why?", the figures, the unblock-request form and a request's
status page (reached by its reference and token).

Reads go through `enforcement.transparency`, which never shows a confidential order's entries;
the request goes through `enforcement.unblock`, and the pages that answer it are made of the
orders in the register only: the same for a name only a confidential order covers as for a
name no order covers. Every page reads the same for
everyone too, in UTC, whatever the reader's own zone or browser (`times_in_utc`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kernel import ratelimit
from kernel.fragments import render_page_or_part
from kernel.zones import times_in_utc
from reports.indicators import MAX_INPUT_LENGTH, IndicatorError

from . import unblock
from .feeds import FORMULA_TRIGGERS
from .transparency import (
    KIND_LABELS,
    REGISTER_PAGE_SIZE,
    Lookup,
    RegisterRow,
    figures,
    parse_lookup,
    public_matches,
    register_entries,
    register_row,
    why,
)
from .transparency.requests import (
    RequestStatus,
    ReviewLine,
    new_reference,
    published_orders_covering,
    request_by_link,
    request_status,
    status_path,
)

# Unblock requests accepted from one address per hour: enough for a person, not for a bot.
UNBLOCK_REQUESTS_PER_HOUR = 10
THROTTLE_WINDOW = 3600


# ---------------------------------------------------------------------------- forms


class RegisterFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=gettext_lazy("Entries"),
        required=False,
        choices=[("", gettext_lazy("In force now")), ("all", gettext_lazy("In force and ended"))],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("any")), *KIND_LABELS.items()],
    )


class LookupForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Domain, URL or IP address"),
        max_length=MAX_INPUT_LENGTH,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "www.example.com", "spellcheck": "false"}
        ),
    )

    def clean_q(self) -> Lookup:
        try:
            return parse_lookup(self.cleaned_data["q"])
        except IndicatorError as e:
            raise ValidationError(
                _("Give a domain name, a URL or an IP address (%(error)s).") % {"error": e},
                code=e.code,
            ) from e


class UnblockRequestForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=200)
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        help_text=gettext_lazy("The issuing authority answers at this address."),
    )
    organization = forms.CharField(
        label=gettext_lazy("Organisation (optional)"), max_length=200, required=False
    )
    relation = forms.ChoiceField(
        label=gettext_lazy("You are"), choices=unblock.Relation.choices, widget=forms.RadioSelect
    )
    value = forms.CharField(
        label=gettext_lazy("The blocked domain, URL or IP address"),
        max_length=MAX_INPUT_LENGTH,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    message = forms.CharField(
        label=gettext_lazy("Why it should be unblocked"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # A honeypot: hidden from people (and from screen readers), filled in by bots.
    website = forms.CharField(
        label=gettext_lazy("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_value(self) -> str:
        try:
            return parse_lookup(self.cleaned_data["value"]).value
        except IndicatorError as e:
            raise ValidationError(
                _("Give a domain name, a URL or an IP address (%(error)s).") % {"error": e},
                code=e.code,
            ) from e


# ---------------------------------------------------------------------------- the register


def _register_filters(request: HttpRequest) -> tuple[RegisterFilterForm, bool, str]:
    form = RegisterFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["show"] == "all", form.cleaned_data["kind"]
    return form, False, ""


@times_in_utc
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    form, include_ended, kind = _register_filters(request)
    now = timezone.now()
    entries = register_entries(include_ended=include_ended, kind=kind, at=now)
    page = Paginator(entries, REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # A filter or the pager asks (with htmx) for the entries only: nothing else changes.
    return render_page_or_part(
        request,
        "enforcement/public/register.html",
        "enforcement/public/_register_results.html",
        {
            "form": form,
            "page": page,
            "rows": [register_row(e, at=now) for e in page],
            "include_ended": include_ended,
            "query": query.urlencode(),
            "now": now,
        },
        target="register-results",
    )


CSV_HEADER = [
    "kind",
    "value",
    "authority",
    "country",
    "reference",
    "legal_basis",
    "in_force_since",
    "ends_at",
    "until_renewed",
    "state",
    "ended_at",
]


class _Echo:
    """The file-like object csv.writer writes to when each line is streamed."""

    def write(self, value: str) -> str:
        return value


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _cell(text: str) -> str:
    # Legal bases and references are typed by issuers: no cell may run as a formula.
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_cells(row: RegisterRow) -> list[str]:
    cells = [
        row.kind,
        row.value,
        row.authority,
        row.country,
        row.reference,
        row.legal_basis,
        _iso(row.since),
        _iso(row.ends),
        "yes" if row.until_renewed else "no",
        row.state,
        _iso(row.ended),
    ]
    return [_cell(c) for c in cells]


@times_in_utc
@require_GET
def register_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The register as CSV (the same filters as the page, every page at once), streamed."""
    _, include_ended, kind = _register_filters(request)
    now = timezone.now()
    entries = register_entries(include_ended=include_ended, kind=kind, at=now)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(CSV_HEADER)
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(_csv_cells(register_row(entry, at=now)))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = "atalaya-transparency-register" + ("-all" if include_ended else "")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# ---------------------------------------------------------------------------- the lookup


@times_in_utc
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Is my site blocked, and why? When nothing public blocks it, the page says so and no
    more: it does not tell whether a confidential order covers it."""
    form = LookupForm(request.GET if "q" in request.GET else None)
    lookup, matches = None, []
    if form.is_bound and form.is_valid():
        lookup = form.cleaned_data["q"]
        now = timezone.now()
        matches = [
            (register_row(entry, at=now), why(lookup, entry))
            for entry in public_matches(lookup, at=now)
        ]
    return render(
        request,
        "enforcement/public/search.html",
        {"form": form, "lookup": lookup, "matches": matches},
    )


# ---------------------------------------------------------------------------- the figures


@times_in_utc
@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    return render(request, "enforcement/public/figures.html", {"figures": figures()})


# ---------------------------------------------------------------------------- unblock requests


def _over_limit(request: HttpRequest) -> bool:
    # Counted in the cache every web worker shares (kernel.ratelimit): a per-process count would
    # let one address send the limit once to each worker.
    rate = ratelimit.Rate(count=UNBLOCK_REQUESTS_PER_HOUR, seconds=THROTTLE_WINDOW)
    return not ratelimit.hit("unblock", ratelimit.client_address(request), rate).allowed


def _sent(request: HttpRequest, *, status: RequestStatus, email: str) -> HttpResponse:
    # Made of the orders in the register only: the page for a name only a confidential order
    # covers is the page for a name no order covers (docs/contract.md, "Unblock requests").
    return render(
        request,
        "enforcement/public/unblock_sent.html",
        {"status": status, "email": email, "status_path": status_path(status.reference)},
    )


def _as_if_sent(value: str) -> RequestStatus:
    """What a request would read like, for the honeypot: nothing is stored, the reference
    leads nowhere."""
    lookup = parse_lookup(value)
    now = timezone.now()
    lines = [
        ReviewLine(
            order_reference=order.reference,
            authority=order.issuer.name,
            state="open",
            due=unblock.answer_due(now),
            answered_at=None,
            repeated=False,
        )
        for order in published_orders_covering(lookup, at=now)
    ]
    return RequestStatus(new_reference(), lookup.value, lookup.kind, now, lines)


@times_in_utc
@never_cache
@require_GET
def unblock_status(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """A request's status, for whoever holds its link (the page after the form, every e-mail).
    A wrong token and an unknown reference are the same 404."""
    found = request_by_link(reference, token)
    if found is None:
        raise Http404
    status = request_status(found)
    return render(
        request,
        "enforcement/public/unblock_status.html",
        {"status": status, "kind_label": KIND_LABELS.get(status.kind, status.kind)},
    )


@times_in_utc
@require_http_methods(["GET", "POST"])
def unblock_request(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = UnblockRequestForm(
            initial={"value": request.GET.get("value", "")[:MAX_INPUT_LENGTH]}
        )
        return render(request, "enforcement/public/unblock_form.html", {"form": form})
    form = UnblockRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if _over_limit(request):
            form.add_error(
                None,
                _("Too many requests from your address in the last hour. Please try again later."),
            )
            return render(
                request, "enforcement/public/unblock_form.html", {"form": form}, status=429
            )
        if data["website"]:
            # A bot filled in the hidden field: it reads what a person would, nothing is stored.
            return _sent(request, status=_as_if_sent(data["value"]), email=data["email"])
        try:
            sent = unblock.request_submit(
                data=unblock.UnblockInput(
                    name=data["name"],
                    email=data["email"],
                    organization=data["organization"],
                    relation=data["relation"],
                    value=data["value"],
                    message=data["message"],
                    language=request.LANGUAGE_CODE,
                )
            )
        except ValidationError as e:
            for field, messages in e.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return _sent(request, status=request_status(sent), email=sent.requester_email)
    return render(request, "enforcement/public/unblock_form.html", {"form": form})
