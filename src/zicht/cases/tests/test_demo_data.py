"""Demo cases: every phase occurs, with partners, meetings, interventions and tasks."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zicht.accounts.models import OrganisationType
from zicht.accounts.tests.factories import UserFactory
from zicht.audit.services import verify_chain
from zicht.cases import workflow
from zicht.cases.demo_data import generate_demo_cases
from zicht.cases.models import Case, CasePhase
from zicht.cases.tests.factories import assessed_signal, organisation
from zicht.register import services as register_services
from zicht.register.tests.factories import make_entity

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    """Signals in weging, some sharing an employer; the demo's organisations and users."""
    riec = organisation("RIEC Midden-Nederland", OrganisationType.RIEC)
    gemeente = organisation("Gemeente (demo) Midden-Nederland")
    inspectie = organisation(
        "Nederlandse Arbeidsinspectie – Midden-Nederland", OrganisationType.NLA
    )
    organisation("Politie Midden-Nederland", OrganisationType.POLITIE)
    organisation("Belastingdienst", OrganisationType.BELASTINGDIENST)
    UserFactory(username="coordinator", roles=["coordinator"], organisation=riec)
    UserFactory(username="gemeente", roles=["partner"], organisation=gemeente)
    UserFactory(username="inspectie", roles=["partner"], organisation=inspectie)
    employers = [
        make_entity("company", name=f"Uitzendbureau {i}", kvk=f"1234567{i}") for i in range(4)
    ]
    forms = ["arbeid", "seksueel", "crimineel", "benadeling"]
    for i in range(36):
        assessed_signal(
            reporting_organisation=gemeente if i % 2 else inspectie,
            form_codes=[forms[i % 4]],
            entities=[
                register_services.EntityInput(role="werkgever", existing_id=employers[i % 4].pk)
            ],
        )


def test_demo_cases_cover_every_phase(register):
    result = generate_demo_cases(region="midden-nederland", seed=7, fraction=0.75)
    assert result.cases_created >= len(workflow.PHASES)
    assert set(result.phases) == set(workflow.PHASES)
    cases = Case.objects.filter(channel="demo")
    assert cases.count() == result.cases_created
    for case in cases:
        index = workflow.phase_index(case.status)
        assert case.signal_links.exists()
        assert case.subjects.exists()
        assert case.participants.exists()
        assert case.lead is not None
        assert case.lead.username == "coordinator"
        history = list(case.status_changes.values_list("changed_at", flat=True))
        assert history == sorted(history)
        if case.status == CasePhase.CLOSED:
            assert case.result_type is not None
            assert case.archive_on is not None
            assert not case.tasks.filter(status__in=["open", "in_behandeling"]).exists()
        elif index > workflow.phase_index(CasePhase.MEETING):
            assert case.meetings.exists()
        if workflow.PHASES.index(CasePhase.EXECUTION) <= index < len(workflow.PHASES) - 1:
            assert case.interventions.exists()
    assert any(c.case_type.code == "mensenhandel-seksueel" for c in cases)
    histories = [list(c.status_changes.values_list("changed_at", flat=True)) for c in cases]
    assert any(h[0] < h[-1] for h in histories)  # backdated: phases took time
    # Partners take part, so their demo logins see cases.
    assert cases.filter(participants__organisation__name__startswith="Gemeente (demo)").exists()
    assert verify_chain() is None
    # Running again adds nothing.
    again = generate_demo_cases(region="midden-nederland", seed=7, fraction=0.75)
    assert again.already_there
    assert again.cases_created == 0
    assert Case.objects.count() == result.cases_created


def test_demo_cases_refuse_another_region(register):
    with pytest.raises(ValueError, match="midden-nederland"):
        generate_demo_cases(region="limburg", seed=1, fraction=0.5)


def test_the_command(register, capsys):
    call_command("generate_demo_cases", "--seed", "3", "--fraction", "0.3")
    assert "Demo cases for midden-nederland" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("generate_demo_cases", "--fraction", "2")


def test_the_command_is_refused_in_production(settings):
    settings.ZICHT_DEPLOYMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("generate_demo_cases")
