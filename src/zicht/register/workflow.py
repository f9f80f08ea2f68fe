"""The lifecycle of a signal, in one place.

ontvangen → in weging → afgewezen (reason required) | doorgezet naar casus | monitoring
monitoring → gesloten (or doorgezet when monitoring shows it needs a case)
afgewezen / doorgezet → gesloten

The workflow only decides; ``services.transition_signal`` applies and records the change.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from zicht.register.models import SignalStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.IN_ASSESSMENT}),
    S.IN_ASSESSMENT: frozenset({S.REJECTED, S.TO_CASE, S.MONITORING}),
    S.MONITORING: frozenset({S.CLOSED, S.TO_CASE}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.TO_CASE: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

REASON_REQUIRED = frozenset({S.REJECTED})
TERMINAL = frozenset({S.CLOSED})


class TransitionError(Exception):
    """A transition that the lifecycle does not allow; the message is for the user."""


@dataclass(frozen=True)
class Transition:
    to_status: str
    label: str
    needs_reason: bool


def allowed_transitions(current: str) -> list[Transition]:
    return [
        Transition(target, str(S(target).label), target in REASON_REQUIRED)
        for target in sorted(TRANSITIONS[current], key=list(S.values).index)
    ]


def check_transition(current: str, target: str, reason: str) -> None:
    if target not in S.values:
        raise TransitionError(_("Onbekende status: %(s)s.") % {"s": target})
    if target not in TRANSITIONS[current]:
        raise TransitionError(
            _("Een signaal met status ‘%(from)s’ kan niet naar ‘%(to)s’.")
            % {"from": S(current).label, "to": S(target).label}
        )
    if target in REASON_REQUIRED and not reason.strip():
        raise TransitionError(_("Geef een reden op om het signaal af te wijzen."))
