from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import services
from .forms import APIKeyForm, InviteForm
from .models import Organization


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
                messages.success(request, f"Invitation sent to {user.email}.")
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
    services.api_key_revoke(actor=services.Actor(user=request.user), api_key=key)
    messages.success(request, f"Key {key.prefix}… revoked.")
    return redirect("members:manage")


@login_required
@require_POST
def deactivate_user(request, pk: int):
    org = _org_admin(request)
    user = get_object_or_404(org.users, pk=pk)
    if user == request.user:
        raise PermissionDenied("You cannot deactivate yourself.")
    services.user_deactivate(actor=services.Actor(user=request.user), user=user)
    messages.success(request, f"{user.email} can no longer sign in.")
    return redirect("members:manage")
