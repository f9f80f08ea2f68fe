"""The case pages over HTTP: forms, messages, and what each role may do."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zicht.cases.models import Case, Notification
from zicht.cases.tests.factories import (
    add_intervention,
    add_partner,
    assessed_signal,
    case_type,
    intervention_type,
    make_case,
    organisation,
    result,
    walk_to,
)
from zicht.register.tests.factories import make_entity

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_create_a_case_from_signals(make_user):
    coordinator = make_user("coordinator")
    signals = [assessed_signal(coordinator), assessed_signal(coordinator)]
    client = _client(coordinator)
    page = client.get(reverse("cases:case-create"))
    assert signals[0].reference in page.content.decode()
    response = client.post(
        reverse("cases:case-create"),
        {
            "title": "Uitzendbureau Vleuten",
            "case_type": case_type().pk,
            "signals": [s.pk for s in signals],
            "lead": coordinator.pk,
            "confidentiality": "",
            "purpose": "Aanpak arbeidsuitbuiting",
            "legal_ground": "Wgs",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/casussen/{case.pk}/"
    assert case.lead == coordinator
    assert case.confidentiality == "vertrouwelijk"
    assert {link.signal.status for link in case.signal_links.select_related("signal")} == {
        "doorgezet"
    }


def test_the_case_list_filters(make_user):
    analyst = make_user("analist")
    labour = make_case(title="Kassen Westland")
    sexual = make_case(code="mensenhandel-seksueel", title="Hotelkamers")
    walk_to(sexual, "weging")
    gemeente = organisation("Gemeente Utrecht")
    add_partner(labour, gemeente)
    client = _client(analyst)

    def titles(**params):
        page = client.get(reverse("cases:case-list"), params)
        return {c.title for c in page.context["page"]}

    assert titles() == {"Kassen Westland", "Hotelkamers"}
    assert titles(fase="weging") == {"Hotelkamers"}
    assert titles(type="mensenhandel-arbeid") == {"Kassen Westland"}
    assert titles(partner=str(gemeente.pk)) == {"Kassen Westland"}
    assert titles(q="hotel") == {"Hotelkamers"}
    assert titles(fase="open") == {"Kassen Westland", "Hotelkamers"}
    labour.lead = analyst
    labour.save(update_fields=["lead"])
    assert titles(mijn="1") == {"Kassen Westland"}


def test_detail_shows_phases_timeline_and_network(make_user):
    coordinator = make_user("coordinator")
    employer = make_entity("company", name="Flex B.V.", kvk="12345678")
    from zicht.register import services as register_services

    signal = assessed_signal(
        coordinator,
        entities=[register_services.EntityInput(role="werkgever", existing_id=employer.pk)],
    )
    case = make_case(coordinator, signals=[signal])
    html = _client(coordinator).get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert 'aria-current="step">intake<' in html
    assert f"Signaal {signal.reference} ontvangen" in html
    assert "<svg" in html
    assert "Flex B.V." in html
    assert "Naar ‘weging’" in html
    assert "Casus afsluiten" not in html  # not from intake


def test_refused_transition_shows_the_reason(make_user):
    coordinator = make_user("coordinator")
    case = walk_to(make_case(), "integraal_overleg")
    Case.objects.filter(pk=case.pk)  # no meeting yet
    case.meetings.all().delete()
    response = _client(coordinator).post(
        reverse("cases:case-transition", args=[case.pk]),
        {"to_status": "plan_van_aanpak"},
        follow=True,
    )
    assert any("Leg eerst het integraal overleg vast" in m for m in _messages(response))
    case.refresh_from_db()
    assert case.status == "integraal_overleg"


def test_only_the_coordinator_closes(make_user):
    case = walk_to(make_case(), "evaluatie")
    today = timezone.localdate()
    case.interventions.update(status="afgerond", started_on=today, ended_on=today)
    data = {"to_status": "afgesloten", "result_type": result(case).pk}
    url = reverse("cases:case-transition", args=[case.pk])
    assert _client(make_user("analist")).post(url, data).status_code == 403
    response = _client(make_user("coordinator")).post(url, data, follow=True)
    assert response.context["case"].status == "afgesloten"
    assert "Integrale interventies uitgevoerd" in response.content.decode()


def test_partners_and_meetings_through_the_pages(make_user):
    coordinator = make_user("coordinator")
    case = walk_to(make_case(), "integraal_overleg")
    client = _client(coordinator)
    nla = organisation("Nederlandse Arbeidsinspectie", "nla")
    role = case.case_type.role_types.get(code="behandelaar")
    client.post(
        reverse("cases:participant-add", args=[case.pk]),
        {"partner-organisation": nla.pk, "partner-role_type": role.pk},
    )
    assert case.participants.filter(organisation=nla).exists()
    form = client.get(reverse("cases:meeting-add", args=[case.pk]))
    assert nla.name in form.content.decode()
    response = client.post(
        reverse("cases:meeting-add", args=[case.pk]),
        {
            "kind": "integraal_overleg",
            "held_on": timezone.localdate().isoformat(),
            "attendees": [nla.pk],
            "decisions": "Inspectie door de NLA",
            "actions": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert case.meetings.filter(attendees=nla).exists()
    # Invalid input stays on the form with the service's message.
    response = client.post(
        reverse("cases:meeting-add", args=[case.pk]),
        {
            "kind": "integraal_overleg",
            "held_on": "2999-01-01",
            "attendees": [nla.pk],
            "decisions": "x",
        },
    )
    assert response.status_code == 200
    assert "al is gehouden" in response.content.decode()


def test_interventions_through_the_pages(make_user):
    coordinator = make_user("coordinator")
    case = make_case()
    gemeente = organisation("Gemeente Utrecht")
    client = _client(coordinator)
    page = client.get(reverse("cases:intervention-add", args=[case.pk]))
    assert "Voeg eerst de partner toe" in page.content.decode()
    add_partner(case, gemeente)
    response = client.post(
        reverse("cases:intervention-add", args=[case.pk]),
        {
            "type": intervention_type("bibob-advies").pk,
            "responsible": gemeente.pk,
            "status": "gepland",
        },
    )
    assert response.status_code == 302
    intervention = case.interventions.get()
    response = client.post(
        reverse("cases:intervention-edit", args=[case.pk, intervention.pk]),
        {
            "type": intervention.type_id,
            "responsible": gemeente.pk,
            "status": "afgerond",
            "outcome": "Vergunning geweigerd",
        },
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.status == "afgerond"
    assert intervention.ended_on == timezone.localdate()


def test_a_partner_completes_their_own_task_only(make_user):
    coordinator = make_user("coordinator")
    gemeente = organisation("Gemeente Utrecht")
    member = make_user("partner", organisation=gemeente)
    colleague = make_user("partner", organisation=gemeente)
    case = make_case()
    add_partner(case, gemeente)
    client = _client(coordinator)
    client.post(
        reverse("cases:task-add", args=[case.pk]),
        {"task-title": "Huisvesting controleren", "task-assignee": member.pk},
    )
    task = case.tasks.get(title="Huisvesting controleren")
    url = reverse("cases:task-status", args=[case.pk, task.pk])
    assert _client(colleague).post(url, {f"task-{task.pk}-status": "afgerond"}).status_code == 403
    assert _client(member).post(url, {f"task-{task.pk}-status": "afgerond"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "afgerond"
    assert task.completed_by == member


def test_documents_upload_and_share(make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    coordinator = make_user("coordinator")
    gemeente = organisation("Gemeente Utrecht")
    case = make_case()
    add_partner(case, gemeente)
    client = _client(coordinator)
    client.post(
        reverse("cases:document-add", args=[case.pk]),
        {
            "document-file": SimpleUploadedFile("verslag.pdf", b"%PDF-1.4"),
            "document-title": "Verslag",
        },
    )
    document = case.documents.get()
    assert not document.shared_with.exists()
    client.post(
        reverse("cases:document-share", args=[case.pk, document.pk]),
        {f"doc-{document.pk}-shared_with": [gemeente.pk]},
    )
    assert list(document.shared_with.all()) == [gemeente]
    download = client.get(reverse("cases:document-download", args=[case.pk, document.pk]))
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == b"%PDF-1.4"


def test_subjects_and_signals_are_added_by_number_and_reference(make_user):
    analyst = make_user("analist")
    case = make_case()
    entity = make_entity("person", first_names="Ion", last_name="Rusu")
    signal = assessed_signal(analyst)
    client = _client(analyst)
    role = case.case_type.role_types.get(code="slachtoffer")
    client.post(
        reverse("cases:subject-add", args=[case.pk]),
        {"subject-entity_id": entity.pk, "subject-role_type": role.pk},
    )
    assert case.subjects.filter(entity=entity).exists()
    response = client.post(
        reverse("cases:subject-add", args=[case.pk]),
        {"subject-entity_id": 999_999, "subject-role_type": role.pk},
        follow=True,
    )
    assert any("bestaat niet" in m for m in _messages(response))
    client.post(
        reverse("cases:signal-link", args=[case.pk]), {"signal-reference": signal.reference.lower()}
    )
    assert case.signal_links.filter(signal=signal).exists()


def test_edit_case_details(make_user):
    analyst = make_user("analist")
    case = make_case()
    response = _client(analyst).post(
        reverse("cases:case-edit", args=[case.pk]),
        {
            "title": "Nieuwe titel",
            "lead": analyst.pk,
            "confidentiality": "geheim",
            "purpose": case.purpose,
            "legal_ground": case.legal_ground,
            "description": "",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.title, case.lead, case.confidentiality) == ("Nieuwe titel", analyst, "geheim")


def test_notifications_unread_count_open_and_preferences(make_user):
    analyst = make_user("analist", email="a@example.invalid")
    case = make_case(lead=analyst)
    walk_to(case, "weging")
    client = _client(analyst)
    page = client.get(reverse("cases:notification-list"))
    unread = Notification.objects.filter(recipient=analyst, read_at__isnull=True).count()
    assert unread >= 1
    html = page.content.decode()
    assert f'data-testid="nav-badge-cases:notification-list">{unread}<' in html
    first = Notification.objects.filter(recipient=analyst).first()
    assert first is not None
    response = client.post(reverse("cases:notification-open", args=[first.pk]))
    assert response["Location"] == f"/casussen/{case.pk}/"
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("cases:notification-read-all"))
    assert not Notification.objects.filter(recipient=analyst, read_at__isnull=True).exists()
    client.post(reverse("cases:notification-preferences"), {"daily_digest": "on"})
    preference = analyst.notification_preference
    assert preference.daily_digest
    assert not preference.email_each


def test_an_intervention_of_a_closed_case_cannot_change(make_user):
    coordinator = make_user("coordinator")
    case = make_case()
    gemeente = organisation("Gemeente Utrecht")
    add_partner(case, gemeente)
    intervention = add_intervention(case, gemeente, status="afgerond")
    case = walk_to(case, "afgesloten")
    response = _client(coordinator).post(
        reverse("cases:intervention-edit", args=[case.pk, intervention.pk]),
        {"type": intervention.type_id, "responsible": gemeente.pk, "status": "gestopt"},
    )
    assert response.status_code == 200
    assert "afgesloten" in response.content.decode()
