"""The lifecycle: allowed and refused transitions, reopening, and history that cannot change."""

import pytest
from django.db import DatabaseError, connection, transaction

from zicht.audit.models import AuditEntry
from zicht.cases import services, workflow
from zicht.cases.models import CasePhase, CaseStatusChange, CaseTask, TaskStatus
from zicht.cases.tests.factories import (
    add_intervention,
    add_partner,
    make_case,
    organisation,
    result,
    walk_to,
)
from zicht.cases.workflow import CaseFacts, TransitionError

FACTS = CaseFacts(meetings=1, interventions=1, open_interventions=0)


# --- Pure rules ------------------------------------------------------------------------------


def test_every_phase_but_the_last_moves_forward_one_step():
    for current, nxt in zip(workflow.PHASES, workflow.PHASES[1:], strict=False):
        workflow.check_transition(
            current,
            nxt,
            reason="",
            facts=FACTS,
            has_result=True,
        )
        assert nxt in workflow.TRANSITIONS[current]


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("intake", "analyse"),  # skipping a phase
        ("weging", "uitvoering"),
        ("uitvoering", "evaluatie"),
        ("intake", "afgesloten"),  # no early close from intake
        ("uitvoering", "afgesloten"),
        ("monitoring", "intake"),
    ],
)
def test_other_moves_are_refused_with_a_dutch_message(current, target):
    with pytest.raises(TransitionError, match="kan niet naar"):
        workflow.check_transition(current, target, reason="x", facts=FACTS, has_result=True)


def test_going_back_and_closing_early_need_a_reason():
    with pytest.raises(TransitionError, match="Geef een reden op"):
        workflow.check_transition(
            "monitoring", "uitvoering", reason=" ", facts=FACTS, has_result=True
        )
    with pytest.raises(TransitionError, match="Geef een reden op"):
        workflow.check_transition("weging", "afgesloten", reason="", facts=FACTS, has_result=True)
    workflow.check_transition(
        "monitoring", "uitvoering", reason="situatie terug", facts=FACTS, has_result=True
    )


def test_guards_on_meeting_interventions_and_result():
    with pytest.raises(TransitionError, match="integraal overleg"):
        workflow.check_transition(
            "integraal_overleg", "plan_van_aanpak", reason="", facts=CaseFacts(), has_result=False
        )
    with pytest.raises(TransitionError, match="interventie"):
        workflow.check_transition(
            "plan_van_aanpak", "uitvoering", reason="", facts=CaseFacts(), has_result=False
        )
    with pytest.raises(TransitionError, match="Kies een resultaat"):
        workflow.check_transition(
            "evaluatie", "afgesloten", reason="", facts=FACTS, has_result=False
        )
    with pytest.raises(TransitionError, match="1 interventie gepland of lopend"):
        workflow.check_transition(
            "evaluatie",
            "afgesloten",
            reason="",
            facts=CaseFacts(meetings=1, interventions=1, open_interventions=1),
            has_result=True,
        )


def test_a_closed_case_only_reopens():
    with pytest.raises(TransitionError, match="Heropen"):
        workflow.check_transition(
            "afgesloten", "evaluatie", reason="x", facts=FACTS, has_result=True
        )
    with pytest.raises(TransitionError, match="Alleen een afgesloten casus"):
        workflow.check_reopen("evaluatie", "analyse", reason="x")
    with pytest.raises(TransitionError, match="Geef een reden op"):
        workflow.check_reopen("afgesloten", "analyse", reason="")
    with pytest.raises(TransitionError, match="heropende casus gaat naar"):
        workflow.check_reopen("afgesloten", "intake", reason="nieuw signaal")
    workflow.check_reopen("afgesloten", "monitoring", reason="nieuw signaal")


def test_allowed_transitions_offer_closing_only_where_it_is_allowed():
    closes = {
        phase
        for phase in workflow.PHASES
        if any(t.closes for t in workflow.allowed_transitions(phase))
    }
    assert closes == {"weging", "analyse", "integraal_overleg", "evaluatie"}
    assert workflow.allowed_transitions("afgesloten") == []


# --- Through the services --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_case_goes_through_every_phase_and_closes_with_retention(make_user):
    coordinator = make_user("coordinator")
    case = make_case(coordinator, lead=coordinator)
    case = walk_to(case, CasePhase.CLOSED, coordinator)
    assert case.status == "afgesloten"
    assert [c.to_status for c in case.status_changes.all()] == list(workflow.PHASES)
    assert case.result_type == result(case)
    assert case.archive_action == "vernietigen"
    assert case.closed_on is not None
    assert case.archive_on == case.closed_on.replace(year=case.closed_on.year + 5)
    # The standard tasks were made as the case entered each phase; closing lets open ones lapse.
    assert set(case.tasks.values_list("status", flat=True)) == {TaskStatus.CANCELLED}
    assert case.tasks.filter(template_code="evaluatie").exists()
    updates = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
    assert updates.filter(action="update", detail__status__to="afgesloten").exists()


@pytest.mark.django_db
def test_invalid_transition_changes_nothing(make_user):
    user = make_user("coordinator")
    case = make_case(user)
    with pytest.raises(TransitionError):
        services.transition_case(acting_user=user, case=case, to_status="uitvoering")
    case.refresh_from_db()
    assert case.status == "intake"
    assert case.status_changes.count() == 1


@pytest.mark.django_db
def test_closing_needs_a_result_type_of_the_case_type(make_user):
    user = make_user("coordinator")
    case = walk_to(make_case(user), CasePhase.EVALUATION, user)
    other_type = make_case(user, code="ernstige-benadeling")
    with pytest.raises(TransitionError, match="Kies een resultaat"):
        services.transition_case(
            acting_user=user, case=case, to_status="afgesloten", result_type=result(other_type)
        )


@pytest.mark.django_db
def test_running_interventions_block_closing(make_user):
    user = make_user("coordinator")
    case = make_case(user)
    case = services.transition_case(acting_user=user, case=case, to_status="weging")
    partner = organisation("Gemeente Utrecht")
    add_partner(case, partner)
    add_intervention(case, partner, status="lopend")
    with pytest.raises(TransitionError, match="gepland of lopend"):
        services.transition_case(
            acting_user=user,
            case=case,
            to_status="afgesloten",
            reason="Geen casus",
            result_type=result(case, "niet-in-behandeling"),
        )


@pytest.mark.django_db
def test_reopening_is_explicit_and_clears_the_result(make_user):
    user = make_user("coordinator")
    case = make_case(user)
    case = services.transition_case(acting_user=user, case=case, to_status="weging")
    case = services.transition_case(
        acting_user=user,
        case=case,
        to_status="afgesloten",
        reason="Geen aanwijzingen",
        result_type=result(case, "niet-in-behandeling"),
    )
    with pytest.raises(TransitionError):
        services.transition_case(acting_user=user, case=case, to_status="analyse", reason="x")
    case = services.reopen_case(
        acting_user=user, case=case, to_status="analyse", reason="Nieuw signaal van de NLA"
    )
    assert case.status == "analyse"
    assert case.result_type is None
    assert case.closed_on is None
    assert case.archive_on is None
    last = case.status_changes.last()
    assert last is not None
    assert last.is_reopening
    assert last.reason == "Nieuw signaal van de NLA"
    assert AuditEntry.objects.filter(
        object_type="cases.case", object_id=str(case.pk), detail__reopened=True
    ).exists()
    # Going back into analysis does not duplicate its standard tasks.
    assert case.tasks.filter(template_code="analyse-opstellen").count() == 1


@pytest.mark.django_db
def test_history_cannot_be_edited_or_deleted(make_user):
    case = make_case(make_user("coordinator"))
    change = case.status_changes.get()
    change.reason = "anders"
    with pytest.raises(PermissionError):
        change.save()
    with pytest.raises(PermissionError):
        change.delete()
    with pytest.raises(PermissionError):
        CaseStatusChange.objects.filter(case=case).update(reason="anders")
    with pytest.raises(PermissionError):
        CaseStatusChange.objects.filter(case=case).delete()


@pytest.mark.django_db
def test_the_database_refuses_edits_of_history(make_user):
    case = make_case(make_user("coordinator"))
    change = case.status_changes.get()
    table = CaseStatusChange._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = 'anders' WHERE id = %s", [change.pk])  # noqa: S608
    change.refresh_from_db()
    assert change.reason != "anders"


@pytest.mark.django_db
def test_a_whole_case_can_still_be_destroyed_with_its_history(make_user):
    # Retention destroys cases; the cascade removes history without going through the model.
    case = make_case(make_user("coordinator"))
    case_id = case.pk
    CaseTask.objects.filter(case=case).delete()
    case.delete()
    assert not CaseStatusChange.objects.filter(case_id=case_id).exists()
