"""The lifecycle of a phenomenon-picture report, in one place.

concept → definitief → (heropend) concept …; concept or definitief → ingetrokken (final).

- Only a draft (concept) takes new versions of its text.
- Making a report final (vaststellen) needs a summary; its figures are frozen then.
- Reopening a final report and withdrawing a report need a reason. A withdrawn report
  stays readable with its history, but takes no new versions and is not exported.

All transitions need ``insight.edit_report``. The workflow only decides; ``services``
applies the change and records it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from zicht.insight.models import ReportStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.FINAL, S.WITHDRAWN}),
    S.FINAL: frozenset({S.DRAFT, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset(),
}
NEEDS_REASON: frozenset[tuple[str, str]] = frozenset(
    {(S.FINAL, S.DRAFT), (S.DRAFT, S.WITHDRAWN), (S.FINAL, S.WITHDRAWN)}
)
EXPORTABLE = frozenset({S.DRAFT, S.FINAL})


class TransitionError(Exception):
    """A transition the lifecycle does not allow; the message is for the user."""


@dataclass(frozen=True)
class Transition:
    to_status: str
    label: str
    needs_reason: bool


def label(status: str) -> str:
    return str(S(status).label)


def _action_label(target: str) -> str:
    if target == S.FINAL:
        return _("Vaststellen als definitief")
    if target == S.DRAFT:
        return _("Heropenen als concept")
    return _("Intrekken")


def available(current: str) -> list[Transition]:
    """The transitions from ``current``, in a fixed order (for buttons)."""
    order = (S.FINAL, S.DRAFT, S.WITHDRAWN)
    return [
        Transition(target, _action_label(target), (current, target) in NEEDS_REASON)
        for target in order
        if target in TRANSITIONS.get(current, frozenset())
    ]


def check(current: str, target: str, *, reason: str, summary: str) -> None:
    """Raise :class:`TransitionError` unless ``current`` → ``target`` is allowed now."""
    if target not in S.values:
        raise TransitionError(_("Onbekende status."))
    if target not in TRANSITIONS.get(current, frozenset()):
        raise TransitionError(
            _("Een fenomeenbeeld met status ‘%(current)s’ kan niet naar ‘%(target)s’.")
            % {"current": label(current), "target": label(target)}
        )
    if (current, target) in NEEDS_REASON and not reason.strip():
        raise TransitionError(_("Geef een reden op."))
    if target == S.FINAL and not summary.strip():
        raise TransitionError(
            _("Schrijf eerst een samenvatting: een definitief fenomeenbeeld heeft er een.")
        )


def may_edit(status: str) -> bool:
    return status == S.DRAFT
