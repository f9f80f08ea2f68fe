"""The write path for organisations, users, roles and login security state.

Every function here runs in a transaction and writes an audit entry.
"""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from zicht.accounts.models import Organisation, Role, User
from zicht.accounts.roles import DEFAULT_ROLES
from zicht.audit.models import AuditAction
from zicht.audit.services import record


def sync_default_roles(*, using: str = "default") -> None:
    """Create missing default roles and give each its default permissions (never removes)."""
    for spec in DEFAULT_ROLES:
        role, _ = Role.objects.using(using).get_or_create(
            code=spec.code, defaults={"name_nl": spec.name_nl, "name_en": spec.name_en}
        )
        for perm in spec.permissions:
            app_label, codename = perm.split(".", 1)
            permission = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is not None:
                role.permissions.add(permission)


def is_locked(user: Any) -> bool:
    locked_until = getattr(user, "locked_until", None)
    return locked_until is not None and locked_until > timezone.now()


def register_failed_login(*, username: str, user: User | None, reason: str) -> bool:
    """Count a failed password or token attempt; lock the account at the threshold.

    Returns True when this attempt locked the account. Unknown user names are audited too,
    so guessing of names shows in the log.
    """
    with transaction.atomic():
        record(
            action=AuditAction.LOGIN_FAILED,
            username=username[:150],
            object_type="accounts.user" if user else "",
            object_id=user.pk if user else "",
            outcome="failure",
            detail={"reason": reason},
        )
        if user is None:
            return False
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count", "locked_until"])
        if user.failed_login_count < settings.ZICHT_LOCKOUT_THRESHOLD:
            return False
        user.locked_until = timezone.now() + timedelta(minutes=settings.ZICHT_LOCKOUT_MINUTES)
        user.failed_login_count = 0
        user.save(update_fields=["locked_until", "failed_login_count"])
        record(
            action=AuditAction.LOCKOUT,
            username=user.username,
            obj=user,
            detail={"minutes": settings.ZICHT_LOCKOUT_MINUTES},
        )
        return True


def register_successful_login(*, user: User, method: str) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=0, last_login=timezone.now())
        record(action=AuditAction.LOGIN, actor=user, obj=user, detail={"method": method})


def register_logout(*, user: User) -> None:
    record(action=AuditAction.LOGOUT, actor=user, obj=user)


def register_password_reset_request(*, email: str, found: bool) -> None:
    # The address itself is personal data and is not logged; whether it matched is enough.
    record(action=AuditAction.PASSWORD_RESET_REQUEST, detail={"matched_account": found})


def register_password_change(*, user: User, via: str) -> None:
    record(action=AuditAction.PASSWORD_CHANGE, actor=user, obj=user, detail={"via": via})


def create_organisation(
    *, acting_user: User | None, name: str, type: str, **fields: Any
) -> Organisation:
    with transaction.atomic():
        organisation = Organisation.objects.create(name=name, type=type, **fields)
        record(action=AuditAction.CREATE, actor=acting_user, obj=organisation)
        return organisation


def create_user(
    *,
    acting_user: User | None,
    username: str,
    email: str,
    organisation: Organisation | None,
    roles: Iterable[str] = (),
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            organisation=organisation,
            first_name=first_name,
            last_name=last_name,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        record(action=AuditAction.CREATE, actor=acting_user, obj=user)
        set_user_roles(acting_user=acting_user, user=user, roles=roles)
        return user


def set_user_roles(*, acting_user: User | None, user: User, roles: Iterable[str]) -> None:
    wanted = set(roles)
    with transaction.atomic():
        found = {r.code: r for r in Role.objects.filter(code__in=wanted)}
        unknown = wanted - found.keys()
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
        before = set(user.roles.values_list("code", flat=True))
        if before == wanted:
            return
        user.roles.set(found.values())
        record(
            action=AuditAction.ROLE_CHANGE,
            actor=acting_user,
            obj=user,
            detail={"before": sorted(before), "after": sorted(wanted)},
        )


def update_user(
    *, acting_user: User, user: User, email: str, first_name: str, last_name: str, is_active: bool
) -> User:
    with transaction.atomic():
        changed = [
            name
            for name, value in (
                ("email", email),
                ("first_name", first_name),
                ("last_name", last_name),
                ("is_active", is_active),
            )
            if getattr(user, name) != value
        ]
        if not changed:
            return user
        user.email, user.first_name, user.last_name = email, first_name, last_name
        user.is_active = is_active
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
        record(action=AuditAction.UPDATE, actor=acting_user, obj=user, detail={"fields": changed})
        return user


def unlock_user(*, acting_user: User, user: User) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(locked_until=None, failed_login_count=0)
        record(action=AuditAction.UNLOCK, actor=acting_user, obj=user)


def reset_two_factor(*, acting_user: User, user: User) -> None:
    """Remove a user's authenticator so they enrol a new one at their next login."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        record(action=AuditAction.OTP_RESET, actor=acting_user, obj=user)


def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """An unconfirmed device for the enrolment page; replaces any earlier unconfirmed one."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def confirm_totp_device(*, user: User, device: TOTPDevice) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(action=AuditAction.OTP_SETUP, actor=user, obj=user)


def clear_lockout(*, user: User) -> None:
    """Lift a lockout as part of an audited password reset (the caller writes the entry)."""
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_login_count=0)
