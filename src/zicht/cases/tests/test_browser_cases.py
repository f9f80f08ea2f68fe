"""The issue's journey in Chromium: from two signals to a closed case, then two partners' views."""

from typing import Any

import pytest

from zicht.accounts.tests.factories import TEST_PASSWORD, UserFactory
from zicht.cases.models import AccessRequest, Case
from zicht.cases.tests.factories import assessed_signal, organisation
from zicht.register import services as register_services

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


def _move(page: Any, phase: str) -> None:
    page.get_by_role("button", name=f"Naar ‘{phase}’").click()
    assert page.get_by_test_id("case-status").inner_text() == phase


def _as(chromium: Any, live_server: Any, username: str) -> Any:
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _login(page, username)
    return page


def test_coordinator_runs_a_case_partners_see_what_is_theirs(
    page: Any, chromium: Any, live_server: Any, settings: Any, tmp_path: Any
) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    settings.MEDIA_ROOT = tmp_path
    riec = organisation("RIEC Midden-Nederland", "riec")
    gemeente = organisation("Gemeente Utrecht")
    nla = organisation("Nederlandse Arbeidsinspectie", "nla")
    zeist = organisation("Gemeente Zeist")
    coordinator = UserFactory(username="coordinator", roles=["coordinator"], organisation=riec)
    municipal = UserFactory(username="gemeente", roles=["partner"], organisation=gemeente)
    UserFactory(username="zeist", roles=["partner"], organisation=zeist)
    employer = register_services.EntityInput(
        role="werkgever", kind="company", properties={"name": "Agro Flex B.V.", "kvk": "12345678"}
    )
    first = assessed_signal(coordinator, entities=[employer])
    second = assessed_signal(coordinator, description="Tweede melding over dezelfde werkgever.")

    _login(page, "coordinator")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Casussen").click()
    page.get_by_role("link", name="Casus aanmaken").click()
    page.get_by_label(first.reference).check()
    page.get_by_label(second.reference).check()
    page.get_by_label("Titel").fill("Agro Flex: huisvesting en werk")
    page.get_by_label("Casustype").select_option(label="Mensenhandel – arbeidsuitbuiting")
    page.get_by_role("button", name="Casus aanmaken").click()
    assert page.get_by_test_id("case-status").inner_text() == "intake"
    case = Case.objects.get()
    first.refresh_from_db()
    assert first.status == "doorgezet"
    assert page.get_by_role("link", name="Agro Flex B.V.", exact=True).is_visible()

    for partner in (gemeente, nla):
        page.get_by_text("Partner toevoegen", exact=True).first.click()
        page.get_by_label("Organisatie").select_option(str(partner.pk))
        page.get_by_label("Rol in de casus").select_option(label="Behandelaar")
        page.get_by_role("button", name="Partner toevoegen").click()
        assert page.get_by_test_id("partners").get_by_text(partner.name).is_visible()

    page.get_by_text("Document toevoegen", exact=True).first.click()
    upload = tmp_path / "politie.txt"
    upload.write_text("alleen voor het RIEC")
    page.get_by_label("Bestand").set_input_files(str(upload))
    page.get_by_label("Titel").fill("Politie-informatie")
    page.get_by_role("button", name="Document toevoegen").click()
    assert page.get_by_role("link", name="Politie-informatie").is_visible()

    for phase in ("weging", "analyse", "integraal overleg"):
        _move(page, phase)
    # The plan of action comes out of the integrated meeting: refused until it is recorded.
    page.get_by_role("button", name="Naar ‘plan van aanpak’").click()
    assert page.get_by_text("Leg eerst het integraal overleg vast").is_visible()

    page.get_by_role("link", name="Overleg vastleggen").click()
    page.get_by_label("Gemeente Utrecht").check()
    page.get_by_label("Nederlandse Arbeidsinspectie").check()
    page.get_by_label("Besluiten (één per regel)").fill("Arbeidsinspectie inspecteert de kassen")
    page.get_by_label("Acties (één per regel)").fill("Gemeente controleert de huisvesting")
    page.get_by_role("button", name="Overleg vastleggen").click()
    assert page.get_by_text("Arbeidsinspectie inspecteert de kassen").is_visible()
    _move(page, "plan van aanpak")

    page.get_by_role("link", name="Interventie toevoegen").click()
    page.get_by_label("Interventie").select_option(label="Inspectie")
    page.get_by_label("Verantwoordelijke partner").select_option(str(nla.pk))
    page.get_by_role("button", name="Interventie toevoegen").click()
    page.get_by_text("Taak toevoegen", exact=True).first.click()
    page.locator("#id_task-title").fill("Huisvesting controleren")
    page.get_by_label("Toewijzen aan").select_option(str(municipal.pk))
    page.get_by_role("button", name="Taak toevoegen").click()
    assert page.get_by_role("cell", name="Huisvesting controleren", exact=True).is_visible()

    for phase in ("uitvoering", "monitoring", "evaluatie"):
        _move(page, phase)
    page.get_by_role("link", name="Inspectie", exact=True).click()
    page.get_by_label("Status").select_option("afgerond")
    page.get_by_label("Uitkomst").fill("Boete opgelegd")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_label("Resultaat (verplicht)").select_option(
        label="Integrale interventies uitgevoerd"
    )
    page.get_by_role("button", name="Casus afsluiten").click()
    assert page.get_by_test_id("case-status").inner_text() == "afgesloten"
    assert (
        page.get_by_test_id("case-result")
        .inner_text()
        .startswith("Integrale interventies uitgevoerd")
    )
    case.refresh_from_db()
    assert [c.to_status for c in case.status_changes.all()] == [
        "intake",
        "weging",
        "analyse",
        "integraal_overleg",
        "plan_van_aanpak",
        "uitvoering",
        "monitoring",
        "evaluatie",
        "afgesloten",
    ]

    # The municipality takes part: it sees the case, but not the document not shared with it.
    municipal_page = _as(chromium, live_server, "gemeente")
    municipal_page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Casussen"
    ).click()
    municipal_page.get_by_role("link", name=case.reference).click()
    assert municipal_page.get_by_test_id("case-status").inner_text() == "afgesloten"
    assert municipal_page.get_by_text("Huisvesting controleren").first.is_visible()
    assert municipal_page.get_by_text("Politie-informatie").count() == 0
    municipal_page.context.close()

    # An uninvolved partner gets the same 404 as for a missing case, and can ask for access.
    outsider = _as(chromium, live_server, "zeist")
    response = outsider.goto(f"/casussen/{case.pk}/")
    assert response.status == 404
    assert outsider.get_by_text("Agro Flex").count() == 0
    outsider.get_by_role("link", name="Toegang vragen").click()
    outsider.get_by_label("Waarom heeft uw organisatie toegang nodig?").fill(
        "De werkgever heeft ook een vestiging in Zeist."
    )
    outsider.get_by_role("button", name="Verzoek indienen").click()
    assert outsider.get_by_text("Uw verzoek is vastgelegd").is_visible()
    outsider.context.close()
    request = AccessRequest.objects.get()
    assert request.case == case
    assert request.organisation == zeist
    assert request.status == "in_behandeling"
