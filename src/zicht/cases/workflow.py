"""The lifecycle of a case, in one place.

intake → weging → analyse → integraal overleg → plan van aanpak → uitvoering → monitoring →
evaluatie → afgesloten

- Forward one phase at a time. A few steps back are allowed with a reason (new facts during
  analysis, a plan that needs another meeting, monitoring that shows the problem is back).
- A case may close early from weging, analyse or integraal overleg (with a reason), and
  normally from evaluatie. Closing always needs a result type of the case's type.
- Guards on facts: the plan of action comes out of a recorded integrated meeting; execution
  needs at least one intervention; a case does not close while interventions are planned or
  running (their outcome is part of the dossier).
- Reopening a closed case is a separate, explicit transition with a reason, to analyse,
  uitvoering or monitoring.

Closing and reopening need ``cases.manage_case`` (the coordinator); other moves
``cases.work_case``. The workflow only decides; ``services`` applies and records the change.
"""

import itertools
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zicht.cases.models import CasePhase as P

PHASES: tuple[str, ...] = tuple(P.values)

FORWARD: dict[str, str] = dict(itertools.pairwise(PHASES))
BACKWARD: dict[str, frozenset[str]] = {
    P.ANALYSIS: frozenset({P.WEIGHING}),
    P.MEETING: frozenset({P.ANALYSIS}),
    P.PLAN: frozenset({P.MEETING}),
    P.EXECUTION: frozenset({P.PLAN}),
    P.MONITORING: frozenset({P.EXECUTION}),
    P.EVALUATION: frozenset({P.EXECUTION, P.MONITORING}),
}
EARLY_CLOSE = frozenset({P.WEIGHING, P.ANALYSIS, P.MEETING})
REOPEN_TARGETS: tuple[str, ...] = (P.ANALYSIS, P.EXECUTION, P.MONITORING)


def _targets(current: str) -> list[str]:
    targets = []
    if current in FORWARD:
        targets.append(FORWARD[current])
    targets += sorted(BACKWARD.get(current, frozenset()), key=PHASES.index)
    if current in EARLY_CLOSE:
        targets.append(P.CLOSED)
    return targets


TRANSITIONS: dict[str, frozenset[str]] = {phase: frozenset(_targets(phase)) for phase in PHASES}


class TransitionError(Exception):
    """A transition the lifecycle does not allow; the message is for the user."""


@dataclass(frozen=True)
class CaseFacts:
    """What the guards need to know about a case; the services count it from the database."""

    meetings: int = 0
    interventions: int = 0
    open_interventions: int = 0


@dataclass(frozen=True)
class Transition:
    to_status: str
    label: str
    needs_reason: bool
    closes: bool
    backward: bool


def label(phase: str) -> str:
    return str(P(phase).label)


def needs_reason(current: str, target: str) -> bool:
    backward = target in BACKWARD.get(current, frozenset())
    early_close = target == P.CLOSED and current in EARLY_CLOSE
    return backward or early_close


def needs_manager(target: str) -> bool:
    return target == P.CLOSED


def allowed_transitions(current: str) -> list[Transition]:
    return [
        Transition(
            target,
            label(target),
            needs_reason(current, target),
            target == P.CLOSED,
            target in BACKWARD.get(current, frozenset()),
        )
        for target in _targets(current)
    ]


def check_transition(
    current: str, target: str, *, reason: str, facts: CaseFacts, has_result: bool
) -> None:
    """Raise TransitionError with a Dutch message when ``current`` → ``target`` is refused."""
    if target not in PHASES:
        raise TransitionError(_("Onbekende fase: %(s)s.") % {"s": target})
    if current == P.CLOSED:
        raise TransitionError(
            _("Deze casus is afgesloten. Heropen de casus om er verder aan te werken.")
        )
    if target not in TRANSITIONS[current]:
        raise TransitionError(
            _("Een casus in de fase ‘%(from)s’ kan niet naar ‘%(to)s’.")
            % {"from": label(current), "to": label(target)}
        )
    if needs_reason(current, target) and not reason.strip():
        raise TransitionError(
            _("Geef een reden op om van ‘%(from)s’ naar ‘%(to)s’ te gaan.")
            % {"from": label(current), "to": label(target)}
        )
    if current == P.MEETING and target == P.PLAN and facts.meetings == 0:
        raise TransitionError(
            _("Leg eerst het integraal overleg vast; het plan van aanpak volgt daaruit.")
        )
    if target == P.EXECUTION and current == P.PLAN and facts.interventions == 0:
        raise TransitionError(_("Voeg eerst minstens één interventie toe aan het plan van aanpak."))
    if target == P.CLOSED:
        if not has_result:
            raise TransitionError(_("Kies een resultaat om de casus af te sluiten."))
        if facts.open_interventions:
            raise TransitionError(
                ngettext(
                    "Er is nog %(n)d interventie gepland of lopend. Leg eerst de uitkomst vast "
                    "of zet haar op ‘gestopt’.",
                    "Er zijn nog %(n)d interventies gepland of lopend. Leg eerst hun uitkomst "
                    "vast of zet ze op ‘gestopt’.",
                    facts.open_interventions,
                )
                % {"n": facts.open_interventions}
            )


def check_reopen(current: str, target: str, *, reason: str) -> None:
    if current != P.CLOSED:
        raise TransitionError(_("Alleen een afgesloten casus kan worden heropend."))
    if target not in REOPEN_TARGETS:
        raise TransitionError(
            _("Een heropende casus gaat naar %(phases)s.")
            % {"phases": ", ".join(f"‘{label(p)}’" for p in REOPEN_TARGETS)}
        )
    if not reason.strip():
        raise TransitionError(_("Geef een reden op om de casus te heropenen."))


def phase_index(phase: str) -> int:
    return PHASES.index(phase)
