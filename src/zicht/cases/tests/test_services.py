"""The write path: what each service does to the database, the audit log and notifications."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zicht.accounts.tests.factories import OrganisationFactory, UserFactory
from zicht.audit.models import AuditEntry
from zicht.cases import services
from zicht.cases.errors import CaseValidationError
from zicht.cases.models import (
    AccessRequest,
    CaseParticipant,
    CaseSubject,
    Notification,
    UserNotificationPreference,
)
from zicht.cases.notifications import send_daily_digests
from zicht.cases.tests.factories import (
    add_intervention,
    add_partner,
    assessed_signal,
    case_type,
    intervention_type,
    make_case,
    organisation,
    role,
)
from zicht.register import services as register_services
from zicht.register.tests.factories import make_entity, make_signal

pytestmark = pytest.mark.django_db


def _entity_input(role_code, **properties):
    kind = "person" if "first_names" in properties else "company"
    return register_services.EntityInput(role=role_code, kind=kind, properties=properties)


def test_a_case_from_signals_forwards_them_and_takes_their_subjects(make_user):
    user = make_user("coordinator")
    employer = make_entity("company", name="Agro Flex B.V.", kvk="12345678")
    first = assessed_signal(
        user,
        entities=[
            register_services.EntityInput(role="werkgever", existing_id=employer.pk),
            _entity_input("slachtoffer", first_names="Ana", last_name="Popescu"),
            _entity_input("melder", first_names="Piet", last_name="Melder"),
        ],
    )
    second = assessed_signal(
        user, entities=[register_services.EntityInput(role="werkgever", existing_id=employer.pk)]
    )
    received = make_signal(user)  # still "ontvangen": linked, but its status stays
    case = services.create_case(
        acting_user=user,
        case_type=case_type(),
        title="Agro Flex",
        signals=[first, second, received],
    )
    for signal in (first, second):
        signal.refresh_from_db()
        assert signal.status == "doorgezet"
        last = signal.status_changes.last()
        assert last is not None
        assert last.reason == f"Doorgezet naar casus {case.reference}"
    received.refresh_from_db()
    assert received.status == "ontvangen"
    subjects = {(s.entity.label, s.role_type.code) for s in case.subjects.all()}
    # The reporter (melder) is no subject; the employer of both signals is there once.
    assert subjects == {("Agro Flex B.V.", "werkgever"), ("Ana Popescu", "slachtoffer")}
    assert case.reference.startswith("MN-C-")
    assert case.signal_links.count() == 3
    created = AuditEntry.objects.get(object_type="cases.case", action="create")
    assert created.detail["signals"] == [first.pk, second.pk, received.pk]
    assert created.purpose == case.purpose
    assert created.legal_ground == case.legal_ground
    # The intake's standard task exists.
    assert case.tasks.filter(template_code="intake-compleet", phase="intake").exists()


def test_a_merged_entity_is_linked_as_the_one_it_was_merged_into(make_user):
    user = make_user("coordinator")
    old = make_entity("company", name="A BV", kvk="11111111")
    new = make_entity("company", name="A B.V.", kvk="22222222")
    signal = assessed_signal(
        user, entities=[register_services.EntityInput(role="werkgever", existing_id=old.pk)]
    )
    register_services.merge_entities(acting_user=user, source=old, target=new, reason="zelfde")
    case = make_case(user, signals=[signal])
    assert list(case.subjects.values_list("entity_id", flat=True)) == [new.pk]


def test_create_case_checks_its_input(make_user):
    partner_user = make_user("partner")
    with pytest.raises(CaseValidationError) as caught:
        make_case(title=" ", purpose="", lead=partner_user, confidentiality="streng")
    assert set(caught.value.errors) == {"title", "purpose", "lead", "confidentiality"}


def test_partners_join_change_role_and_leave(make_user):
    case = make_case()
    gemeente = organisation("Gemeente Utrecht")
    participant = add_partner(case, gemeente, "initiator")
    assert add_partner(case, gemeente, "initiator").pk == participant.pk
    add_partner(case, gemeente, "adviseur")
    participant.refresh_from_db()
    assert participant.role_type.code == "adviseur"
    services.end_participation(acting_user=None, participant=participant)
    participant.refresh_from_db()
    assert participant.ended_at is not None
    add_partner(case, gemeente, "behandelaar")  # joining again reuses the row
    assert CaseParticipant.objects.filter(case=case).count() == 1
    assert (
        AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .exclude(detail__participant=None)
        .count()
        >= 3
    )


def test_a_subject_role_is_no_partner_role():
    case = make_case()
    with pytest.raises(CaseValidationError, match="hoort niet bij het casustype"):
        services.add_participant(
            acting_user=None,
            case=case,
            organisation=organisation("Gemeente Utrecht"),
            role_type=role(case, "slachtoffer"),
        )
    other = make_case(code="mensenhandel-seksueel")
    with pytest.raises(CaseValidationError):
        services.add_subject(
            acting_user=None, case=case, entity=make_entity(), role_type=role(other, "exploitant")
        )


def test_a_partner_with_running_interventions_cannot_leave():
    case = make_case()
    nla = organisation("Arbeidsinspectie", "nla")
    participant = add_partner(case, nla)
    add_intervention(case, nla, status="lopend")
    with pytest.raises(CaseValidationError, match="lopende of geplande interventies"):
        services.end_participation(acting_user=None, participant=participant)


def test_interventions_need_a_taking_part_partner_and_sane_dates():
    case = make_case()
    nla = organisation("Arbeidsinspectie", "nla")
    with pytest.raises(CaseValidationError, match="eerst toe als partner"):
        add_intervention(case, nla)
    add_partner(case, nla)
    today = timezone.localdate()
    with pytest.raises(CaseValidationError) as caught:
        add_intervention(
            case,
            nla,
            status="afgerond",
            started_on=today - timedelta(days=2),
            ended_on=today - timedelta(days=5),
        )
    assert "ended_on" in caught.value.errors
    with pytest.raises(CaseValidationError, match="heeft geen einddatum"):
        add_intervention(case, nla, status="lopend", ended_on=today)
    running = add_intervention(case, nla, status="lopend")
    assert running.started_on == today  # filled in for a running intervention
    done = services.update_intervention(
        acting_user=None,
        intervention=running,
        data=services.InterventionInput(
            type=intervention_type(), responsible=nla, status="afgerond", outcome="Boete"
        ),
    )
    assert done.ended_on == today
    assert done.outcome == "Boete"
    update = AuditEntry.objects.get(object_type="cases.intervention", action="update")
    assert update.detail["status"] == {"from": "lopend", "to": "afgerond"}


def test_tasks_go_only_to_users_who_can_see_the_case(make_user, django_capture_on_commit_callbacks):
    coordinator = make_user("coordinator", email="coordinator@example.invalid")
    case = make_case(coordinator)
    gemeente = organisation("Gemeente Utrecht")
    outsider = make_user("partner", organisation=gemeente)
    with pytest.raises(CaseValidationError, match="kan deze casus niet inzien"):
        services.add_task(acting_user=coordinator, case=case, title="Bellen", assignee=outsider)
    add_partner(case, gemeente)
    with django_capture_on_commit_callbacks(execute=True):
        task = services.add_task(
            acting_user=coordinator,
            case=case,
            title="Bellen",
            assignee=outsider,
            due_on=date(2026, 4, 1),
        )
    notification = Notification.objects.get(recipient=outsider)
    assert notification.kind == "toegewezen"
    assert notification.task == task
    assert case.reference in notification.message
    assert "Bellen" not in notification.message
    assert len(mail.outbox) == 1
    assert case.reference in mail.outbox[0].subject
    assert notification.emailed_at is not None
    services.set_task_status(acting_user=outsider, task=task, status="afgerond")
    task.refresh_from_db()
    assert task.completed_by == outsider
    assert task.completed_at is not None


def test_phase_changes_notify_the_lead_and_task_holders_but_not_the_actor(make_user):
    coordinator = make_user("coordinator")
    analyst = make_user("analist")
    case = make_case(coordinator, lead=analyst)
    Notification.objects.all().delete()
    services.transition_case(acting_user=coordinator, case=case, to_status="weging")
    phase_news = Notification.objects.filter(kind="fase")
    assert list(phase_news.values_list("recipient", flat=True)) == [analyst.pk]
    # The weighing's standard task went to the lead, who hears of that too.
    assert Notification.objects.filter(recipient=analyst, kind="toegewezen").exists()
    services.transition_case(acting_user=analyst, case=case, to_status="analyse")
    assert Notification.objects.filter(recipient=analyst, kind="fase").count() == 1


def test_meetings_record_partners_and_the_bureau_only():
    case = make_case()
    gemeente = organisation("Gemeente Utrecht")
    riec = organisation("RIEC Midden-Nederland", "riec")
    stranger = organisation("Gemeente Zeist")
    add_partner(case, gemeente)
    with pytest.raises(CaseValidationError, match="Geen partner van deze casus: Gemeente Zeist"):
        services.record_meeting(
            acting_user=None,
            case=case,
            held_on=timezone.localdate(),
            attendees=[gemeente, stranger],
            decisions="Sluiten",
        )
    with pytest.raises(CaseValidationError, match="al is gehouden"):
        services.record_meeting(
            acting_user=None,
            case=case,
            held_on=timezone.localdate() + timedelta(days=1),
            attendees=[gemeente],
            decisions="Sluiten",
        )
    meeting = services.record_meeting(
        acting_user=None,
        case=case,
        held_on=timezone.localdate(),
        attendees=[gemeente, riec],
        decisions="Bibob-advies aanvragen\n\nInspectie plannen",
        actions="Gemeente vraagt advies aan",
    )
    assert meeting.decision_lines == ["Bibob-advies aanvragen", "Inspectie plannen"]
    assert set(meeting.attendees.all()) == {gemeente, riec}


def test_documents_are_shared_with_partners_only(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_case()
    gemeente = organisation("Gemeente Utrecht")
    stranger = organisation("Gemeente Zeist")
    add_partner(case, gemeente)
    upload = SimpleUploadedFile("plan.txt", b"plan van aanpak", content_type="text/plain")
    with pytest.raises(CaseValidationError, match="niet met Gemeente Zeist"):
        services.add_document(acting_user=None, case=case, upload=upload, shared_with=[stranger])
    document = services.add_document(
        acting_user=None, case=case, upload=upload, title="Plan", shared_with=[gemeente]
    )
    assert document.file.name == f"cases/{case.pk}/{document.sha256}"
    assert "plan.txt" not in document.file.name
    services.set_document_sharing(acting_user=None, document=document, organisations=[])
    assert not document.shared_with.exists()
    entry = AuditEntry.objects.get(object_type="cases.casedocument", action="update")
    assert entry.detail["shared_with"] == {"from": [gemeente.pk], "to": []}


def test_access_request_granted_makes_the_organisation_a_partner(make_user):
    coordinator = make_user("coordinator")
    case = make_case(coordinator)
    nla = OrganisationFactory(nla=True)
    inspector = make_user("partner", organisation=nla)
    request = services.request_access(acting_user=inspector, case_id=case.pk, reason="Inspectie")
    assert request is not None
    assert services.request_access(acting_user=inspector, case_id=case.pk, reason="nog eens") == (
        request
    )
    assert Notification.objects.filter(recipient=coordinator, kind="toegang_gevraagd").exists()
    with pytest.raises(CaseValidationError, match="Kies de rol"):
        services.decide_access_request(acting_user=coordinator, access_request=request, grant=True)
    services.decide_access_request(
        acting_user=coordinator,
        access_request=request,
        grant=True,
        role_type=role(case, "adviseur"),
    )
    request.refresh_from_db()
    assert request.status == "toegekend"
    assert request.decided_by == coordinator
    assert case.participants.get().organisation == nla
    assert Notification.objects.filter(recipient=inspector, kind="toegang_besloten").exists()
    with pytest.raises(CaseValidationError, match="al besloten"):
        services.decide_access_request(acting_user=coordinator, access_request=request, grant=False)


def test_access_request_refusal_needs_a_note(make_user):
    coordinator = make_user("coordinator")
    case = make_case(coordinator)
    outsider = make_user("partner", organisation=OrganisationFactory(gemeente=True))
    request = services.request_access(acting_user=outsider, case_id=case.pk, reason="Graag")
    assert request is not None
    with pytest.raises(CaseValidationError, match="toelichting"):
        services.decide_access_request(acting_user=coordinator, access_request=request, grant=False)
    services.decide_access_request(
        acting_user=coordinator, access_request=request, grant=False, note="Geen rol"
    )
    assert not case.participants.exists()
    assert AuditEntry.objects.filter(
        object_type="cases.accessrequest", action="update", detail__decision="afgewezen"
    ).exists()


def test_a_request_for_a_missing_case_is_only_audited(make_user):
    outsider = make_user("partner", organisation=OrganisationFactory(gemeente=True))
    assert services.request_access(acting_user=outsider, case_id=999_999, reason="Graag") is None
    assert not AccessRequest.objects.exists()
    entry = AuditEntry.objects.get(object_type="cases.accessrequest")
    assert entry.outcome == "failure"
    assert entry.detail["case_id"] == 999_999


def test_reminders_announce_each_task_once_per_kind(make_user):
    coordinator = make_user("coordinator")
    case = make_case(coordinator)
    analyst = make_user("analist")
    today = date(2026, 5, 10)
    soon = services.add_task(
        acting_user=analyst,
        case=case,
        title="A",
        assignee=coordinator,
        due_on=today + timedelta(days=1),
    )
    late = services.add_task(
        acting_user=analyst,
        case=case,
        title="B",
        assignee=coordinator,
        due_on=today - timedelta(days=3),
    )
    services.add_task(
        acting_user=analyst,
        case=case,
        title="C",
        assignee=coordinator,
        due_on=today + timedelta(days=30),
    )
    Notification.objects.all().delete()
    assert services.send_task_reminders(today=today) == (1, 1)
    assert services.send_task_reminders(today=today) == (0, 0)
    kinds = dict(Notification.objects.values_list("task", "kind"))
    assert kinds == {soon.pk: "termijn", late.pk: "verlopen"}
    # The day after, "soon" is not overdue yet; two days later it is, once.
    assert services.send_task_reminders(today=today + timedelta(days=2)) == (0, 1)


def test_the_daily_digest_collects_what_was_not_mailed(make_user):
    user = make_user("coordinator", email="digest@example.invalid")
    services.set_notification_preferences(acting_user=user, email_each=False, daily_digest=True)
    case = make_case(lead=user)
    services.transition_case(acting_user=None, case=case, to_status="weging")
    services.transition_case(acting_user=None, case=case, to_status="analyse")
    pending = Notification.objects.filter(recipient=user).count()
    assert pending >= 2  # two phase changes, and the standard tasks they brought
    assert send_daily_digests() == 1
    assert len(mail.outbox) == 1
    assert f"{pending} notificaties" in mail.outbox[0].subject
    assert case.reference in mail.outbox[0].body
    assert send_daily_digests() == 0  # nothing new since
    assert UserNotificationPreference.objects.get(user=user).last_digest_at is not None


def test_notifications_are_marked_read_only_for_their_recipient(make_user):
    user = make_user("coordinator")
    other = UserFactory()
    case = make_case(lead=user)
    services.transition_case(acting_user=None, case=case, to_status="weging")
    notification = Notification.objects.get(recipient=user, kind="fase")
    assert (
        services.mark_notifications_read(acting_user=other, notification_ids=[notification.pk]) == 0
    )
    assert (
        services.mark_notifications_read(acting_user=user, notification_ids=[notification.pk]) == 1
    )
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    assert services.mark_notifications_read(acting_user=user, notification_ids=None) == unread


def test_subjects_can_be_added_by_hand():
    case = make_case()
    entity = make_entity("person", first_names="Ion", last_name="Rusu")
    subject = services.add_subject(
        acting_user=None, case=case, entity=entity, role_type=role(case, "slachtoffer")
    )
    assert (
        services.add_subject(
            acting_user=None, case=case, entity=entity, role_type=role(case, "slachtoffer")
        )
        == subject
    )
    assert CaseSubject.objects.filter(case=case).count() == 1


def test_update_case_records_changed_fields(make_user):
    analyst = make_user("analist")
    case = make_case()
    services.update_case(
        acting_user=None,
        case=case,
        title="Nieuwe titel",
        description="",
        confidentiality="geheim",
        purpose=case.purpose,
        legal_ground=case.legal_ground,
        lead=analyst,
    )
    entry = AuditEntry.objects.get(object_type="cases.case", action="update")
    assert entry.detail["fields"] == ["confidentiality", "lead_id", "title"]


def test_a_closed_case_takes_no_more_work():
    case = make_case()
    case = services.transition_case(acting_user=None, case=case, to_status="weging")
    case = services.transition_case(
        acting_user=None,
        case=case,
        to_status="afgesloten",
        reason="Negatief",
        result_type=case.case_type.result_types.get(code="niet-in-behandeling"),
    )
    with pytest.raises(CaseValidationError, match="afgesloten"):
        services.add_task(acting_user=None, case=case, title="Nog iets")
