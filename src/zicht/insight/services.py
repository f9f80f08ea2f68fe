"""The write path of phenomenon-picture reports. Every function is atomic and audited.

Reports, their versions and their status change only here. A version is never changed: each
save of the text adds the next number, after checking that the writer started from the
newest one (two analysts editing at once cannot overwrite each other). Exports are built
and audited here too, so no export leaves without its audit entry.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zicht.accounts.models import User
from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.insight import export, tables, workflow
from zicht.insight.errors import ReportValidationError
from zicht.insight.models import Report, ReportStatus, ReportStatusChange, ReportVersion
from zicht.insight.report import current_version, document, freeze

PURPOSE = "Zicht op de problematiek in de regio (fenomeenbeeld)"
LEGAL_GROUND = "Wgs (Stb. 2024, 198) en Privacyprotocol RIECs-LIEC"
PROCESSING_ACTIVITY = "fenomeenbeeld-mensenhandel"
MAX_TITLE = 200
MAX_NOTE = 200
MAX_SECTION = 20_000
SECTIONS = ("summary", "trends", "modus_operandi", "recommendations")
FORMATS = ("pdf", "html")


def _audit(action: AuditAction, actor: User | None, obj: Report, **detail: Any) -> None:
    record(
        action=action,
        actor=actor,
        obj=obj,
        purpose=PURPOSE,
        legal_ground=LEGAL_GROUND,
        processing_activity=PROCESSING_ACTIVITY,
        detail=detail,
    )


@dataclass(frozen=True)
class Text:
    """The narrative of one version, as the analyst wrote it."""

    title: str
    summary: str = ""
    trends: str = ""
    modus_operandi: str = ""
    recommendations: str = ""
    note: str = ""

    def cleaned(self) -> "Text":
        return Text(
            title=self.title.strip(),
            summary=self.summary.strip(),
            trends=self.trends.strip(),
            modus_operandi=self.modus_operandi.strip(),
            recommendations=self.recommendations.strip(),
            note=self.note.strip(),
        )

    def same_as(self, version: ReportVersion) -> bool:
        return self.title == version.title and all(
            getattr(self, name) == getattr(version, name) for name in SECTIONS
        )


def _check_text(errors: dict[str, list[str]], text: Text) -> None:
    if not text.title:
        errors.setdefault("title", []).append(_("Geef het fenomeenbeeld een titel."))
    elif len(text.title) > MAX_TITLE:
        errors.setdefault("title", []).append(
            _("De titel is te lang (ten hoogste %(n)s tekens).") % {"n": MAX_TITLE}
        )
    for name in SECTIONS:
        if len(getattr(text, name)) > MAX_SECTION:
            errors.setdefault(name, []).append(
                _("Deze tekst is te lang (ten hoogste %(n)s tekens).") % {"n": MAX_SECTION}
            )
    if len(text.note) > MAX_NOTE:
        errors.setdefault("note", []).append(
            _("De toelichting is te lang (ten hoogste %(n)s tekens).") % {"n": MAX_NOTE}
        )


def _add_version(
    report_row: Report, text: Text, acting_user: User | None, number: int
) -> ReportVersion:
    return ReportVersion.objects.create(
        report=report_row,
        number=number,
        title=text.title,
        summary=text.summary,
        trends=text.trends,
        modus_operandi=text.modus_operandi,
        recommendations=text.recommendations,
        note=text.note,
        created_by=acting_user,
        created_at=timezone.now(),
    )


def create_report(
    *,
    acting_user: User | None,
    period_start: date,
    period_end: date,
    text: Text,
) -> Report:
    """A new draft report over ``period_start`` to ``period_end`` (dates of receipt), with
    its text as version 1."""
    text = text.cleaned()
    errors: dict[str, list[str]] = {}
    if period_start > period_end:
        errors.setdefault("period_end", []).append(
            _("Het einde van de periode ligt vóór het begin.")
        )
    if period_start > timezone.localdate():
        errors.setdefault("period_start", []).append(
            _("De periode begint in de toekomst: er zijn nog geen signalen.")
        )
    _check_text(errors, text)
    if errors:
        raise ReportValidationError(errors)
    with transaction.atomic():
        now = timezone.now()
        created = Report.objects.create(
            title=text.title,
            period_start=period_start,
            period_end=period_end,
            status=ReportStatus.DRAFT,
            status_changed_at=now,
            created_by=acting_user,
        )
        _add_version(created, text, acting_user, 1)
        ReportStatusChange.objects.create(
            report=created,
            from_status="",
            to_status=ReportStatus.DRAFT,
            version_number=1,
            changed_by=acting_user,
            changed_at=now,
        )
        _audit(
            AuditAction.CREATE,
            acting_user,
            created,
            version=1,
            period=[period_start.isoformat(), period_end.isoformat()],
        )
    return created


def _locked(report_row: Report) -> Report:
    # One writer at a time per report: the version number and the status are read under it.
    return Report.objects.select_for_update().get(pk=report_row.pk)


def _newest_number(report_row: Report) -> int:
    newest = report_row.versions.order_by("-number").values_list("number", flat=True).first()
    return newest or 0


def save_version(
    *, acting_user: User | None, report: Report, based_on: int, text: Text
) -> ReportVersion:
    """Save the text as the next version of a draft.

    ``based_on`` is the version the writer started from. If someone saved a newer one in the
    meantime nothing is written, so neither text is lost (the form still holds the writer's
    own). A text identical to the newest version is not saved again.
    """
    text = text.cleaned()
    errors: dict[str, list[str]] = {}
    _check_text(errors, text)
    if errors:
        raise ReportValidationError(errors)
    with transaction.atomic():
        current = _locked(report)
        if not workflow.may_edit(current.status):
            raise ReportValidationError(
                {
                    "": [
                        _(
                            "Dit fenomeenbeeld is %(status)s: alleen een concept kan worden "
                            "gewijzigd."
                        )
                        % {"status": workflow.label(current.status)}
                    ]
                }
            )
        newest = current_version(current)
        if newest.number != based_on:
            raise ReportValidationError(
                {
                    "": [
                        _(
                            "Intussen is versie %(number)s opgeslagen. Uw tekst is niet "
                            "opgeslagen: bewaar hem, open het fenomeenbeeld opnieuw en voeg uw "
                            "wijzigingen toe aan de nieuwste versie."
                        )
                        % {"number": newest.number}
                    ]
                }
            )
        if text.same_as(newest):
            raise ReportValidationError(
                {"": [_("Er is niets gewijzigd; er is geen nieuwe versie opgeslagen.")]}
            )
        version = _add_version(current, text, acting_user, newest.number + 1)
        if current.title != text.title:
            current.title = text.title
            current.save(update_fields=["title"])
        _audit(AuditAction.UPDATE, acting_user, current, version=version.number)
    report.refresh_from_db()
    return version


def transition_report(
    *, acting_user: User | None, report: Report, to_status: str, reason: str = ""
) -> Report:
    """Move the report to ``to_status`` (see :mod:`zicht.insight.workflow`).

    Making it final freezes its figures in the status change, so the final report shows
    what it was written about.
    """
    reason = reason.strip()
    with transaction.atomic():
        current = _locked(report)
        version = current_version(current)
        try:
            workflow.check(current.status, to_status, reason=reason, summary=version.summary)
        except workflow.TransitionError as exc:
            raise ReportValidationError({"": [str(exc)]}) from exc
        now = timezone.now()
        frozen = freeze(current) if to_status == ReportStatus.FINAL else {}
        ReportStatusChange.objects.create(
            report=current,
            from_status=current.status,
            to_status=to_status,
            reason=reason,
            version_number=version.number,
            figures=frozen,
            changed_by=acting_user,
            changed_at=now,
        )
        from_status = current.status
        current.status = to_status
        current.status_changed_at = now
        current.save(update_fields=["status", "status_changed_at"])
        _audit(
            AuditAction.UPDATE,
            acting_user,
            current,
            **{"from": from_status, "to": to_status, "version": version.number},
        )
    report.refresh_from_db()
    return report


@dataclass(frozen=True)
class ExportedReport:
    content: bytes
    content_type: str
    filename: str


def export_report(
    *, acting_user: User, report: Report, fmt: str, now: datetime | None = None
) -> ExportedReport:
    """The report as PDF or standalone HTML, its tables protected; audited as an export."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if report.status not in workflow.EXPORTABLE:
        raise ReportValidationError(
            {"": [_("Een ingetrokken fenomeenbeeld wordt niet meer geëxporteerd.")]}
        )
    built = document(
        report, generated_by=acting_user.get_full_name() or acting_user.username, now=now
    )
    if fmt == "pdf":
        content = export.report_pdf(built)
        content_type = "application/pdf"
    else:
        content = export.report_html(built).encode("utf-8")
        content_type = "text/html; charset=utf-8"
    # The content is handed out only after its audit entry is committed.
    with transaction.atomic():
        _audit(
            AuditAction.EXPORT,
            acting_user,
            report,
            format=fmt,
            version=built.version.number,
            status=report.status,
            period=[report.period_start.isoformat(), report.period_end.isoformat()],
            k=tables.K,
            suppressed=built.suppressed,
            omitted=built.omitted,
        )
    stamp = built.generated_at.date().isoformat()
    name = f"zicht-fenomeenbeeld-{report.pk}-v{built.version.number}-{stamp}.{fmt}"
    return ExportedReport(content, content_type, name)
