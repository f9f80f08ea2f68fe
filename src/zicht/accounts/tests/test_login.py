"""Password + TOTP login, enrolment, lockout and their audit entries."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from zicht.accounts.models import User
from zicht.accounts.tests.factories import TEST_PASSWORD
from zicht.audit.models import AuditEntry
from zicht.audit.services import verify_chain

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:06d}"


def _password_step(client: Client, username: str, password: str = TEST_PASSWORD) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_with_password_and_totp(make_user: Any) -> None:
    user = make_user("analist", totp=True)
    client = Client()
    response = _password_step(client, user.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login-verify")
    # Not logged in between the steps.
    assert client.get(reverse("core:home")).status_code == 302
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("accounts:login-verify"), {"token": _code(device)})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    entry = AuditEntry.objects.filter(action="login").get()
    assert entry.actor_id == user.pk
    assert entry.detail == {"method": "password+totp"}


def test_wrong_token_is_refused_and_audited(make_user: Any) -> None:
    user = make_user("analist", totp=True)
    client = Client()
    _password_step(client, user.username)
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:login-verify"), {"token": wrong})
    assert response.status_code == 200
    assert "klopt niet" in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", detail__reason="bad token").count() == 1
    assert client.get(reverse("core:home")).status_code == 302


def test_first_login_enrols_an_authenticator(make_user: Any, settings: Any) -> None:
    settings.ZICHT_REQUIRE_2FA = True
    user = make_user("coordinator")
    client = Client()
    response = _password_step(client, user.username)
    assert response["Location"] == reverse("accounts:login-setup")
    page = client.get(reverse("accounts:login-setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:login-setup"), {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="otp_setup", actor_id=user.pk).exists()
    assert client.get(reverse("core:home")).status_code == 200


def test_password_only_when_2fa_is_switched_off(make_user: Any, settings: Any) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    user = make_user("analist")
    client = Client()
    response = _password_step(client, user.username)
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEntry.objects.get(action="login").detail == {"method": "password"}


def test_failed_login_shows_dutch_message_and_is_audited(make_user: Any) -> None:
    user = make_user("analist")
    response = _password_step(Client(), user.username, "wrong-password")
    assert response.status_code == 200
    assert "Inloggen is niet gelukt" in response.content.decode()
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.actor_username == user.username
    assert entry.outcome == "failure"


def test_unknown_username_is_audited_without_account(db: None) -> None:
    _password_step(Client(), "niemand")
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.actor_username == "niemand"
    assert entry.object_id == ""


def test_lockout_after_repeated_failures(make_user: Any, settings: Any) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    user = make_user("analist")
    client = Client()
    for _ in range(settings.ZICHT_LOCKOUT_THRESHOLD):
        _password_step(client, user.username, "wrong-password")
    user.refresh_from_db()
    assert user.locked_until is not None
    assert AuditEntry.objects.filter(action="lockout", object_id=str(user.pk)).count() == 1
    # The right password no longer works while locked, and the message stays generic.
    response = _password_step(client, user.username)
    assert response.status_code == 200
    assert "Inloggen is niet gelukt" in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", detail__reason="locked").count() == 1
    assert verify_chain() is None


def test_unlock_by_beheerder(make_user: Any, client_for: Any, settings: Any) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    user = make_user("analist")
    for _ in range(settings.ZICHT_LOCKOUT_THRESHOLD):
        _password_step(Client(), user.username, "wrong")
    admin = client_for("beheerder")
    response = admin.post(reverse("accounts:user-unlock", args=[user.pk]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.locked_until is None
    assert _password_step(Client(), user.username).status_code == 302


def test_logout_is_audited(make_user: Any) -> None:
    user = make_user("analist")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="logout", actor_id=user.pk).exists()
    assert client.get(reverse("core:home")).status_code == 302


def test_logout_requires_post(client_for: Any) -> None:
    assert client_for("analist").get(reverse("accounts:logout")).status_code == 405


def test_open_redirect_is_refused(make_user: Any, settings: Any) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    user = make_user("analist")
    response = Client().post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": user.username, "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("core:home")


def test_pending_login_expires(make_user: Any, monkeypatch: Any) -> None:
    import zicht.accounts.views_login as views_login

    user = make_user("analist", totp=True)
    client = Client()
    _password_step(client, user.username)
    monkeypatch.setattr(views_login, "PENDING_SECONDS", -1)
    response = client.get(reverse("accounts:login-verify"))
    assert response["Location"] == reverse("accounts:login")


def test_password_reset_mail_and_audit(make_user: Any, mailoutbox: list[Any]) -> None:
    user = make_user("analist")
    response = Client().post(reverse("accounts:password-reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "wachtwoord" in mailoutbox[0].body
    entry = AuditEntry.objects.get(action="password_reset_request")
    assert entry.detail == {"matched_account": True}
    # The typed address is personal data and stays out of the log.
    assert user.email not in str(entry.detail)


def test_password_reset_confirm_sets_password_and_audits(
    make_user: Any, mailoutbox: list[Any]
) -> None:
    import re

    user = make_user("analist")
    client = Client()
    client.post(reverse("accounts:password-reset"), {"email": user.email})
    link = re.search(r"https?://[^\s]+", mailoutbox[0].body)
    assert link is not None
    path = link.group(0).split("testserver", 1)[1]
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    new_password = "een-heel-nieuw-wachtwoord-42"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert AuditEntry.objects.filter(action="password_change", object_id=str(user.pk)).exists()


def test_inactive_user_cannot_log_in(make_user: Any, settings: Any) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    user: User = make_user("analist", is_active=False)
    assert _password_step(Client(), user.username).status_code == 200
