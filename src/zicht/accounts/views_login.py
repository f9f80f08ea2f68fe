"""Login in two steps: password, then a TOTP code (or enrolment of an authenticator).

Between the steps the session holds only the id of the user who passed the password step
and when; nobody is logged in until the second step succeeds. Every failure counts towards
the lockout and is audited. All failures show one message, so the page does not tell
which part was wrong or whether an account exists.
"""

import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from zicht.accounts import services
from zicht.accounts.forms import LoginForm, TokenForm
from zicht.accounts.models import User

PENDING_KEY = "zicht_pending_login"
PENDING_SECONDS = 300
BACKEND = "zicht.accounts.backends.RoleBackend"


def _failure_message() -> str:
    return _(
        "Inloggen is niet gelukt. Controleer uw gegevens en probeer het opnieuw. "
        "Na %(n)d mislukte pogingen wordt uw account %(m)d minuten geblokkeerd."
    ) % {"n": settings.ZICHT_LOCKOUT_THRESHOLD, "m": settings.ZICHT_LOCKOUT_MINUTES}


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _pending_user(request: HttpRequest) -> User | None:
    pending: dict[str, Any] | None = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is None or services.is_locked(user):
        request.session.pop(PENDING_KEY, None)
        return None
    return user


def _finish_login(request: HttpRequest, user: User, device: TOTPDevice | None) -> HttpResponse:
    next_url = request.session.get(PENDING_KEY, {}).get("next") or _next_url(request)
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=BACKEND)  # rotates the session key
    if device is not None:
        otp_login(request, device)
    services.register_successful_login(
        user=user, method="password+totp" if device is not None else "password"
    )
    return HttpResponseRedirect(next_url)


@login_not_required
@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        known = User.objects.filter(username=username).first()
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            reason = "locked" if known and services.is_locked(known) else "bad credentials"
            services.register_failed_login(username=username, user=known, reason=reason)
            form.add_error(None, _failure_message())
        else:
            if not isinstance(user, User):  # only RoleBackend is configured
                raise TypeError("unexpected user class")
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            if not has_device and not settings.ZICHT_REQUIRE_2FA:
                return _finish_login(request, user, None)
            request.session.cycle_key()
            request.session[PENDING_KEY] = {
                "user_id": user.pk,
                "at": time.time(),
                "next": _next_url(request),
            }
            return redirect("accounts:login-verify" if has_device else "accounts:login-setup")
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


def _token_failed(request: HttpRequest, user: User, form: TokenForm) -> HttpResponse | None:
    locked = services.register_failed_login(username=user.username, user=user, reason="bad token")
    if locked:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _failure_message())
        return redirect("accounts:login")
    form.add_error("token", _("Deze code klopt niet of is verlopen. Probeer de volgende code."))
    return None


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Log opnieuw in."))
        return redirect("accounts:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:login-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            return _finish_login(request, user, device)
        response = _token_failed(request, user, form)
        if response is not None:
            return response
    return render(request, "accounts/login_verify.html", {"form": form})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def setup_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Log opnieuw in."))
        return redirect("accounts:login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:login-verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or request.method == "GET":
        device = services.start_totp_enrolment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            services.confirm_totp_device(user=user, device=device)
            return _finish_login(request, user, device)
        response = _token_failed(request, user, form)
        if response is not None:
            return response
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_svg": qr.svg_inline(scale=4, title=_("QR-code voor uw authenticator-app")),
        "secret": _grouped_base32(device.bin_key),
    }
    return render(request, "accounts/login_setup.html", context)


def _grouped_base32(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if isinstance(user, User):
        services.register_logout(user=user)
    logout(request)
    messages.success(request, _("U bent uitgelogd."))
    return redirect("accounts:login")
