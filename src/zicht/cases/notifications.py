"""Notifications: written by the case services, e-mailed after the change is committed.

A notification names the case by its reference and never carries personal data: the e-mail
goes outside Zicht, and the page it points to checks access again. Each user chooses an
e-mail per notification (the default) and/or a daily digest
(:class:`UserNotificationPreference`); the in-app list always has everything.

Mail uses Django's configured backend: SMTP in production, the console outside it.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from zicht.accounts.models import User
from zicht.cases.models import Case, CaseTask, Notification, UserNotificationPreference


def _instance_label() -> str:
    from zicht.core.context_processors import instance_label

    return instance_label()


def notify(
    *,
    recipients: Iterable[User | None],
    kind: str,
    message: str,
    case: Case | None = None,
    task: CaseTask | None = None,
    exclude: Any = None,
    now: datetime | None = None,
    email: bool = True,
) -> list[Notification]:
    """Store one notification per distinct active recipient (not ``exclude``) and mail it.

    ``email=False`` leaves the mail to the daily digest: for notifications made by a
    background process such as the transport worker, which must not send mail itself.
    """
    seen: set[int] = set()
    users: list[User] = []
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        if exclude is not None and user.pk == getattr(exclude, "pk", None):
            continue
        seen.add(user.pk)
        users.append(user)
    if not users:
        return []
    created = timezone.now() if now is None else now
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            case=case,
            task=task,
            message=message[:300],
            created_at=created,
        )
        for user in users
    )
    if email:
        ids = [n.pk for n in notifications]
        transaction.on_commit(lambda: send_immediate_emails(ids))
    return notifications


def preference_of(user: User) -> UserNotificationPreference:
    existing = UserNotificationPreference.objects.filter(user=user).first()
    return existing or UserNotificationPreference(user=user)


def send_immediate_emails(notification_ids: list[int]) -> int:
    """Mail each notification to recipients who want one per notification; returns the count."""
    sent = 0
    for notification in Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("recipient"):
        user = notification.recipient
        if not user.email or not preference_of(user).email_each:
            continue
        _mail(user, notification.message, [notification])
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def _mail(user: User, subject: str, notifications: list[Notification]) -> None:
    # The mail is in Dutch, the language of the UI; the subject is one line without personal data.
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "cases/email/notifications.txt",
            {"user": user, "notifications": notifications, "instance": _instance_label()},
        )
    send_mail(
        subject=f"[Zicht] {subject}"[:200],
        message=body,
        from_email=None,
        recipient_list=[user.email],
    )


def send_daily_digests(*, now: datetime | None = None) -> int:
    """One mail per user who chose the digest, with their notifications since the last one.

    Notifications already mailed one by one are left out. Returns the number of mails sent.
    """
    moment = timezone.now() if now is None else now
    sent = 0
    preferences = UserNotificationPreference.objects.filter(
        daily_digest=True, user__is_active=True
    ).select_related("user")
    for preference in preferences:
        user = preference.user
        pending = Notification.objects.filter(
            recipient=user, emailed_at__isnull=True, created_at__lte=moment
        )
        if preference.last_digest_at is not None:
            pending = pending.filter(created_at__gt=preference.last_digest_at)
        notifications = list(pending.order_by("created_at", "id"))
        if notifications and user.email:
            with translation.override(settings.LANGUAGE_CODE):
                subject = translation.ngettext(
                    "Dagelijks overzicht: %(n)d notificatie",
                    "Dagelijks overzicht: %(n)d notificaties",
                    len(notifications),
                ) % {"n": len(notifications)}
            _mail(user, subject, notifications)
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
                emailed_at=moment
            )
            sent += 1
        UserNotificationPreference.objects.filter(pk=preference.pk).update(last_digest_at=moment)
    return sent


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
