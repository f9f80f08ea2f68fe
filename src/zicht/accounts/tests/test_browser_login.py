"""Browser journeys of logging in (Chromium through Playwright)."""

from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from zicht.accounts.tests.factories import TEST_PASSWORD, UserFactory
from zicht.audit.models import AuditEntry

# serialized_rollback keeps the reference data and catalogues that migrations load.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_login_with_totp_home_english_and_logout(page: Any) -> None:
    user = UserFactory(username="analist1", roles=["analist"], totp=True)
    device = TOTPDevice.objects.get(user=user)

    page.goto("/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Gebruikersnaam").fill("analist1")
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Volgende").click()

    page.get_by_label("Code uit uw authenticator-app").fill(_code(device))
    page.get_by_role("button", name="Inloggen").click()

    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().startswith("Welkom")
    assert "RIEC Midden-Nederland" in page.content()
    assert page.get_by_role("navigation", name="Hoofdmenu").is_visible()
    assert AuditEntry.objects.filter(action="login", actor_id=user.pk).exists()

    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")

    page.get_by_role("button", name="Log out").click()
    assert "/accounts/login/" in page.url
    assert AuditEntry.objects.filter(action="logout", actor_id=user.pk).exists()


def test_failed_login_shows_dutch_message_and_is_audited(page: Any) -> None:
    UserFactory(username="analist2", roles=["analist"], totp=True)
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("analist2")
    page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Volgende").click()

    alert = page.get_by_role("alert")
    assert "Inloggen is niet gelukt" in alert.inner_text()
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.actor_username == "analist2"


def test_keyboard_reaches_the_form_through_the_skip_link(page: Any) -> None:
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Naar de inhoud" in focused
