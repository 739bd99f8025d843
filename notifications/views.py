"""The portal's pages for an organisation's webhook endpoints and notification e-mail addresses,
for its admins only: anyone else, and an admin asking for another organisation's endpoint, gets
404. Views translate; `services` and `address_services` decide."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import address_services, registry, services
from .forms import NotificationAddressForm, RotateSecretForm, WebhookEndpointForm
from .models import (
    TEST_EVENT,
    NotificationAddress,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
)

DELIVERIES_PER_PAGE = 25


def _admin_org(request):
    """The organisation the signed-in person administers. Others (analysts, viewers, hub staff
    who belong to none) get 404: these pages do not exist for them."""
    if not getattr(request.user, "is_org_admin", False):
        raise Http404
    return request.user.organization


def _endpoint(request, pk: int) -> WebhookEndpoint:
    # Another organisation's endpoint and a missing one answer alike.
    return get_object_or_404(WebhookEndpoint, pk=pk, organization=_admin_org(request))


def event_label(event_type: str) -> str:
    return _("Test message") if event_type == TEST_EVENT else registry.label(event_type)


@login_required
@never_cache
def manage(request, address_form: NotificationAddressForm | None = None):
    org = _admin_org(request)
    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-pk")
    endpoints = list(
        WebhookEndpoint.objects.filter(organization=org).annotate(
            last_state=Subquery(latest.values("state")[:1]),
            last_at=Subquery(latest.values("created_at")[:1]),
        )
    )
    states = dict(WebhookDelivery.State.choices)
    for endpoint in endpoints:
        endpoint.last_state_label = states.get(endpoint.last_state, "")
    email_on = NotificationSettings.objects.filter(organization=org, email_enabled=True).exists()
    status = 200 if address_form is None or address_form.is_valid() else 400
    return render(
        request,
        "notifications/manage.html",
        {
            "org": org,
            "endpoints": endpoints,
            "addresses": NotificationAddress.objects.filter(organization=org),
            "address_form": address_form or NotificationAddressForm(),
            "email_on": email_on,
            "max_addresses": address_services.MAX_ADDRESSES,
        },
        status=status,
    )


@login_required
def endpoint_create(request):
    org = _admin_org(request)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = services.webhook_endpoint_create(
            user=request.user, organization=org, **form.cleaned_data
        )
        # Rendered, not redirected: the secret is shown on this answer only, never stored in a
        # session or shown again.
        return _detail(request, endpoint, new_secret=endpoint.secret, created=True)
    return render(request, "notifications/endpoint_form.html", {"form": form, "endpoint": None})


@login_required
@never_cache
def endpoint_detail(request, pk: int):
    return _detail(request, _endpoint(request, pk))


def _detail(request, endpoint: WebhookEndpoint, *, new_secret: str = "", created=False):
    page = Paginator(endpoint.deliveries.all(), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    response = render(
        request,
        "notifications/endpoint.html",
        {
            "endpoint": endpoint,
            "events": [registry.label(t) for t in endpoint.events],
            "page": page,
            "deliveries": [(d, event_label(d.event_type)) for d in page],
            "new_secret": new_secret,
            "created": created,
            "secrets_in_force": len(endpoint.signing_secrets()),
        },
    )
    add_never_cache_headers(response)
    return response


@login_required
def endpoint_edit(request, pk: int):
    endpoint = _endpoint(request, pk)
    form = WebhookEndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        services.webhook_endpoint_update(user=request.user, endpoint=endpoint, **form.cleaned_data)
        messages.success(request, _("Endpoint saved."))
        return redirect("notifications:endpoint", pk=endpoint.pk)
    return render(request, "notifications/endpoint_form.html", {"form": form, "endpoint": endpoint})


@login_required
@require_POST
def endpoint_active(request, pk: int):
    endpoint = _endpoint(request, pk)
    active = request.POST.get("active") == "1"
    services.webhook_endpoint_update(user=request.user, endpoint=endpoint, active=active)
    messages.success(request, _("Endpoint enabled.") if active else _("Endpoint disabled."))
    return redirect("notifications:endpoint", pk=endpoint.pk)


@login_required
def endpoint_rotate(request, pk: int):
    endpoint = _endpoint(request, pk)
    form = RotateSecretForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = services.webhook_endpoint_rotate_secret(
            user=request.user,
            endpoint=endpoint,
            overlap=timedelta(hours=form.cleaned_data["overlap"]),
        )
        return _detail(request, endpoint, new_secret=endpoint.secret)
    return render(request, "notifications/rotate.html", {"form": form, "endpoint": endpoint})


@login_required
@require_POST
def endpoint_test(request, pk: int):
    endpoint = _endpoint(request, pk)
    services.webhook_endpoint_test(user=request.user, endpoint=endpoint)
    messages.success(
        request, _("Test message queued: its result appears in the delivery log in a moment.")
    )
    return redirect("notifications:endpoint", pk=endpoint.pk)


@login_required
def endpoint_delete(request, pk: int):
    endpoint = _endpoint(request, pk)
    if request.method == "POST":
        services.webhook_endpoint_delete(user=request.user, endpoint=endpoint)
        messages.success(request, _("Endpoint deleted."))
        return redirect("notifications:manage")
    return render(request, "notifications/endpoint_delete.html", {"endpoint": endpoint})


@login_required
@require_POST
def delivery_retry(request, pk: int, delivery_pk: int):
    delivery = get_object_or_404(_endpoint(request, pk).deliveries, pk=delivery_pk)
    if services.webhook_delivery_retry(user=request.user, delivery=delivery):
        messages.success(request, _("Delivery queued for another attempt."))
    else:
        messages.error(request, _("This delivery cannot be retried now."))
    return redirect("notifications:endpoint", pk=pk)


@login_required
@require_POST
def address_add(request):
    org = _admin_org(request)
    form = NotificationAddressForm(request.POST)
    if form.is_valid():
        try:
            address = address_services.notification_address_add(
                user=request.user, organization=org, **form.cleaned_data
            )
        except ValidationError as e:
            if hasattr(e, "error_dict"):
                for field, errors in e.message_dict.items():
                    form.add_error(field, errors)
            else:
                form.add_error(None, e.messages)
        else:
            messages.success(
                request,
                _("A confirmation link was sent to %(email)s. It receives nothing until followed.")
                % {"email": address.email},
            )
            return redirect("notifications:manage")
    return manage(request, address_form=form)


def _address(request, pk: int) -> NotificationAddress:
    return get_object_or_404(NotificationAddress, pk=pk, organization=_admin_org(request))


@login_required
@require_POST
def address_resend(request, pk: int):
    address = _address(request, pk)
    if address_services.notification_address_resend(user=request.user, address=address):
        messages.success(
            request, _("The confirmation link was sent again to %(email)s.") % {"email": address}
        )
    return redirect("notifications:manage")


@login_required
@require_POST
def address_remove(request, pk: int):
    address = _address(request, pk)
    address_services.notification_address_remove(user=request.user, address=address)
    messages.success(request, _("%(email)s removed.") % {"email": address})
    return redirect("notifications:manage")


@never_cache
def address_confirm(request, token: str):
    """Opened from the confirmation e-mail by whoever reads the mailbox, signed in or not. A
    GET only shows a button: mail scanners that open links must not confirm on their own."""
    address = address_services.address_for_token(token)
    if address is None:
        return render(request, "notifications/address_confirm.html", {"address": None}, status=404)
    if request.method == "POST":
        address_services.notification_address_confirm(address=address)
    return render(request, "notifications/address_confirm.html", {"address": address})
