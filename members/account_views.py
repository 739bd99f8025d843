"""Signing in (password, then the second factor when the person has one) and a person's own
account page: preferences, two-factor devices, backup codes, password."""

from __future__ import annotations

import time
from base64 import b32encode
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import load_backend, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kernel.http import safe_next
from kernel.zones import zone_title

from . import account_services, lockout
from .account_forms import (
    LOCKED_MESSAGE,
    EnrolForm,
    PreferencesForm,
    SignInForm,
    TwoFactorCodeForm,
)
from .idle_middleware import mark_signed_in
from .services import Actor, audit

# Session key of a sign-in whose password was right and whose code is still to come.
PENDING = "_two_factor_pending"
PENDING_SECONDS = 5 * 60


class SignInView(auth_views.LoginView):
    """Django's sign-in page behind the lock-out. Someone with an authenticator app is not
    signed in after the password: the session only remembers who they said they were until
    the code arrives, so nothing (no page, no API call) can use it before then."""

    form_class = SignInForm

    def form_valid(self, form):
        user = form.get_user()
        browser_zone = form.cleaned_data.get("time_zone", "")
        if account_services.has_two_factor(user):
            if self.request.user.is_authenticated:
                logout(self.request)  # someone else was signed in on this browser
            # A fresh session key: whoever may have planted the old one cannot ride along.
            self.request.session.cycle_key()
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "at": int(time.time()),
                "time_zone": browser_zone,
            }
            return redirect("two_factor")
        response = super().form_valid(form)
        mark_signed_in(self.request)
        lockout.clear(email=user.email)
        _default_time_zone(self.request, user, browser_zone)
        return response


def _default_time_zone(request: HttpRequest, user, browser_zone: str) -> None:
    """At a person's first sign-in, their zone from the browser (or its fallbacks), and a word
    on the next page saying which, and where to change it."""
    chosen = account_services.time_zone_default(user=user, browser_zone=browser_zone)
    if chosen is None:
        return
    zone = zone_title(ZoneInfo(chosen.zone))
    # In the person's own language, which the next page will speak.
    with translation.override(user.language or translation.get_language()):
        if chosen.source == "browser":
            text = _(
                "Times are shown in your browser's time zone, %(zone)s. You can change it on "
                "your account page."
            )
        elif chosen.source == "country":
            text = _(
                "Times are shown in %(zone)s, the time zone of your organisation's country. You "
                "can change it on your account page."
            )
        else:
            text = _("Times are shown in %(zone)s. You can change it on your account page.")
        messages.info(request, text % {"zone": zone})


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user, pending = _verifying(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect(safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL)))
        return redirect("login")
    next_url = (
        pending["next"] if pending else safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL))
    )
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = lockout.client_address(request)
        if lockout.is_locked(email=user.email, address=address):
            return _abandon(request)
        check = account_services.two_factor_verify(user=user, token=form.cleaned_data["code"])
        if check.device is not None:
            if pending:
                auth_login(request, user, backend=pending["backend"])
                del request.session[PENDING]
                mark_signed_in(request)
                _default_time_zone(request, user, pending.get("time_zone", ""))
            otp_login(request, check.device)
            lockout.clear(email=user.email)
            return redirect(next_url)
        if check.wait_seconds:
            form.add_error(
                "code",
                _("Too many wrong codes in a row: wait %(seconds)d seconds, then try again.")
                % {"seconds": check.wait_seconds},
            )
        else:
            failure = account_services.sign_in_failed(
                email=user.email, address=address, step="code"
            )
            if failure.email_locked or failure.address_locked:
                return _abandon(request)
            form.add_error("code", _("That code is not right. Try the newest code the app shows."))
    return render(request, "registration/two_factor.html", {"form": form, "next": next_url})


def _verifying(request: HttpRequest):
    """Who is at the second step: a pending sign-in, or a signed-in person with an app whose
    session is not verified yet (sent here by members.otp_middleware)."""
    pending = request.session.get(PENDING)
    if pending and not request.user.is_authenticated:
        if time.time() - pending["at"] > PENDING_SECONDS:
            del request.session[PENDING]
            return None, None
        # Through the backend: someone deactivated or suspended since the password is refused.
        user = load_backend(pending["backend"]).get_user(pending["user"])
        return (user, pending) if user is not None else (None, None)
    user = request.user
    if user.is_authenticated and not user.is_verified() and account_services.has_two_factor(user):
        return user, None
    return None, None


def _abandon(request: HttpRequest) -> HttpResponse:
    """Locked out at the code step: back to the start, where the lock-out says the same."""
    request.session.pop(PENDING, None)
    if request.user.is_authenticated:
        logout(request)
    messages.error(request, LOCKED_MESSAGE)
    return redirect("login")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = safe_next(request, reverse("account"))
    if account_services.has_two_factor(user) and not user.is_verified():
        # Adding an app must not be a way around the one already there.
        return redirect(f"{reverse('two_factor')}?{urlencode({'next': next_url})}")
    device = account_services.enrolment_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = account_services.two_factor_enrol(
            user=user,
            device=device,
            token=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
        )
        if confirmed:
            device.refresh_from_db()
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is on for your account."))
            return redirect(next_url)
        form.add_error(
            "code",
            _("That code is not right. Check that the app was set up with this page's code."),
        )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _grouped(b32encode(device.bin_key).decode()),
            "required": account_services.requires_two_factor(user)
            and not account_services.has_two_factor(user),
        },
    )


def _qr_svg(data: str) -> str:
    # Drawn here as inline SVG: the secret never leaves the hub (no QR web service, no Pillow).
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 (our own markup)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PreferencesForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        account_services.preferences_update(
            user=user, language=language, time_zone=form.cleaned_data["time_zone"]
        )
        if language:
            translation.activate(language)
        messages.success(request, _("Your preferences are saved."))
        response = redirect("account")
        # The cookie keeps the language on the sign-in page after signing out.
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        else:
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
    has_app = account_services.has_two_factor(user)
    return render(
        request,
        "members/account/account.html",
        {
            "form": form,
            "role": _("Hub staff (secretariat)") if user.is_staff else user.get_role_display(),
            "devices": account_services.totp_devices(user),
            "has_app": has_app,
            "backup_codes_left": account_services.backup_codes_remaining(user) if has_app else 0,
            "keeps_last_device": account_services.requires_two_factor(user),
        },
    )


@login_required
@require_POST
def two_factor_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require_verified(request)
    try:
        account_services.two_factor_remove(user=request.user, device_id=pk)
    except TOTPDevice.DoesNotExist as e:
        raise Http404 from e
    except PermissionDenied as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("The device is removed."))
    return redirect("account")


@login_required
@require_POST
@never_cache
def backup_codes(request: HttpRequest) -> HttpResponse:
    _require_verified(request)
    if not account_services.has_two_factor(request.user):
        messages.error(request, _("Set up an authenticator app before backup codes."))
        return redirect("account")
    codes = account_services.backup_codes_generate(user=request.user)
    return render(request, "members/account/backup_codes.html", {"codes": codes})


def _require_verified(request: HttpRequest) -> None:
    """Changing the second factor takes a session that passed it (when there is one)."""
    if not request.user.is_verified() and account_services.has_two_factor(request.user):
        raise PermissionDenied


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "members/account/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        audit(actor=Actor(user=user), action="user.password_changed", obj=user)
        messages.success(self.request, _("Your password is changed."))
        return response
