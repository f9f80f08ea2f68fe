"""Exports: the PDF dossier opens and lists timeline and interventions; the ZGW-like JSON."""

import json
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from zicht.audit.models import AuditEntry
from zicht.cases import export, services
from zicht.cases.tests.factories import (
    add_intervention,
    add_partner,
    assessed_signal,
    intervention_type,
    make_case,
    organisation,
    result,
    walk_to,
)
from zicht.register import services as register_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_case(make_user, settings):
    """A labour case with signals, subjects, partners, a meeting and interventions, closed."""
    settings.ZICHT_ALLOW_BSN = True  # so that we can see it stays out of the exports
    coordinator = make_user("coordinator", first_name="Carla", last_name="Coördinator")
    signal = assessed_signal(
        coordinator,
        entities=[
            register_services.EntityInput(
                role="werkgever",
                kind="company",
                properties={"name": "Agro Flex B.V.", "kvk": "12345678"},
            ),
            register_services.EntityInput(
                role="slachtoffer",
                kind="person",
                properties={
                    "first_names": "Ștefan",
                    "last_name": "Łukasiewicz",
                    "birth_date": "1990-04-01",
                    "bsn": "111222333",
                },
            ),
            register_services.EntityInput(
                role="huisvester",
                kind="address",
                properties={
                    "street": "Vleutenseweg",
                    "house_number": "12",
                    "postcode": "3532HA",
                    "place": "Utrecht",
                },
            ),
        ],
    )
    case = make_case(coordinator, signals=[signal], lead=coordinator, title="Agro Flex <Utrecht>")
    gemeente = organisation("Gemeente Utrecht")
    nla = organisation("Nederlandse Arbeidsinspectie", "nla")
    add_partner(case, gemeente, "initiator")
    add_partner(case, nla, "behandelaar")
    case = walk_to(case, "plan_van_aanpak", coordinator)
    add_intervention(
        case,
        gemeente,
        type=intervention_type("sluiting-pand"),
        status="afgerond",
        outcome="Pand gesloten",
    )
    add_intervention(case, nla, status="afgerond", outcome="Boete opgelegd")
    case = walk_to(case, "afgesloten", coordinator)
    return case, coordinator


def test_zgw_json_has_the_zaak_shape(closed_case):
    case, _user = closed_case
    document = export.case_as_zgw(case)
    assert set(document) >= {
        "zaak",
        "statussen",
        "rollen",
        "resultaat",
        "zaakobjecten",
        "besluiten",
        "zaakinformatieobjecten",
        "zicht",
    }
    zaak = document["zaak"]
    assert zaak["identificatie"] == case.reference
    assert zaak["zaaktype"]["identificatie"] == "mensenhandel-arbeid"
    assert zaak["vertrouwelijkheidaanduiding"] == "vertrouwelijk"
    assert zaak["status"] == {"omschrijving": "Afgesloten", "volgnummer": 9, "isEindstatus": True}
    assert zaak["archiefnominatie"] == "vernietigen"
    assert zaak["archiefactiedatum"]
    assert [s["statustype"]["volgnummer"] for s in document["statussen"]] == list(range(1, 10))
    generic = sorted(
        (r["betrokkeneType"], r["roltype"]["omschrijvingGeneriek"]) for r in document["rollen"]
    )
    assert ("organisatorische_eenheid", "initiator") in generic
    assert ("natuurlijk_persoon", "belanghebbende") in generic  # the presumed victim
    assert ("niet_natuurlijk_persoon", "betrokkene") in generic  # the employer
    person = next(r for r in document["rollen"] if r["betrokkeneType"] == "natuurlijk_persoon")
    assert person["betrokkeneIdentificatie"]["geslachtsnaam"] == "Łukasiewicz"
    assert "111222333" not in json.dumps(document)  # never a BSN
    kinds = {o["objectType"] for o in document["zaakobjecten"]}
    assert kinds == {"adres", "overige"}
    signal = next(o for o in document["zaakobjecten"] if o.get("objectTypeOverige") == "signaal")
    assert signal["objectIdentificatie"]["kenmerk"].startswith("MN-")
    assert document["resultaat"]["resultaattype"]["archiefactietermijn"] == "P5Y"
    # Only carried out decisions of an administrative body are besluiten.
    assert [b["besluittype"]["omschrijving"] for b in document["besluiten"]] == ["Sluiting pand"]
    assert len(document["zicht"]["interventies"]) == 2
    assert document["zicht"]["overleggen"][0]["besluiten"] == ["Inspectie door de gemeente"]
    json.dumps(document)  # serialisable as it is


def test_json_export_over_http_is_audited(client_for, closed_case):
    case, _user = closed_case
    response = client_for("analist").get(reverse("cases:export-json", args=[case.pk]))
    assert response.status_code == 200
    assert response.json()["zaak"]["identificatie"] == case.reference
    entry = AuditEntry.objects.get(action="export")
    assert entry.detail == {"format": "zgw-json"}
    assert entry.object_id == str(case.pk)


def test_pdf_dossier_opens_and_lists_timeline_and_interventions(client_for, closed_case, tmp_path):
    case, _user = closed_case
    response = client_for("coordinator").get(reverse("cases:export-pdf", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "dossier.pdf"
    pdf.write_bytes(response.content)
    assert response.content.startswith(b"%PDF-")
    assert AuditEntry.objects.filter(action="export", detail__format="pdf").count() == 1
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    pages = list(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    assert pages[0].stat().st_size > 1000
    if shutil.which("pdftotext") is None:
        return
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True
    ).stdout.decode()
    for expected in (
        case.reference,
        "Agro Flex <Utrecht>",  # escaped for reportlab, printed as typed
        "Tijdlijn",
        "Interventies",
        "Sluiting pand",
        "Boete opgelegd",
        "Fase ‘plan van aanpak’ → ‘uitvoering’",
        "Ștefan Łukasiewicz",
        "VERTROUWELIJKHEID: VERTROUWELIJK",
    ):
        assert expected in text, expected
    assert "111222333" not in text


def test_pdf_of_an_empty_case_renders(make_user):
    case = make_case()
    pdf = export.dossier_pdf(case, generated_by="test", now=timezone.now())
    assert pdf.startswith(b"%PDF-")


def test_only_workers_export(client_for, closed_case):
    case, _user = closed_case
    assert (
        client_for("alleen_lezen").get(reverse("cases:export-pdf", args=[case.pk])).status_code
        == 403
    )


def test_result_type_of_another_kind_is_not_offered(closed_case):
    case, _user = closed_case
    assert case.result_type == result(case)
    assert services.case_facts(case).open_interventions == 0
