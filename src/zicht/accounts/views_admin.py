"""User and organisation administration for the beheerder."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from zicht.accounts import services
from zicht.accounts.access import get_user_for, users_visible_to
from zicht.accounts.forms import (
    AuditedPasswordResetForm,
    OrganisationForm,
    UserCreateForm,
    UserEditForm,
)
from zicht.accounts.models import Organisation, User
from zicht.audit.models import AuditAction
from zicht.audit.services import record

MANAGE = "accounts.manage_users"


def _acting(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # LoginRequiredMiddleware guarantees a real user
        raise TypeError("expected an authenticated user")
    return user


def _send_set_password_mail(request: HttpRequest, user: User) -> None:
    # Through the form's parent save(): this mail is not a reset request by the user.
    form = AuditedPasswordResetForm({"email": user.email})
    if form.is_valid():
        PasswordResetForm.save(
            form,
            request=request,
            use_https=request.is_secure(),
            subject_template_name="accounts/mail/welcome_subject.txt",
            email_template_name="accounts/mail/welcome_body.txt",
        )


@permission_required(MANAGE, raise_exception=True)
def user_list(request: HttpRequest) -> HttpResponse:
    acting = _acting(request)
    users = list(users_visible_to(acting).order_by("username"))
    with_device = set(
        TOTPDevice.objects.filter(confirmed=True, user__in=users).values_list("user_id", flat=True)
    )
    # Account data of colleagues are personal data: the overview itself is audited.
    record(action=AuditAction.READ, actor=acting, object_type="accounts.user", object_id="list")
    rows = [
        {"user": u, "has_2fa": u.pk in with_device, "locked": services.is_locked(u)} for u in users
    ]
    return render(request, "accounts/user_list.html", {"rows": rows})


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    acting = _acting(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = services.create_user(
                acting_user=acting,
                username=data["username"],
                email=data["email"],
                organisation=data["organisation"],
                roles=[role.code for role in data["roles"]],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        _send_set_password_mail(request, user)
        messages.success(
            request,
            _("Gebruiker %(name)s is aangemaakt en heeft een e-mail gekregen.")
            % {"name": user.username},
        )
        return redirect("accounts:user-detail", user_id=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    acting = _acting(request)
    user = get_user_for(acting, user_id)
    initial: dict[str, Any] = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "roles": list(user.roles.all()),
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            services.update_user(
                acting_user=acting,
                user=user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                is_active=data["is_active"],
            )
            services.set_user_roles(
                acting_user=acting, user=user, roles=[role.code for role in data["roles"]]
            )
        messages.success(request, _("De wijzigingen zijn opgeslagen."))
        return redirect("accounts:user-detail", user_id=user.pk)
    if request.method == "GET":
        record(action=AuditAction.READ, actor=acting, obj=user)
    context = {
        "form": form,
        "subject": user,
        "locked": services.is_locked(user),
        "has_2fa": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
    }
    return render(request, "accounts/user_form.html", context)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    acting = _acting(request)
    user = get_user_for(acting, user_id)
    services.unlock_user(acting_user=acting, user=user)
    messages.success(request, _("Het account is gedeblokkeerd."))
    return redirect("accounts:user-detail", user_id=user.pk)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def user_reset_2fa(request: HttpRequest, user_id: int) -> HttpResponse:
    acting = _acting(request)
    user = get_user_for(acting, user_id)
    services.reset_two_factor(acting_user=acting, user=user)
    messages.success(
        request,
        _("De authenticator is gewist; bij de volgende login stelt de gebruiker een nieuwe in."),
    )
    return redirect("accounts:user-detail", user_id=user.pk)


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def organisation_list(request: HttpRequest) -> HttpResponse:
    acting = _acting(request)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.create_organisation(
            acting_user=acting, name=form.cleaned_data["name"], type=form.cleaned_data["type"]
        )
        messages.success(request, _("De organisatie is toegevoegd."))
        return redirect("accounts:organisation-list")
    organisations = Organisation.objects.order_by("name")
    return render(
        request, "accounts/organisation_list.html", {"form": form, "organisations": organisations}
    )
