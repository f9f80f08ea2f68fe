"""Demo cases: part of the register's signals become cases in every phase (demo only).

``generate_demo_cases(region=..., seed=..., fraction=...)`` takes the signals that are in
weging or monitoring, groups a ``fraction`` of them into cases (signals that share an entity
end up in the same case), and walks each case through the services to a phase drawn so that
every phase occurs: partners, an integrated meeting, interventions that start and end, tasks
of which the old ones are done, and a result for the closed ones. Histories are backdated
between the signals' dates and today, so the phase figures and the timeline look like real
work. The same register and seed give the same cases; running it again adds nothing.

Everything goes through :mod:`zicht.cases.services`, so the demo also shows the audit trail
and the notifications that real work would leave.
"""

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from zicht.accounts.models import Organisation, OrganisationType, User
from zicht.cases import services, workflow
from zicht.cases.forms import bureau_users
from zicht.cases.models import (
    Case,
    CasePhase,
    CaseResultType,
    CaseRoleType,
    CaseStatusType,
    CaseType,
    InterventionStatus,
    InterventionType,
    RoleKind,
    TaskStatus,
)
from zicht.core.instance import own_region
from zicht.register.models import Signal, SignalEntity, SignalStatus

CHANNEL = "demo"
# How often a case ends in each phase, after each phase has had one case.
PHASE_WEIGHTS = {
    CasePhase.INTAKE: 6,
    CasePhase.WEIGHING: 9,
    CasePhase.ANALYSIS: 14,
    CasePhase.MEETING: 8,
    CasePhase.PLAN: 8,
    CasePhase.EXECUTION: 16,
    CasePhase.MONITORING: 14,
    CasePhase.EVALUATION: 6,
    CasePhase.CLOSED: 19,
}
FORM_TO_CASE_TYPE = {
    "arbeid": "mensenhandel-arbeid",
    "seksueel": "mensenhandel-seksueel",
    "crimineel": "mensenhandel-crimineel",
    "benadeling": "ernstige-benadeling",
}
# Interventions a case type typically gets, in order of preference.
INTERVENTIONS = {
    "mensenhandel-arbeid": ["inspectie", "bibob-advies", "boekenonderzoek", "aangifte"],
    "mensenhandel-seksueel": [
        "sluiting-pand",
        "intrekken-vergunning",
        "opsporingsonderzoek",
        "doorverwijzing-zorgcoordinator",
    ],
    "mensenhandel-crimineel": [
        "aangifte",
        "opsporingsonderzoek",
        "doorverwijzing-zorgcoordinator",
        "aanmelding-comensha",
    ],
    "ernstige-benadeling": ["inspectie", "boete-arbeidsinspectie", "last-onder-dwangsom"],
}
# Partner organisation types a case type invites, besides a municipality.
PARTNER_TYPES = {
    "mensenhandel-arbeid": [OrganisationType.NLA, OrganisationType.BELASTINGDIENST],
    "mensenhandel-seksueel": [OrganisationType.POLITIE, OrganisationType.OM, OrganisationType.ZORG],
    "mensenhandel-crimineel": [
        OrganisationType.POLITIE,
        OrganisationType.OM,
        OrganisationType.ZORG,
    ],
    "ernstige-benadeling": [OrganisationType.NLA],
}
RESULT_WEIGHTS = {"interventies-uitgevoerd": 6, "overgedragen": 2, "geen-interventie": 2}
DECISIONS = {
    "inspectie": "De Arbeidsinspectie inspecteert de werkplek en de huisvesting.",
    "bibob-advies": "De gemeente vraagt een Bibob-advies bij de vergunningaanvraag.",
    "boekenonderzoek": "De Belastingdienst start een boekenonderzoek.",
    "aangifte": "Er wordt aangifte gedaan van mensenhandel.",
    "sluiting-pand": "De burgemeester bereidt de sluiting van het pand voor.",
    "intrekken-vergunning": "De gemeente onderzoekt het intrekken van de exploitatievergunning.",
    "opsporingsonderzoek": "De politie start onder gezag van het OM een opsporingsonderzoek.",
    "doorverwijzing-zorgcoordinator": "Slachtoffers worden naar de zorgcoördinator verwezen.",
    "aanmelding-comensha": "Vermoedelijke slachtoffers worden bij CoMensha aangemeld.",
    "boete-arbeidsinspectie": "De Arbeidsinspectie legt een boete op na de inspectie.",
    "last-onder-dwangsom": "De gemeente legt een last onder dwangsom op.",
}
OUTCOMES = (
    "Overtredingen vastgesteld; opgevolgd door de partner.",
    "Geen overtreding aangetroffen.",
    "Uitgevoerd; situatie ter plaatse verbeterd.",
    "Overgedragen aan het OM.",
)
TITLES = {
    "mensenhandel-arbeid": "Arbeidsmigranten {place}",
    "mensenhandel-seksueel": "Signalen seksuele uitbuiting {place}",
    "mensenhandel-crimineel": "Criminele uitbuiting jongeren {place}",
    "ernstige-benadeling": "Benadeling werknemers {place}",
}
# Cases whose phase is "afgesloten" that close early: the weighing was negative.
EARLY_CLOSE_SHARE = 0.15


@dataclass
class DemoCasesResult:
    cases_created: int = 0
    signals_used: int = 0
    already_there: bool = False
    phases: Counter[str] = field(default_factory=Counter)
    interventions: int = 0
    meetings: int = 0
    tasks: int = 0


Report = Callable[[str], object]


def _group_signals(signals: list[Signal], target: int, rng: random.Random) -> list[list[Signal]]:
    """Groups of 1-4 signals; signals that share an entity are grouped first."""
    by_id = {s.pk: s for s in signals}
    entity_signals: dict[int, list[int]] = {}
    signal_entities: dict[int, list[int]] = {}
    for signal_id, entity_id in (
        SignalEntity.objects.filter(signal_id__in=by_id)
        .order_by("signal_id", "entity_id")
        .values_list("signal_id", "entity_id")
    ):
        entity_signals.setdefault(entity_id, []).append(signal_id)
        signal_entities.setdefault(signal_id, []).append(entity_id)
    order = list(by_id)
    rng.shuffle(order)
    used: set[int] = set()
    groups = []
    for seed_id in order:
        if len(used) >= target:
            break
        if seed_id in used:
            continue
        group = [seed_id]
        used.add(seed_id)
        wanted = rng.choice((0, 0, 1, 1, 2, 3))
        related = sorted(
            {
                other
                for entity in signal_entities.get(seed_id, [])
                for other in entity_signals[entity]
                if other not in used
            }
        )
        for other in related[:wanted]:
            group.append(other)
            used.add(other)
        groups.append([by_id[i] for i in group])
    return groups


def _case_type_for(signals: list[Signal], types: dict[str, CaseType]) -> CaseType:
    forms = [f.code for s in signals for f in s.forms.all()]
    for form in ("seksueel", "crimineel", "arbeid", "benadeling"):
        if form in forms and FORM_TO_CASE_TYPE[form] in types:
            return types[FORM_TO_CASE_TYPE[form]]
    return types.get("mensenhandel-arbeid") or next(iter(types.values()))


def _phase_plan(count: int, rng: random.Random) -> list[str]:
    phases = list(workflow.PHASES)
    plan = phases[:count]
    weights = [PHASE_WEIGHTS[CasePhase(p)] for p in phases]
    plan += rng.choices(phases, weights=weights, k=max(0, count - len(phases)))
    rng.shuffle(plan)
    return plan


class _Walker:
    """Drives one case through the services with backdated moments."""

    def __init__(
        self,
        rng: random.Random,
        lead: User | None,
        organisations: dict[str, list[Organisation]],
        home: Organisation | None,
        result: DemoCasesResult,
    ) -> None:
        self.rng = rng
        self.lead = lead
        self.organisations = organisations
        self.home = home
        self.result = result

    def _pick(self, org_type: str, prefer: str = "") -> Organisation | None:
        candidates = self.organisations.get(org_type, [])
        if not candidates:
            return None
        preferred = [o for o in candidates if prefer and prefer in o.name]
        if preferred and self.rng.random() < 0.6:
            return preferred[0]
        return self.rng.choice(candidates)

    def _partners(self, case: Case, signals: list[Signal], at: datetime) -> list[Organisation]:
        roles = {
            r.code: r
            for r in CaseRoleType.objects.filter(case_type=case.case_type, kind=RoleKind.PARTNER)
        }
        chosen: list[tuple[Organisation, str]] = []
        reporter = signals[0].reporting_organisation
        if reporter.type not in (OrganisationType.RIEC, OrganisationType.LIEC):
            chosen.append((reporter, "initiator"))
        if self.home is not None:
            chosen.append((self.home, "behandelaar"))
        municipality = self._pick(OrganisationType.GEMEENTE, prefer="(demo)")
        if municipality is not None:
            chosen.append((municipality, "behandelaar"))
        for org_type in PARTNER_TYPES.get(case.case_type.code, []):
            org = self._pick(org_type, prefer=" – ")
            if org is not None and self.rng.random() < 0.8:
                chosen.append(
                    (org, "adviseur" if org_type == OrganisationType.ZORG else "behandelaar")
                )
        added = []
        for org, role_code in chosen:
            if org in added:
                continue
            services.add_participant(
                acting_user=self.lead,
                case=case,
                organisation=org,
                role_type=roles[role_code],
                occurred_at=at,
            )
            added.append(org)
        return added

    def _finish_tasks(self, case: Case, at: datetime) -> None:
        for task in case.tasks.filter(status=TaskStatus.OPEN):
            services.set_task_status(
                acting_user=self.lead, task=task, status=TaskStatus.DONE, occurred_at=at
            )

    def walk(
        self, case: Case, signals: list[Signal], target: str, start: datetime, end: datetime
    ) -> Case:
        rng = self.rng
        norms = {
            s.phase: s.target_days or 30
            for s in CaseStatusType.objects.filter(case_type=case.case_type)
        }
        early_close = target == CasePhase.CLOSED and rng.random() < EARLY_CLOSE_SHARE
        path = list(workflow.PHASES[: workflow.phase_index(target) + 1])
        if early_close:
            path = [CasePhase.INTAKE, CasePhase.WEIGHING, CasePhase.CLOSED]
        durations = [norms.get(p, 30) * rng.uniform(0.4, 1.4) for p in path[:-1]]
        available = max(0.0, (end - start).total_seconds() / 86400 - 0.5)
        scale = min(1.0, available / sum(durations)) if durations and sum(durations) else 1.0
        moments = [start]
        for days in durations:
            moments.append(moments[-1] + timedelta(days=days * scale))
        moments = self._office_hours(moments, end)
        partners = self._partners(case, signals, start + timedelta(minutes=30))
        for phase, at, nxt_at in zip(path[1:], moments[:-1], moments[1:], strict=True):
            current = case.status
            # What a case needs before it can leave its current phase.
            if current == CasePhase.MEETING:
                self._meeting(case, partners, at, nxt_at)
            if current == CasePhase.PLAN:
                self._plan(case, partners, nxt_at)
            if current == CasePhase.EXECUTION:
                self._progress(case, nxt_at, finish_share=0.5)
            if phase == CasePhase.CLOSED:
                self._progress(case, nxt_at, finish_share=1.0)
            self._finish_tasks(case, nxt_at - timedelta(hours=1))
            case = self._transition(case, phase, nxt_at, early_close)
        if case.status == CasePhase.EXECUTION:
            self._add_partner_task(case, partners, moments[-1])
        self.result.phases[case.status] += 1
        return case

    def _office_hours(self, moments: list[datetime], end: datetime) -> list[datetime]:
        """Move each step (not the start) to working hours on its day, keeping the order."""
        result = moments[:1]
        for moment in moments[1:]:
            local = timezone.localtime(moment)
            snapped = local.replace(
                hour=self.rng.randint(8, 17),
                minute=self.rng.randint(0, 59),
                second=0,
                microsecond=0,
            )
            if snapped <= result[-1]:
                snapped = result[-1] + timedelta(minutes=self.rng.randint(5, 90))
            result.append(min(snapped, max(end - timedelta(minutes=1), result[-1])))
        return result

    def _transition(self, case: Case, phase: str, at: datetime, early: bool) -> Case:
        if phase != CasePhase.CLOSED:
            return services.transition_case(
                acting_user=self.lead, case=case, to_status=phase, occurred_at=at
            )
        results = {r.code: r for r in CaseResultType.objects.filter(case_type=case.case_type)}
        if early:
            code = "niet-in-behandeling"
            reason = "Weging negatief: geen aanwijzingen voor uitbuiting."
        else:
            code = self.rng.choices(list(RESULT_WEIGHTS), weights=list(RESULT_WEIGHTS.values()))[0]
            reason = "Evaluatie afgerond met de partners."
        return services.transition_case(
            acting_user=self.lead,
            case=case,
            to_status=CasePhase.CLOSED,
            reason=reason,
            result_type=results[code],
            occurred_at=at,
        )

    def _meeting(
        self, case: Case, partners: list[Organisation], start: datetime, end: datetime
    ) -> None:
        held = start + (end - start) * self.rng.uniform(0.3, 0.9)
        codes = INTERVENTIONS.get(case.case_type.code, [])
        decisions = [DECISIONS[c] for c in codes[:2] if c in DECISIONS]
        services.record_meeting(
            acting_user=self.lead,
            case=case,
            held_on=timezone.localdate(held),
            attendees=partners or ([self.home] if self.home else []),
            decisions="\n".join(decisions) or "Casus besproken; aanpak volgt.",
            actions="Plan van aanpak opstellen\nPartners leveren informatie aan",
            occurred_at=held,
        )
        self.result.meetings += 1

    def _plan(self, case: Case, partners: list[Organisation], at: datetime) -> None:
        types = {t.code: t for t in InterventionType.objects.filter(is_active=True)}
        wanted = INTERVENTIONS.get(case.case_type.code, [])
        count = self.rng.randint(1, 3)
        added = 0
        for code in wanted:
            kind = types.get(code)
            if kind is None or added >= count:
                continue
            allowed = set(kind.organisation_types.split(";"))
            responsible = [p for p in partners if p.type in allowed]
            if not responsible:
                continue
            services.add_intervention(
                acting_user=self.lead,
                case=case,
                data=services.InterventionInput(
                    type=kind,
                    responsible=responsible[0],
                    planned_on=timezone.localdate(at) + timedelta(days=self.rng.randint(7, 30)),
                ),
                occurred_at=at - timedelta(hours=3),
            )
            added += 1
            self.result.interventions += 1
        if not added and partners:
            # Every case type can fall back on referring victims to care.
            kind = types["doorverwijzing-zorgcoordinator"]
            allowed = set(kind.organisation_types.split(";"))
            responsible = [p for p in partners if p.type in allowed] or partners[:1]
            if responsible[0].type not in allowed:
                return
            services.add_intervention(
                acting_user=self.lead,
                case=case,
                data=services.InterventionInput(type=kind, responsible=responsible[0]),
                occurred_at=at - timedelta(hours=3),
            )
            self.result.interventions += 1

    def _progress(self, case: Case, at: datetime, *, finish_share: float) -> None:
        day = timezone.localdate(at)
        for intervention in case.interventions.filter(
            status__in=[InterventionStatus.PLANNED, InterventionStatus.RUNNING]
        ):
            started = intervention.started_on or day - timedelta(days=self.rng.randint(1, 20))
            started = max(started, timezone.localdate(intervention.created_at))
            finish = self.rng.random() < finish_share
            status = InterventionStatus.RUNNING
            if finish:
                status = (
                    InterventionStatus.STOPPED
                    if self.rng.random() < 0.1
                    else InterventionStatus.DONE
                )
            services.update_intervention(
                acting_user=self.lead,
                intervention=intervention,
                data=services.InterventionInput(
                    type=intervention.type,
                    responsible=intervention.responsible,
                    status=status,
                    planned_on=intervention.planned_on,
                    started_on=min(started, day),
                    ended_on=day if finish else None,
                    outcome=self.rng.choice(OUTCOMES) if finish else "",
                ),
                occurred_at=at,
            )

    def _add_partner_task(self, case: Case, partners: list[Organisation], at: datetime) -> None:
        # A task for a partner user, so a demo partner login has work (and a notification).
        members = User.objects.filter(
            organisation__in=partners, is_active=True, roles__code="partner"
        ).order_by("username")
        assignee = members.first()
        if assignee is None:
            return
        services.add_task(
            acting_user=self.lead,
            case=case,
            title="Terugkoppeling geven over de uitvoering",
            assignee=assignee,
            due_on=timezone.localdate(at) + timedelta(days=self.rng.randint(-5, 14)),
            occurred_at=at,
        )


def generate_demo_cases(
    *, region: str, seed: int, fraction: float, report: Report | None = None
) -> DemoCasesResult:
    """Turn ``fraction`` of the signals in weging or monitoring into demo cases."""
    say = report or (lambda _message: None)
    if region != own_region().code:
        raise ValueError(f"this node is {own_region().code}; it holds no cases for {region}")
    if not 0 < fraction <= 1:
        raise ValueError("fraction must lie between 0 (exclusive) and 1")
    result = DemoCasesResult()
    if Case.objects.filter(channel=CHANNEL).exists():
        result.already_there = True
        return result
    rng = random.Random(f"{region}:{seed}:cases")  # noqa: S311 - synthetic data, not secrets
    candidates = list(
        Signal.objects.filter(status__in=[SignalStatus.IN_ASSESSMENT, SignalStatus.MONITORING])
        .select_related("reporting_organisation", "municipality")
        .prefetch_related("forms")
        .order_by("id")
    )
    target = round(len(candidates) * fraction)
    groups = _group_signals(candidates, target, rng)
    plan = _phase_plan(len(groups), rng)
    types = {t.code: t for t in CaseType.objects.filter(is_active=True)}
    organisations: dict[str, list[Organisation]] = {}
    for org in Organisation.objects.filter(is_active=True).order_by("name"):
        organisations.setdefault(org.type, []).append(org)
    home = Organisation.objects.filter(name=f"RIEC {own_region().name}").first()
    bureau = list(bureau_users().filter(roles__code="coordinator")) or list(bureau_users())
    lead = bureau[0] if bureau else None
    walker = _Walker(rng, lead, organisations, home, result)
    now = timezone.now()
    say(f"  {len(groups)} cases from {sum(len(g) for g in groups)} of {len(candidates)} signals")
    for number, (signals, phase) in enumerate(zip(groups, plan, strict=True), start=1):
        case_type = _case_type_for(signals, types)
        latest = max(s.received_on for s in signals)
        start = timezone.make_aware(
            datetime.combine(latest + timedelta(days=rng.randint(2, 20)), datetime.min.time())
        ) + timedelta(hours=rng.randint(8, 16))
        start = min(start, now - timedelta(hours=1))
        with transaction.atomic():
            case = services.create_case(
                acting_user=lead,
                case_type=case_type,
                title=TITLES[case_type.code].format(place=signals[0].municipality.name)
                if case_type.code in TITLES
                else case_type.name_nl,
                signals=signals,
                lead=lead,
                channel=CHANNEL,
                occurred_at=start,
            )
            walker.walk(case, signals, phase, start, now)
        result.cases_created += 1
        result.signals_used += len(signals)
        if number % 25 == 0:
            say(f"  {number} cases")
    result.tasks = sum(c.tasks.count() for c in Case.objects.filter(channel=CHANNEL))
    return result
