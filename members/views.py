from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.confirm import Confirmation, ask, confirmed
from kernel.zones import hub_today

from . import services
from .forms import AgreementProposeForm, APIKeyForm, InviteForm
from .models import Agreement, Organization
from .portal import member_org as _member_org
from .selectors import agreement_terms


@login_required
def directory(request):
    orgs = Organization.objects.all()
    kind = request.GET.get("kind", "")
    country = request.GET.get("country", "").upper()
    if kind:
        orgs = orgs.filter(kind=kind)
    if country:
        orgs = orgs.filter(country=country)
    return render(
        request,
        "members/directory.html",
        {"orgs": orgs, "kinds": Organization.Kind.choices, "kind": kind, "country": country},
    )


@login_required
def organization_detail(request, slug: str):
    org = get_object_or_404(Organization, slug=slug)
    return render(request, "members/organization_detail.html", {"org": org})


def _org_admin(request):
    """The organisation the signed-in person administers; others get 404 for these pages."""
    if not request.user.is_org_admin:
        raise Http404
    return request.user.organization


def _apply_errors(form, error: ValidationError) -> None:
    for field, msgs in error.message_dict.items():
        form.add_error(field if field in form.fields else None, msgs)


@login_required
def manage(request):
    org = _org_admin(request)
    actor = services.Actor(user=request.user)
    key_form = APIKeyForm(prefix="key")
    invite_form = InviteForm(prefix="invite")
    new_key = None
    if request.method == "POST" and "key-name" in request.POST:
        key_form = APIKeyForm(request.POST, prefix="key")
        if key_form.is_valid():
            try:
                _key, new_key = services.api_key_create(
                    actor=actor,
                    organization=org,
                    name=key_form.cleaned_data["name"],
                    scopes=key_form.cleaned_data["scopes"],
                    expires_at=key_form.cleaned_data["expires_at"],
                )
            except ValidationError as e:
                _apply_errors(key_form, e)
            else:
                key_form = APIKeyForm(prefix="key")
    elif request.method == "POST" and "invite-email" in request.POST:
        invite_form = InviteForm(request.POST, prefix="invite")
        if invite_form.is_valid():
            try:
                user = services.user_invite(
                    actor=actor, organization=org, **invite_form.cleaned_data
                )
            except ValidationError as e:
                _apply_errors(invite_form, e)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": user.email}
                )
                return redirect("members:manage")
    return render(
        request,
        "members/manage.html",
        {
            "org": org,
            "keys": org.api_keys.select_related("created_by"),
            "users": org.users.order_by("email"),
            "key_form": key_form,
            "invite_form": invite_form,
            "new_key": new_key,
        },
    )


@login_required
@require_POST
def revoke_key(request, pk: int):
    org = _org_admin(request)
    key = get_object_or_404(org.api_keys, pk=pk)
    if not key.is_revoked and not confirmed(request):
        return ask(
            request,
            Confirmation(
                question=_("Revoke the key “%(name)s” (%(prefix)s…)?")
                % {
                    "name": key.name,
                    "prefix": key.prefix,
                },
                consequences=[
                    _("Every program that uses it is refused from this moment (401)."),
                    _("A revoked key cannot be restored: you would create a new key."),
                ],
                button=_("Revoke the key"),
                back=reverse("members:manage"),
            ),
        )
    services.api_key_revoke(actor=services.Actor(user=request.user), api_key=key)
    messages.success(request, _("Key %(prefix)s… revoked.") % {"prefix": key.prefix})
    return redirect("members:manage")


@login_required
@require_POST
def deactivate_user(request, pk: int):
    org = _org_admin(request)
    user = get_object_or_404(org.users, pk=pk)
    if user == request.user:
        raise PermissionDenied(_("You cannot deactivate yourself."))
    services.user_deactivate(actor=services.Actor(user=request.user), user=user)
    messages.success(request, _("%(email)s can no longer sign in.") % {"email": user.email})
    return redirect("members:manage")


# --- agreements ------------------------------------------------------------------------------


def _agreements_of(org: Organization):
    """Agreements are private to their parties: anyone else gets 404, as for a missing one."""
    return Agreement.objects.of_party(org).prefetch_related("party_links__organization")


@login_required
def agreements(request):
    org = _member_org(request)
    today = hub_today()
    rows = [(a, agreement_terms(a, today=today)) for a in _agreements_of(org).order_by("-id")]
    return render(request, "members/agreement_list.html", {"org": org, "rows": rows})


@login_required
def agreement_detail(request, pk: int):
    org = _member_org(request)
    agreement = get_object_or_404(_agreements_of(org), pk=pk)
    links = list(agreement.party_links.all())
    ours = next(link for link in links if link.organization_id == org.pk)
    closed = {Agreement.Status.TERMINATED, Agreement.Status.EXPIRED, Agreement.Status.DECLINED}
    admin = request.user.is_org_admin
    # A party yet to sign a proposal answers it: sign or decline (terminating is for those
    # who agreed).
    to_answer = agreement.status == Agreement.Status.PROPOSED and ours.signed_at is None
    return render(
        request,
        "members/agreement_detail.html",
        {
            "org": org,
            "agreement": agreement,
            "terms": agreement_terms(agreement),
            "links": links,
            "can_sign": admin and to_answer,
            "can_decline": admin and to_answer,
            "can_suspend": admin and agreement.status == Agreement.Status.ACTIVE,
            "can_terminate": admin and agreement.status not in closed and not to_answer,
        },
    )


@login_required
def agreement_propose(request):
    org = _org_admin(request)
    form = AgreementProposeForm(
        request.POST if request.method == "POST" else None, organization=org
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_propose(
                actor=services.Actor(user=request.user),
                title=form.cleaned_data["title"],
                parties=list(form.cleaned_data["parties"]),
                categories=form.cleaned_data["categories"],
                jurisdictions=form.cleaned_data["jurisdictions"],
                max_tlp=form.cleaned_data["max_tlp"],
                share_reporter_identity=form.cleaned_data["share_reporter_identity"],
                share_evidence=form.cleaned_data["share_evidence"],
                effective_from=form.cleaned_data["effective_from"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(
                request,
                _(
                    "“%(title)s” proposed and signed by %(org)s. "
                    "It becomes active when every other party has signed."
                )
                % {"title": agreement.title, "org": org.name},
            )
            return redirect("members:agreement", pk=agreement.pk)
    return render(request, "members/agreement_propose.html", {"org": org, "form": form})


def _agreement_transition(request, pk: int, service, done: str, confirm=None):
    """Runs an agreement's transition. `confirm(agreement)` gives the second look a final one
    needs: posted without `confirm`, the page asks and nothing changes."""
    org = _org_admin(request)
    agreement = get_object_or_404(Agreement.objects.of_party(org), pk=pk)
    if confirm is not None and not confirmed(request):
        return ask(request, confirm(agreement))
    try:
        service(actor=services.Actor(user=request.user), agreement=agreement)
    except services.AgreementStateError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, done)
    return redirect("members:agreement", pk=pk)


def _back(agreement: Agreement) -> str:
    return reverse("members:agreement", args=[agreement.pk])


@login_required
@require_POST
def agreement_sign(request, pk: int):
    return _agreement_transition(
        request, pk, services.agreement_sign, _("Signed. It is active once every party has signed.")
    )


@login_required
@require_POST
def agreement_decline(request, pk: int):
    def confirm(agreement: Agreement) -> Confirmation:
        return Confirmation(
            question=_("Decline “%(title)s”?") % {"title": agreement.title},
            consequences=[
                _("The proposal ends for every party: it never comes into force."),
                _("The other parties are told that your organisation declined it."),
                _("To share later, one of you proposes a new agreement."),
            ],
            button=_("Decline the agreement"),
            back=_back(agreement),
        )

    return _agreement_transition(
        request,
        pk,
        services.agreement_decline,
        _("Declined. The other parties are told."),
        confirm,
    )


@login_required
@require_POST
def agreement_suspend(request, pk: int):
    def confirm(agreement: Agreement) -> Confirmation:
        return Confirmation(
            question=_("Suspend “%(title)s”?") % {"title": agreement.title},
            consequences=[
                _("Nothing is shared under it any more, for every party, from this moment."),
                _("A suspended agreement is not resumed: the parties would propose a new one."),
            ],
            button=_("Suspend the agreement"),
            back=_back(agreement),
        )

    return _agreement_transition(
        request,
        pk,
        services.agreement_suspend,
        _("Suspended. Nothing is shared under it any more, from this moment."),
        confirm,
    )


@login_required
@require_POST
def agreement_terminate(request, pk: int):
    def confirm(agreement: Agreement) -> Confirmation:
        return Confirmation(
            question=_("Terminate “%(title)s”?") % {"title": agreement.title},
            consequences=[
                _("Nothing is shared under it any more, for every party, from this moment."),
                _("Termination is final: to share again, the parties propose a new agreement."),
            ],
            button=_("Terminate the agreement"),
            back=_back(agreement),
        )

    return _agreement_transition(
        request,
        pk,
        services.agreement_terminate,
        _("Terminated. Nothing is shared under it any more."),
        confirm,
    )
