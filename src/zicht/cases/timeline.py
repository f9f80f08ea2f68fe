"""The timeline of a case: signals, phase changes, interventions, tasks and meetings in order.

Built from the rows themselves rather than from a separate event table, so it can never
disagree with them. Days without a time (a signal's date of receipt, a meeting's date) sort
at the start of their day. Documents are not on the timeline: partners may not know that an
unshared document exists.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from zicht.cases import workflow
from zicht.cases.models import Case, CaseStatusChange, InterventionStatus, TaskStatus

KINDS = ("signaal", "fase", "interventie", "taak", "overleg")


@dataclass(frozen=True)
class Entry:
    when: datetime
    date_only: bool
    kind: str  # one of KINDS
    title: str
    detail: str = ""


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def sort_entries(entries: list[Entry]) -> list[Entry]:
    # Stable: entries at the same moment keep the order in which they were added.
    return sorted(entries, key=lambda e: e.when)


def _status_entry(change: CaseStatusChange) -> Entry:
    who = (
        (change.changed_by.get_full_name() or change.changed_by.username)
        if change.changed_by
        else ""
    )
    if not change.from_status:
        title = _("Casus aangemaakt (fase ‘%(to)s’)") % {"to": workflow.label(change.to_status)}
    elif change.is_reopening:
        title = _("Heropend: naar ‘%(to)s’") % {"to": workflow.label(change.to_status)}
    else:
        title = _("Fase ‘%(from)s’ → ‘%(to)s’") % {
            "from": workflow.label(change.from_status),
            "to": workflow.label(change.to_status),
        }
    parts = [p for p in (change.reason, who) if p]
    if change.result_type is not None:
        parts.insert(0, _("resultaat: %(r)s") % {"r": change.result_type.name})
    return Entry(change.changed_at, False, "fase", title, " · ".join(parts))


def build(case: Case) -> list[Entry]:
    entries: list[Entry] = []
    for link in case.signal_links.select_related("signal", "signal__reporting_organisation"):
        signal = link.signal
        entries.append(
            Entry(
                _at(signal.received_on),
                True,
                "signaal",
                _("Signaal %(ref)s ontvangen") % {"ref": signal.reference},
                signal.reporting_organisation.name,
            )
        )
    for change in case.status_changes.select_related("changed_by", "result_type"):
        entries.append(_status_entry(change))
    for intervention in case.interventions.select_related("type", "responsible"):
        name = intervention.type.name
        org = intervention.responsible.name
        entries.append(
            Entry(
                intervention.created_at,
                False,
                "interventie",
                _("Interventie vastgelegd: %(name)s") % {"name": name},
                org,
            )
        )
        if intervention.started_on:
            entries.append(
                Entry(
                    _at(intervention.started_on),
                    True,
                    "interventie",
                    _("Interventie gestart: %(name)s") % {"name": name},
                    org,
                )
            )
        if intervention.ended_on:
            done = intervention.status == InterventionStatus.DONE
            entries.append(
                Entry(
                    _at(intervention.ended_on),
                    True,
                    "interventie",
                    (
                        _("Interventie afgerond: %(name)s")
                        if done
                        else _("Interventie gestopt: %(name)s")
                    )
                    % {"name": name},
                    intervention.outcome or org,
                )
            )
    for task in case.tasks.select_related("assignee"):
        assignee = (
            (task.assignee.get_full_name() or task.assignee.username) if task.assignee else ""
        )
        entries.append(
            Entry(
                task.created_at,
                False,
                "taak",
                _("Taak: %(title)s") % {"title": task.title},
                assignee,
            )
        )
        if task.status == TaskStatus.DONE and task.completed_at:
            entries.append(
                Entry(
                    task.completed_at,
                    False,
                    "taak",
                    _("Taak afgerond: %(title)s") % {"title": task.title},
                    assignee,
                )
            )
    for meeting in case.meetings.prefetch_related("attendees"):
        entries.append(
            Entry(
                _at(meeting.held_on),
                True,
                "overleg",
                str(meeting.get_kind_display()).capitalize(),
                ", ".join(sorted(o.name for o in meeting.attendees.all())),
            )
        )
    return sort_entries(entries)
