"""The write path of phenomenon-picture reports: versions, lifecycle, audit."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from zicht.audit.models import AuditEntry
from zicht.insight import report as content
from zicht.insight import services
from zicht.insight.errors import ReportValidationError
from zicht.insight.models import Report, ReportStatus, ReportStatusChange, ReportVersion
from zicht.insight.services import Text
from zicht.register.tests.factories import make_signal

pytestmark = pytest.mark.django_db

Q1 = (date(2026, 1, 1), date(2026, 3, 31))


def _create(user: Any = None, **text: str) -> Report:
    text.setdefault("title", "Fenomeenbeeld Q1 2026")
    return services.create_report(
        acting_user=user, period_start=Q1[0], period_end=Q1[1], text=Text(**text)
    )


def _entries(report: Report) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="insight.report", object_id=str(report.pk)).order_by(
            "id"
        )
    )


def test_create_makes_a_draft_with_version_one_history_and_audit(make_user: Any) -> None:
    analyst = make_user("analist")
    report = _create(analyst, summary="  Meer signalen in de bouw.  ")
    assert report.status == ReportStatus.DRAFT
    assert report.created_by == analyst
    (version,) = report.versions.all()
    assert (version.number, version.summary, version.created_by) == (
        1,
        "Meer signalen in de bouw.",
        analyst,
    )
    (change,) = report.status_changes.all()
    assert (change.from_status, change.to_status, change.version_number) == ("", "concept", 1)
    (entry,) = _entries(report)
    assert entry.action == "create"
    assert entry.actor_id == analyst.pk
    assert entry.detail == {"version": 1, "period": ["2026-01-01", "2026-03-31"]}
    assert entry.processing_activity == services.PROCESSING_ACTIVITY


@pytest.mark.parametrize(
    ("start", "end", "title", "field"),
    [
        (date(2026, 3, 1), date(2026, 2, 1), "t", "period_end"),
        (date(2026, 1, 1), date(2026, 2, 1), "   ", "title"),
        (date(2026, 1, 1), date(2026, 2, 1), "x" * 201, "title"),
    ],
)
def test_create_refuses_invalid_input_and_writes_nothing(
    start: date, end: date, title: str, field: str
) -> None:
    with pytest.raises(ReportValidationError) as caught:
        services.create_report(
            acting_user=None, period_start=start, period_end=end, text=Text(title=title)
        )
    assert field in caught.value.errors
    assert not Report.objects.exists()
    assert not AuditEntry.objects.filter(object_type="insight.report").exists()


def test_create_refuses_a_period_in_the_future() -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ReportValidationError) as caught:
        services.create_report(
            acting_user=None,
            period_start=tomorrow,
            period_end=tomorrow + timedelta(days=30),
            text=Text(title="Later"),
        )
    assert "toekomst" in caught.value.messages[0]


def test_every_save_appends_a_version_and_older_ones_stay(make_user: Any) -> None:
    analyst = make_user("analist")
    report = _create(analyst, summary="Eerste tekst.")
    second = services.save_version(
        acting_user=analyst,
        report=report,
        based_on=1,
        text=Text(title="Fenomeenbeeld Q1 2026", summary="Tweede tekst.", trends="Stijgend."),
    )
    third = services.save_version(
        acting_user=analyst,
        report=report,
        based_on=2,
        text=Text(title="Nieuwe titel", summary="Tweede tekst.", trends="Stijgend.", note="na MT"),
    )
    assert [v.number for v in report.versions.order_by("number")] == [1, 2, 3]
    assert (second.number, third.number) == (2, 3)
    assert report.versions.get(number=1).summary == "Eerste tekst."
    assert report.title == "Nieuwe titel"
    assert content.current_version(report).note == "na MT"
    updates = [e for e in _entries(report) if e.action == "update"]
    assert [e.detail for e in updates] == [{"version": 2}, {"version": 3}]


def test_a_save_on_top_of_an_older_version_is_refused(make_user: Any) -> None:
    report = _create(summary="Basis.")
    services.save_version(
        acting_user=None, report=report, based_on=1, text=Text(title="T", summary="Van A.")
    )
    with pytest.raises(ReportValidationError) as caught:
        services.save_version(
            acting_user=None, report=report, based_on=1, text=Text(title="T", summary="Van B.")
        )
    assert "versie 2" in caught.value.messages[0]
    assert report.versions.count() == 2
    assert content.current_version(report).summary == "Van A."


def test_an_unchanged_text_is_not_saved_again() -> None:
    report = _create(summary="Gelijk.")
    with pytest.raises(ReportValidationError):
        services.save_version(
            acting_user=None,
            report=report,
            based_on=1,
            text=Text(title="Fenomeenbeeld Q1 2026", summary=" Gelijk. "),
        )
    assert report.versions.count() == 1


def test_versions_and_history_cannot_be_changed_or_deleted() -> None:
    report = _create(summary="Vast.")
    version = report.versions.get()
    version.summary = "Anders."
    with pytest.raises(PermissionError):
        version.save()
    with pytest.raises(PermissionError):
        version.delete()
    with pytest.raises(PermissionError):
        ReportVersion.objects.filter(report=report).update(summary="Anders.")
    with pytest.raises(PermissionError):
        ReportVersion.objects.filter(report=report).delete()
    with pytest.raises(PermissionError):
        ReportStatusChange.objects.filter(report=report).update(reason="x")


def test_the_database_refuses_edits_of_the_history_from_any_client() -> None:
    report = _create(summary="Vast.")
    for table, column in (
        ("insight_reportversion", "summary"),
        ("insight_reportstatuschange", "reason"),
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE report_id = %s",  # noqa: S608
                ["anders", report.pk],
            )
    assert report.versions.get().summary == "Vast."


def test_version_numbers_are_unique_per_report() -> None:
    report = _create()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportVersion.objects.create(
            report=report, number=1, title="dubbel", created_at=timezone.now()
        )


def test_lifecycle_final_reopen_and_withdraw(make_user: Any) -> None:
    coordinator = make_user("coordinator")
    report = _create(summary="Klaar.")
    services.transition_report(acting_user=coordinator, report=report, to_status="definitief")
    assert report.status == ReportStatus.FINAL
    # Final: no new versions.
    with pytest.raises(ReportValidationError):
        services.save_version(
            acting_user=None, report=report, based_on=1, text=Text(title="T", summary="Meer.")
        )
    with pytest.raises(ReportValidationError, match="reden"):
        services.transition_report(acting_user=coordinator, report=report, to_status="concept")
    services.transition_report(
        acting_user=coordinator, report=report, to_status="concept", reason="Cijfers aanvullen"
    )
    assert report.is_draft
    services.transition_report(
        acting_user=coordinator, report=report, to_status="ingetrokken", reason="Vervangen"
    )
    with pytest.raises(ReportValidationError):
        services.transition_report(
            acting_user=coordinator, report=report, to_status="concept", reason="terug"
        )
    history = [(c.from_status, c.to_status, c.reason) for c in report.status_changes.all()]
    assert history == [
        ("", "concept", ""),
        ("concept", "definitief", ""),
        ("definitief", "concept", "Cijfers aanvullen"),
        ("concept", "ingetrokken", "Vervangen"),
    ]
    transitions = [e.detail for e in _entries(report) if e.action == "update"]
    assert transitions == [
        {"from": "concept", "to": "definitief", "version": 1},
        {"from": "definitief", "to": "concept", "version": 1},
        {"from": "concept", "to": "ingetrokken", "version": 1},
    ]


def test_a_report_without_summary_cannot_be_made_final() -> None:
    report = _create(trends="Alleen trends.")
    with pytest.raises(ReportValidationError, match="samenvatting"):
        services.transition_report(acting_user=None, report=report, to_status="definitief")
    assert report.status == ReportStatus.DRAFT
    assert report.status_changes.count() == 1
    assert not [e for e in _entries(report) if e.action == "update"]


def test_unknown_status_is_refused() -> None:
    report = _create(summary="s")
    with pytest.raises(ReportValidationError):
        services.transition_report(acting_user=None, report=report, to_status="gepubliceerd")


def test_final_figures_are_frozen_and_a_draft_follows_the_register() -> None:
    for _ in range(6):
        make_signal(received_on=date(2026, 2, 10), municipality_code="GM0344")
    report = _create(summary="s")
    assert content.figures_for(report).figures.total == 6
    services.transition_report(acting_user=None, report=report, to_status="definitief")
    make_signal(received_on=date(2026, 2, 11), municipality_code="GM0344")
    frozen = content.figures_for(report)
    assert frozen.frozen
    assert frozen.figures.total == 6
    assert {r.key: r.count for r in frozen.figures.by_month} == {
        "2026-01": 0,
        "2026-02": 6,
        "2026-03": 0,
    }
    services.transition_report(acting_user=None, report=report, to_status="concept", reason="r")
    live = content.figures_for(report)
    assert not live.frozen
    assert live.figures.total == 7
