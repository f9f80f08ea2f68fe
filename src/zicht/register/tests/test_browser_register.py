"""Browser journeys of the register (Chromium through Playwright)."""

from typing import Any

import pytest

from zicht.accounts.tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory
from zicht.register.models import Signal
from zicht.register.tests.factories import make_entity, make_signal, organisation

# serialized_rollback keeps the reference data and catalogues that migrations load.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _login(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("heading", level=1).wait_for()


def test_analyst_registers_signal_links_duplicate_and_assesses(page: Any, settings: Any) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    UserFactory(username="analist", roles=["analist"])
    existing = make_entity("company", name="Agro Flex B.V.", kvk="12345678")
    reporter = organisation()
    _login(page, "analist")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Signalen").click()
    page.get_by_role("link", name="Signaal registreren").click()
    page.get_by_label("Datum ontvangst").fill("2026-03-02")
    page.get_by_label("Melder (organisatie)").select_option(str(reporter.pk))
    page.get_by_label("Rol van de melder").select_option("toezicht")
    page.locator("#id_municipality").select_option("GM0344")
    page.get_by_label("arbeidsuitbuiting").check()
    group = page.locator("details.indicator-group", has=page.locator("#ind-G01-observed"))
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    page.locator("#ind-G01-observed").check()
    page.locator("#ind-G02-observed").check()

    page.locator("[name=entities-0-role]").select_option("werkgever")
    page.locator("[name=entities-0-kind]").select_option("company")
    page.locator("[name=entities-0-company__name]").fill("Agroflex")
    page.locator("[name=entities-0-company__kvk]").fill("1234 5678")
    page.locator("[name=entities-0-company__kvk]").dispatch_event("change")
    # The name alone already suggests it; with the KvK number the reason becomes exact.
    page.locator("#suggestions-entities-0").get_by_text("zelfde KvK-nummer").wait_for()
    page.locator(f"[data-testid=suggestion-{existing.pk}]").check()

    page.locator("[name=entities-1-role]").select_option("slachtoffer")

    page.locator("[name=entities-1-kind]").select_option("person")
    page.locator("[name=entities-1-person__first_names]").fill("Ana")
    page.locator("[name=entities-1-person__last_name]").fill("Popescu")
    page.get_by_role("button", name="Registreren").click()

    assert page.get_by_test_id("signal-status").inner_text() == "ontvangen"
    signal = Signal.objects.get()
    assert signal.links.get(role="werkgever").entity == existing
    assert {o.indicator.code for o in signal.observations.all()} == {"G01", "G02"}
    assert page.get_by_role("link", name="Agro Flex B.V.").is_visible()

    page.get_by_role("button", name="Naar ‘in weging’").click()
    assert page.get_by_test_id("signal-status").inner_text() == "in weging"
    page.get_by_role("button", name="Naar ‘monitoring’").click()
    assert page.get_by_test_id("signal-status").inner_text() == "monitoring"
    assert [c.to_status for c in signal.status_changes.all()] == [
        "ontvangen",
        "in_weging",
        "monitoring",
    ]


def test_partner_submits_and_cannot_open_another_partners_signal(page: Any, settings: Any) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    gemeente = OrganisationFactory(gemeente=True)
    UserFactory(username="gemeente", roles=["partner"], organisation=gemeente)
    other = make_signal(reporting_organisation=OrganisationFactory(nla=True))
    _login(page, "gemeente")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Signalen").click()
    page.get_by_role("link", name="Signaal registreren").click()
    page.get_by_label("Datum ontvangst").fill("2026-03-05")
    page.get_by_label("Rol van de melder").select_option("vergunningen")
    page.locator("#id_municipality").select_option("GM0344")
    page.get_by_label("Omschrijving").fill("Veel bedden in een bedrijfspand.")
    page.get_by_role("button", name="Registreren").click()
    assert page.get_by_test_id("signal-status").inner_text() == "ontvangen"
    own = Signal.objects.exclude(pk=other.pk).get()
    assert own.reporting_organisation == gemeente

    response = page.goto(f"/register/signalen/{other.pk}/")
    assert response.status == 404
    assert "bestaat niet" in page.content()
