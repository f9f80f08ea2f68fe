"""User and organisation administration by the beheerder, all through services and audited."""

from typing import Any

import pytest
from django.urls import reverse

from zicht.accounts.models import Organisation, User
from zicht.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_beheerder_creates_a_user_who_gets_a_set_password_mail(
    client_for: Any, mailoutbox: list[Any], partner_org: Any
) -> None:
    client = client_for("beheerder")
    response = client.post(
        reverse("accounts:user-create"),
        {
            "username": "nieuwe-analist",
            "first_name": "Sanne",
            "last_name": "de Vries",
            "email": "sanne@example.invalid",
            "organisation": partner_org.pk,
            "roles": ["analist"],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="nieuwe-analist")
    assert user.role_codes == {"analist"}
    assert not user.has_usable_password()
    assert len(mailoutbox) == 1
    assert "nieuwe-analist" in mailoutbox[0].body
    assert AuditEntry.objects.filter(action="create", object_id=str(user.pk)).exists()
    role_entry = AuditEntry.objects.get(action="role_change", object_id=str(user.pk))
    assert role_entry.detail == {"before": [], "after": ["analist"]}


def test_invalid_user_form_shows_errors_and_writes_nothing(client_for: Any) -> None:
    client = client_for("beheerder")
    before = User.objects.count()
    response = client.post(reverse("accounts:user-create"), {"username": "x y", "email": "nope"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Er is een probleem" in page
    assert 'aria-invalid="true"' in page
    assert User.objects.count() == before


def test_role_change_is_audited_with_before_and_after(client_for: Any, make_user: Any) -> None:
    subject = make_user("analist")
    client = client_for("beheerder")
    response = client.post(
        reverse("accounts:user-detail", args=[subject.pk]),
        {
            "first_name": subject.first_name,
            "last_name": subject.last_name,
            "email": subject.email,
            "is_active": "on",
            "roles": ["coordinator", "data_steward"],
        },
    )
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.role_codes == {"coordinator", "data_steward"}
    entry = AuditEntry.objects.filter(action="role_change", object_id=str(subject.pk)).latest("id")
    assert entry.detail == {"before": ["analist"], "after": ["coordinator", "data_steward"]}


def test_viewing_a_user_is_audited(client_for: Any, make_user: Any) -> None:
    subject = make_user("analist")
    client_for("beheerder").get(reverse("accounts:user-detail", args=[subject.pk]))
    assert AuditEntry.objects.filter(action="read", object_id=str(subject.pk)).exists()


def test_unknown_user_is_404(client_for: Any) -> None:
    assert (
        client_for("beheerder").get(reverse("accounts:user-detail", args=[99999])).status_code
        == 404
    )


def test_reset_two_factor(client_for: Any, make_user: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    subject = make_user("analist", totp=True)
    client_for("beheerder").post(reverse("accounts:user-reset-2fa", args=[subject.pk]))
    assert not TOTPDevice.objects.filter(user=subject).exists()
    assert AuditEntry.objects.filter(action="otp_reset", object_id=str(subject.pk)).exists()


def test_add_organisation(client_for: Any) -> None:
    client = client_for("beheerder")
    response = client.post(
        reverse("accounts:organisation-list"), {"name": "Gemeente Utrecht", "type": "gemeente"}
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Gemeente Utrecht")
    assert AuditEntry.objects.filter(
        action="create", object_type="accounts.organisation", object_id=str(organisation.pk)
    ).exists()
    duplicate = client.post(
        reverse("accounts:organisation-list"), {"name": "gemeente utrecht", "type": "gemeente"}
    )
    assert "al een organisatie" in duplicate.content.decode()


def test_setup_instance_is_idempotent(db: None, settings: Any) -> None:
    from django.core.management import call_command

    settings.ZICHT_DEPLOYMENT = "demo"
    call_command("setup_instance", "--demo")
    count = User.objects.count()
    call_command("setup_instance", "--demo")
    assert User.objects.count() == count
    assert User.objects.get(username="steward").role_codes == {"data_steward"}
    organisation = User.objects.get(username="gemeente").organisation
    assert organisation is not None
    assert organisation.type == "gemeente"


def test_setup_instance_refuses_demo_in_production(db: None, settings: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.ZICHT_DEPLOYMENT = "production"
    with pytest.raises(CommandError):
        call_command("setup_instance", "--demo")
