"""The portal's pages for an organisation's TAXII sources (the servers the hub polls as it), for
its admins only: anyone else, and an admin asking for another organisation's source, gets 404.
Views translate; `exchange.sources` decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members.actors import Actor

from . import sources
from .forms import TaxiiSourceForm
from .models import ImportJob, TaxiiSource

RECENT_JOBS = 10


def _admin_org(request):
    """The organisation the signed-in person administers; others get 404: these pages do not
    exist for them."""
    if not getattr(request.user, "is_org_admin", False):
        raise Http404
    return request.user.organization


def _source(request, pk: int) -> TaxiiSource:
    # Another organisation's source and a missing one answer alike.
    return get_object_or_404(
        TaxiiSource.objects.select_related("agreement"), pk=pk, organization=_admin_org(request)
    )


def _refused(form: TaxiiSourceForm, error: sources.SourceRefused) -> None:
    # The form checks what the service checks, so this is only reached in a race (an agreement
    # ended between the two); the service's reason is in English, like the API's.
    form.add_error(None, error.message)


@login_required
@never_cache
def source_list(request):
    org = _admin_org(request)
    return render(
        request,
        "exchange/sources.html",
        {
            "org": org,
            "sources": TaxiiSource.objects.filter(organization=org)
            .select_related("agreement")
            .order_by("title", "pk"),
        },
    )


@login_required
def source_create(request):
    org = _admin_org(request)
    form = TaxiiSourceForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        try:
            source = sources.source_create(
                actor=Actor(user=request.user), organization=org, **form.service_fields()
            )
        except sources.SourceRefused as e:
            _refused(form, e)
        else:
            messages.success(request, _("Source saved: Atalaya polls it within a minute."))
            return redirect("exchange:source", pk=source.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "exchange/source_form.html", {"form": form, "source": None}, status=status
    )


@login_required
@never_cache
def source_detail(request, pk: int):
    source = _source(request, pk)
    jobs = ImportJob.objects.filter(source=source).order_by("-created_at")[:RECENT_JOBS]
    return render(request, "exchange/source.html", {"source": source, "jobs": jobs})


@login_required
def source_edit(request, pk: int):
    source = _source(request, pk)
    form = TaxiiSourceForm(request.POST or None, instance=source, organization=source.organization)
    if request.method == "POST" and form.is_valid():
        try:
            sources.source_update(
                actor=Actor(user=request.user), source=source, **form.service_fields()
            )
        except sources.SourceRefused as e:
            _refused(form, e)
        else:
            messages.success(request, _("Source saved."))
            return redirect("exchange:source", pk=source.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "exchange/source_form.html", {"form": form, "source": source}, status=status
    )


@login_required
def source_delete(request, pk: int):
    source = _source(request, pk)
    if request.method == "POST":
        sources.source_delete(actor=Actor(user=request.user), source=source)
        messages.success(request, _("Source deleted."))
        return redirect("exchange:sources")
    return render(request, "exchange/source_delete.html", {"source": source})


@login_required
@require_POST
def source_poll(request, pk: int):
    source = _source(request, pk)
    sources.source_poll_now(actor=Actor(user=request.user), source=source)
    messages.success(
        request, _("Poll requested: what it finds appears below in a moment (reload the page).")
    )
    return redirect("exchange:source", pk=source.pk)
