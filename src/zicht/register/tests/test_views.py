"""The register's pages and API: who sees what, intake with the duplicate step, audit of reads."""

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from zicht.accounts.tests.factories import OrganisationFactory
from zicht.audit.models import AuditEntry
from zicht.register import services
from zicht.register.models import Entity, Signal
from zicht.register.tests.factories import make_entity, make_signal, organisation

pytestmark = pytest.mark.django_db


def _intake(org: Any, **extra: str) -> dict[str, str]:
    data = {
        "received_on": "2026-03-02",
        "reporting_organisation": str(org.pk),
        "reporter_role": "toezicht",
        "municipality": "GM0344",
        "exploitation_forms": "arbeid",
        "confidentiality": "vertrouwelijk",
        "purpose": services.DEFAULT_PURPOSE,
        "legal_ground": services.DEFAULT_LEGAL_GROUND,
        "ind-G01": "observed",
        "ind-G05": "not_observed",
        "entities-TOTAL_FORMS": "2",
        "entities-INITIAL_FORMS": "0",
        "entities-MIN_NUM_FORMS": "0",
        "entities-MAX_NUM_FORMS": "20",
    }
    data.update(extra)
    return data


def test_web_intake_offers_duplicate_then_links_it(client_for: Any) -> None:
    existing = make_entity("company", name="Agro Flex B.V.", kvk="12345678")
    client = client_for("analist")
    org = organisation()
    data = _intake(
        org,
        **{
            "entities-0-role": "werkgever",
            "entities-0-kind": "company",
            "entities-0-company__name": "Agroflex",
            "entities-0-company__kvk": "12 34 56 78",
            "entities-1-role": "slachtoffer",
            "entities-1-kind": "person",
            "entities-1-person__first_names": "Ana",
            "entities-1-person__last_name": "Popescu",
        },
    )
    response = client.post(reverse("register:signal-create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mogelijke dubbelen gevonden" in page
    assert f'value="{existing.pk}"' in page
    assert Signal.objects.count() == 0

    data["entities-0-existing_choice"] = str(existing.pk)  # the radio, without JavaScript
    response = client.post(reverse("register:signal-create"), data)
    assert response.status_code == 302
    signal = Signal.objects.get()
    assert signal.links.get(role="werkgever").entity == existing
    assert signal.links.get(role="slachtoffer").entity.label == "Ana Popescu"
    assert Entity.objects.filter(kind="company").count() == 1
    assert {o.indicator.code for o in signal.observations.all()} == {"G01", "G05"}


def test_web_intake_shows_dutch_errors(client_for: Any) -> None:
    response = client_for("analist").post(
        reverse("register:signal-create"),
        _intake(organisation(), municipality="GM0363", received_on="2099-01-01"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "ligt in de toekomst" in page
    assert Signal.objects.count() == 0


def test_partner_submits_for_own_organisation_and_sees_only_its_own(make_user: Any) -> None:
    gemeente = OrganisationFactory(gemeente=True)
    other = OrganisationFactory(nla=True)
    partner = make_user("partner", organisation=gemeente)
    client = Client()
    client.force_login(partner)
    data = _intake(other)  # tries to report on behalf of another organisation
    response = client.post(reverse("register:signal-create"), data)
    assert response.status_code == 302
    own = Signal.objects.get()
    assert own.reporting_organisation == gemeente
    foreign = make_signal(reporting_organisation=other)
    listing = client.get(reverse("register:signal-list")).content.decode()
    assert own.reference in listing
    assert foreign.reference not in listing
    assert client.get(reverse("register:signal-detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("register:signal-detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("register:signal-detail", args=[999999])).status_code == 404
    assert client.get(reverse("register:entity-list")).status_code == 403


def test_detail_reads_are_audited(client_for: Any) -> None:
    signal = make_signal()
    entity = make_entity()
    client = client_for("alleen_lezen")
    client.get(reverse("register:signal-detail", args=[signal.pk]))
    client.get(reverse("register:entity-detail", args=[entity.pk]))
    assert AuditEntry.objects.filter(
        action="read", object_type="register.signal", object_id=str(signal.pk)
    ).exists()
    assert AuditEntry.objects.filter(
        action="read", object_type="register.entity", object_id=str(entity.pk)
    ).exists()


def test_transition_through_the_page(client_for: Any) -> None:
    signal = make_signal()
    client = client_for("coordinator")
    url = reverse("register:signal-transition", args=[signal.pk])
    client.post(url, {"to_status": "in_weging"})
    response = client.post(url, {"to_status": "afgewezen", "reason": ""}, follow=True)
    assert "Geef een reden op" in response.content.decode()
    client.post(url, {"to_status": "monitoring"})
    signal.refresh_from_db()
    assert signal.status == "monitoring"


def test_attachment_is_private_and_download_is_audited(
    client_for: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    signal = make_signal()
    client = client_for("analist")
    upload = SimpleUploadedFile(
        "verslag <script>.html", b"<script>alert(1)</script>", content_type="text/html"
    )
    client.post(reverse("register:attachment-add", args=[signal.pk]), {"file": upload})
    attachment = signal.attachments.get()
    assert "verslag" not in attachment.file.name  # stored under its hash, not the user's name
    response = client.get(reverse("register:attachment-download", args=[signal.pk, attachment.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert AuditEntry.objects.filter(action="read", object_type="register.attachment").exists()


def test_api_post_is_idempotent_and_errors_are_problems(client_for: Any) -> None:
    organisation()
    client = client_for("analist")
    payload = {
        "received_on": "2026-03-02",
        "reporting_organisation": "Gemeente Utrecht",
        "reporter_role": "toezicht",
        "municipality": "GM0344",
        "forms": ["arbeid"],
        "indicators": {"G01": "observed"},
        "external_reference": "GEM-UTR-77",
        "entities": [
            {
                "role": "werkgever",
                "kind": "company",
                "properties": {"name": "Bouw BV", "kvk": "87654321"},
            }
        ],
    }
    first = client.post("/api/v1/signals", json.dumps(payload), content_type="application/json")
    assert first.status_code == 201
    second = client.post("/api/v1/signals", json.dumps(payload), content_type="application/json")
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    bad = client.post(
        "/api/v1/signals",
        json.dumps({**payload, "external_reference": "", "municipality": "GM0000"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"
    assert bad.json()["errors"][0]["loc"] == ["body", "municipality"]


def test_api_cursor_pagination(client_for: Any) -> None:
    ids = [make_signal().pk for _ in range(5)]
    client = client_for("analist")
    page1 = client.get("/api/v1/signals", {"limit": 2}).json()
    assert [s["id"] for s in page1["items"]] == ids[::-1][:2]
    page2 = client.get("/api/v1/signals", {"limit": 2, "before": page1["next_cursor"]}).json()
    assert [s["id"] for s in page2["items"]] == ids[::-1][2:4]


def test_hub_has_no_register(as_hub: None, client_for: Any) -> None:
    client = client_for("analist")
    assert client.get("/register/signalen/").status_code == 404
    assert client.get("/api/v1/signals").status_code == 404


def test_link_an_existing_entity_from_the_signal_page(client_for: Any) -> None:
    signal = make_signal()
    entity = make_entity("vehicle", kenteken="AB-123-C")
    client = client_for("analist")
    url = reverse("register:signal-link-entity", args=[signal.pk])
    client.post(url, {"entity_id": entity.pk, "role": "tussenpersoon"})
    assert signal.links.get(entity=entity).role == "tussenpersoon"
    response = client.post(url, {"entity_id": 999999, "role": "tussenpersoon"})
    assert response.status_code == 404


def test_entity_search_by_name_and_by_identifier_in_any_notation(client_for: Any) -> None:
    company = make_entity("company", name="Flex Uitzend B.V.", kvk="12345678")
    account = make_entity("bank_account", iban="NL91ABNA0417164300")
    client = client_for("analist")
    by_name = client.get(reverse("register:entity-list"), {"q": "uitzend"}).content.decode()
    assert company.label in by_name
    by_iban = client.get(
        reverse("register:entity-list"), {"q": "nl91 abna 0417 1643 00"}
    ).content.decode()
    assert f"/register/betrokkenen/{account.pk}/" in by_iban
    assert f"/register/betrokkenen/{company.pk}/" not in by_iban


def test_signal_search_by_municipality_name(client_for: Any) -> None:
    signal = make_signal()
    client = client_for("analist")
    assert (
        signal.reference
        in client.get(reverse("register:signal-list"), {"q": "utrecht"}).content.decode()
    )
    assert (
        signal.reference
        not in client.get(reverse("register:signal-list"), {"q": "maastricht"}).content.decode()
    )


def test_signal_list_filters_by_form_and_status(client_for: Any) -> None:
    labour = make_signal(form_codes=["arbeid"])
    sexual = make_signal(form_codes=["seksueel", "arbeid"])
    criminal = make_signal(form_codes=["crimineel"])
    client = client_for("analist")

    def listed(**params: str) -> set[str]:
        page = client.get(reverse("register:signal-list"), params).content.decode()
        return {s.reference for s in (labour, sexual, criminal) if s.reference in page}

    assert listed(vorm="arbeid") == {labour.reference, sexual.reference}
    assert listed(vorm="crimineel") == {criminal.reference}
    assert listed(vorm="bestaat-niet") == set()
    assert listed(status="ontvangen", vorm="seksueel") == {sexual.reference}
    assert listed(status="monitoring") == set()


def test_signal_search_by_reference_fragment_and_external_reference(client_for: Any) -> None:
    signal = make_signal(external_reference="AV-2026-17")
    other = make_signal()
    client = client_for("analist")

    def found(query: str) -> str:
        return client.get(reverse("register:signal-list"), {"q": query}).content.decode()

    number = signal.reference.rsplit("-", 1)[1]
    assert signal.reference in found(number)
    assert other.reference not in found(number)
    assert signal.reference in found("AV-2026-17")
    assert other.reference not in found("AV-2026-17")


def test_entity_search_matches_word_beginnings_in_any_order(client_for: Any) -> None:
    person = make_entity("person", first_names="Jan", last_name="de Vriës", birth_date="1980-05-01")
    client = client_for("analist")
    for query in ("vries jan", "de vr", "VRIES"):
        page = client.get(reverse("register:entity-list"), {"q": query}).content.decode()
        assert f"/register/betrokkenen/{person.pk}/" in page, query
    page = client.get(reverse("register:entity-list"), {"q": "ries"}).content.decode()
    assert f"/register/betrokkenen/{person.pk}/" not in page


def test_bulk_written_entities_are_searchable(client_for: Any) -> None:
    from zicht.register.models import EntityToken

    signal_input_with_entity = services.EntityInput(
        role="werkgever", kind="company", properties={"name": "Tulpen Logistiek BV"}
    )
    from zicht.register.tests.factories import signal_input

    services.bulk_register_signals(
        acting_user=None,
        items=[signal_input(external_reference="bulk-1", entities=[signal_input_with_entity])],
        source="test",
    )
    company = Entity.objects.get(label="Tulpen Logistiek BV")
    assert set(EntityToken.objects.filter(entity=company).values_list("token", "kind")) == {
        ("bv", "company"),
        ("logistiek", "company"),
        ("tulpen", "company"),
    }
    page = (
        client_for("analist").get(reverse("register:entity-list"), {"q": "tulp"}).content.decode()
    )
    assert f"/register/betrokkenen/{company.pk}/" in page
