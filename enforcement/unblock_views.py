"""The issuer's side of unblock requests in the portal: the list of its reviews (open first,
soonest due first) and one review with its answer form. Every read starts from
`unblock.reviews_for(org)`, so another organisation's review is a 404; every write goes
through `unblock.review_answer`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from members.portal import may_write as _may_write
from members.portal import member_org as _member_org
from members.services import Actor

from . import unblock
from .models import UnblockRequest
from .services import OrderStateError
from .transparency import KIND_LABELS

PAGE_SIZE = 50


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=unblock.Decision.choices, widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label=gettext_lazy("Answer to the requester"),
        help_text=gettext_lazy("E-mailed to the requester with the decision."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    org = _member_org(request)
    page = Paginator(unblock.reviews_for(org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "enforcement/unblock/list.html",
        {"org": org, "page": page, "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = _member_org(request)
    # Another organisation's review and one that does not exist are the same 404.
    review = get_object_or_404(unblock.reviews_for(org), pk=pk)
    is_open = review.status == UnblockRequest.Status.OPEN
    may_answer = is_open and _may_write(request.user)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if review.order.confidential:
        # The requester of a confidential order's review hears nothing of the answer
        # (unblock._tell_requester): the form must not promise them an e-mail.
        form.fields["answer"].label = _("Your reasons")
        form.fields["answer"].help_text = _("Kept on record; the requester does not receive it.")
    if request.method == "POST":
        if not _may_write(request.user):
            return render(request, "reports/read_only.html", {"org": org}, status=403)
        if form.is_valid():
            try:
                review = unblock.review_answer(
                    actor=Actor(user=request.user),
                    review=review,
                    decision=form.cleaned_data["decision"],
                    answer=form.cleaned_data["answer"],
                )
            except OrderStateError as e:
                messages.error(request, str(e))
                return redirect("unblock:detail", pk=review.pk)
            except ValidationError as e:
                for field, msgs in e.message_dict.items():
                    form.add_error(field if field in form.fields else None, msgs)
            else:
                status = review.get_status_display().lower()
                messages.success(request, _("Answered: %(status)s.") % {"status": status})
                return redirect("unblock:detail", pk=review.pk)
    entries = list(unblock.matching_entries(review))
    for entry in entries:
        entry.kind_label = KIND_LABELS.get(entry.kind, entry.kind)
    return render(
        request,
        "enforcement/unblock/detail.html",
        {
            "org": org,
            "review": review,
            "kind_label": KIND_LABELS.get(review.request.kind, review.request.kind),
            "entries": entries,
            "relation": dict(unblock.Relation.choices).get(
                review.request.relation, review.request.relation
            ),
            "form": form if may_answer else None,
            "is_open": is_open,
            "now": timezone.now(),
        },
    )
