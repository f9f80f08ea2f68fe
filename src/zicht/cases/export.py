"""Exports of a case: JSON in the shape of the ZGW Zaken API, and a PDF dossier.

Both are audited as exports (with the case's purpose and legal ground) before the content
leaves the function. Neither contains a BSN: a citizen service number may only be used where
the law allows, and a dossier that travels does not need it.

ZGW shape (VNG "API's voor Zaakgericht Werken", simplified: objects are embedded instead of
linked by URL): ``zaak``, ``statussen``, ``rollen``, ``resultaat``, ``zaakobjecten``,
``besluiten`` and ``zaakinformatieobjecten``. Partner organisations are rollen of type
``organisatorische_eenheid``; persons and companies among the subjects are rollen
(``natuurlijk_persoon`` / ``niet_natuurlijk_persoon``); addresses, vehicles and other things
are zaakobjecten, and so are the signals the case came from (``overige``: signaal). Carried
out interventions that are decisions of an administrative body become besluiten. What ZGW has
no place for (interventions, tasks, meetings) is under ``zicht``.
"""

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from zicht.accounts.models import User
from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.cases import timeline, workflow
from zicht.cases.models import ArchiveAction, Case, CaseStatusType, InterventionStatus
from zicht.cases.services import PROCESSING_ACTIVITY
from zicht.core.pdf import fonts, paragraph
from zicht.core.pdf import table as pdf_table

EXPORT_VERSION = "1"
# Entity properties left out of every export.
EXCLUDED_PROPERTIES = frozenset({"bsn"})


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _status_types(case: Case) -> dict[str, CaseStatusType]:
    return {s.phase: s for s in CaseStatusType.objects.filter(case_type=case.case_type)}


def _statustype(status_types: dict[str, CaseStatusType], phase: str) -> dict[str, Any]:
    status_type = status_types.get(phase)
    return {
        "omschrijving": status_type.name_nl if status_type else workflow.label(phase),
        "volgnummer": workflow.phase_index(phase) + 1,
        "isEindstatus": phase == "afgesloten",
    }


def _properties(entity: Any) -> dict[str, Any]:
    return {k: v for k, v in entity.properties.items() if k not in EXCLUDED_PROPERTIES}


def _subject_role(subject: Any) -> dict[str, Any] | None:
    entity = subject.entity
    props = _properties(entity)
    roltype = {
        "omschrijving": subject.role_type.name_nl,
        "omschrijvingGeneriek": subject.role_type.generic,
    }
    if entity.kind == "person":
        return {
            "roltype": roltype,
            "betrokkeneType": "natuurlijk_persoon",
            "betrokkeneIdentificatie": {
                "voornamen": props.get("first_names", ""),
                "geslachtsnaam": props.get("last_name", ""),
                "geboortedatum": props.get("birth_date", ""),
                "nationaliteit": props.get("nationality", ""),
            },
            "zicht": {"betrokkene": entity.pk, "label": entity.label},
        }
    if entity.kind == "company":
        return {
            "roltype": roltype,
            "betrokkeneType": "niet_natuurlijk_persoon",
            "betrokkeneIdentificatie": {
                "statutaireNaam": props.get("name", ""),
                "kvkNummer": props.get("kvk", ""),
                "vestigingsnummer": props.get("branch_number", ""),
            },
            "zicht": {"betrokkene": entity.pk, "label": entity.label},
        }
    return None


def _subject_object(subject: Any) -> dict[str, Any]:
    entity = subject.entity
    props = _properties(entity)
    if entity.kind == "address":
        return {
            "objectType": "adres",
            "relatieomschrijving": subject.role_type.name_nl,
            "objectIdentificatie": {
                "identificatie": props.get("bag_id", ""),
                "gorOpenbareRuimteNaam": props.get("street", ""),
                "huisnummer": props.get("house_number", ""),
                "huisnummertoevoeging": props.get("addition", ""),
                "postcode": props.get("postcode", ""),
                "wplWoonplaatsNaam": props.get("place", ""),
            },
            "zicht": {"betrokkene": entity.pk},
        }
    return {
        "objectType": "overige",
        "objectTypeOverige": entity.get_kind_display(),
        "relatieomschrijving": subject.role_type.name_nl,
        "objectIdentificatie": {"overigeData": props},
        "zicht": {"betrokkene": entity.pk, "label": entity.label},
    }


def case_as_zgw(case: Case) -> dict[str, Any]:
    """The case as a ZGW-like document (not audited: use :func:`export_json`)."""
    status_types = _status_types(case)
    changes = list(case.status_changes.select_related("result_type"))
    participants = list(case.participants.select_related("organisation", "role_type"))
    subjects = list(case.subjects.select_related("entity", "role_type"))
    interventions = list(case.interventions.select_related("type", "responsible"))
    rollen = [
        {
            "roltype": {
                "omschrijving": p.role_type.name_nl,
                "omschrijvingGeneriek": p.role_type.generic,
            },
            "betrokkeneType": "organisatorische_eenheid",
            "betrokkeneIdentificatie": {"naam": p.organisation.name},
            "registratiedatum": _iso(p.added_at),
            "einddatum": _iso(p.ended_at),
        }
        for p in participants
    ]
    rollen += [r for r in (_subject_role(s) for s in subjects) if r is not None]
    zaakobjecten = [
        _subject_object(s) for s in subjects if s.entity.kind not in ("person", "company")
    ]
    zaakobjecten += [
        {
            "objectType": "overige",
            "objectTypeOverige": "signaal",
            "relatieomschrijving": _("signaal waaruit de casus voortkomt"),
            "objectIdentificatie": {
                "kenmerk": link.signal.reference,
                "ontvangen": _iso(link.signal.received_on),
                "melder": link.signal.reporting_organisation.name,
            },
        }
        for link in case.signal_links.select_related("signal", "signal__reporting_organisation")
    ]
    besluiten = [
        {
            "identificatie": f"{case.reference}-I{i.pk}",
            "besluittype": {"omschrijving": i.type.name_nl, "grondslag": i.type.legal_basis},
            "verantwoordelijkeOrganisatie": i.responsible.name,
            "datum": _iso(i.ended_on),
            "ingangsdatum": _iso(i.started_on),
            "toelichting": i.outcome,
        }
        for i in interventions
        if i.type.is_decision and i.status == InterventionStatus.DONE
    ]
    resultaat = None
    if case.result_type is not None:
        resultaat = {
            "resultaattype": {
                "omschrijving": case.result_type.name_nl,
                "archiefnominatie": case.result_type.archive_action,
                "archiefactietermijn": f"P{case.result_type.retention_years}Y",
                "brondatumArchiefprocedure": {"afleidingswijze": "afgehandeld"},
            },
            "toelichting": case.result_note,
        }
    return {
        "exportversie": EXPORT_VERSION,
        "zaak": {
            "identificatie": case.reference,
            "bronorganisatie": case.region_code,
            "omschrijving": case.title,
            "toelichting": case.description,
            "zaaktype": {
                "identificatie": case.case_type.code,
                "omschrijving": case.case_type.name_nl,
                "versie": case.case_type.version,
            },
            "registratiedatum": _iso(case.created_at.date()),
            "startdatum": _iso(case.started_on),
            "einddatum": _iso(case.closed_on),
            "vertrouwelijkheidaanduiding": case.confidentiality,
            "archiefnominatie": case.archive_action or None,
            "archiefactiedatum": _iso(case.archive_on),
            "status": _statustype(status_types, case.status),
            "doel": case.purpose,
            "grondslag": case.legal_ground,
        },
        "statussen": [
            {
                "statustype": _statustype(status_types, c.to_status),
                "datumStatusGezet": _iso(c.changed_at),
                "statustoelichting": c.reason,
                "heropend": c.is_reopening,
            }
            for c in changes
        ],
        "rollen": rollen,
        "resultaat": resultaat,
        "zaakobjecten": zaakobjecten,
        "besluiten": besluiten,
        "zaakinformatieobjecten": [
            {
                "titel": d.title,
                "bestandsnaam": d.original_name,
                "formaat": d.content_type,
                "bestandsomvang": d.size,
                "sha256": d.sha256,
                "registratiedatum": _iso(d.uploaded_at),
                "gedeeldMet": sorted(o.name for o in d.shared_with.all()),
            }
            for d in case.documents.prefetch_related("shared_with")
        ],
        "zicht": {
            "interventies": [
                {
                    "type": i.type.code,
                    "categorie": i.type.category,
                    "omschrijving": i.type.name_nl,
                    "verantwoordelijke": i.responsible.name,
                    "status": i.status,
                    "gepland": _iso(i.planned_on),
                    "gestart": _iso(i.started_on),
                    "afgerond": _iso(i.ended_on),
                    "uitkomst": i.outcome,
                }
                for i in interventions
            ],
            "taken": [
                {
                    "taak": t.title,
                    "status": t.status,
                    "uiterlijk": _iso(t.due_on),
                    "fase": t.phase,
                    "afgerondOp": _iso(t.completed_at),
                }
                for t in case.tasks.all()
            ],
            "overleggen": [
                {
                    "soort": m.kind,
                    "datum": _iso(m.held_on),
                    "aanwezig": sorted(o.name for o in m.attendees.all()),
                    "besluiten": m.decision_lines,
                    "acties": m.action_lines,
                }
                for m in case.meetings.prefetch_related("attendees")
            ],
        },
    }


def _audit_export(acting_user: User, case: Case, fmt: str) -> None:
    record(
        action=AuditAction.EXPORT,
        actor=acting_user,
        obj=case,
        purpose=case.purpose,
        legal_ground=case.legal_ground,
        processing_activity=PROCESSING_ACTIVITY,
        detail={"format": fmt},
    )


def export_json(*, acting_user: User, case: Case) -> dict[str, Any]:
    document = case_as_zgw(case)
    _audit_export(acting_user, case, "zgw-json")
    return document


# --- PDF -------------------------------------------------------------------------------------


def dossier_pdf(case: Case, *, generated_by: str, now: datetime | None = None) -> bytes:
    """The case dossier as PDF bytes (not audited: use :func:`export_pdf`)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    regular, bold = fonts()
    moment = timezone.localtime(now or timezone.now())
    sheet = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=sheet["BodyText"], fontName=regular, fontSize=9, leading=12
    )
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    h1 = ParagraphStyle("h1", parent=sheet["Heading1"], fontName=bold, fontSize=16)
    h2 = ParagraphStyle("h2", parent=sheet["Heading2"], fontName=bold, fontSize=12)
    marking = _("Vertrouwelijkheid: %(level)s") % {"level": case.get_confidentiality_display()}
    footer = _("Casus %(ref)s · %(marking)s · gemaakt door %(user)s op %(at)s") % {
        "ref": case.reference,
        "marking": marking,
        "user": generated_by,
        "at": f"{moment:%d-%m-%Y %H:%M}",
    }

    def decorate(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(192 * mm, 10 * mm, str(canvas.getPageNumber()))
        canvas.setFont(bold, 8)
        canvas.drawRightString(192 * mm, 287 * mm, marking.upper())
        canvas.restoreState()

    def table(header: list[str], rows: Sequence[Sequence[object]], widths: list[float]) -> Any:
        return pdf_table(header, rows, widths, small)

    def none() -> Any:
        return paragraph(_("Geen."), body)

    story: list[Any] = [
        paragraph(_("Casusdossier %(ref)s") % {"ref": case.reference}, h1),
        paragraph(case.title, h2),
    ]
    summary = [
        [_("Casustype"), case.case_type.name_nl],
        [_("Fase"), case.get_status_display()],
        [_("Startdatum"), f"{case.started_on:%d-%m-%Y}"],
        [_("Einddatum"), f"{case.closed_on:%d-%m-%Y}" if case.closed_on else "—"],
        [_("Resultaat"), case.result_type.name_nl if case.result_type else "—"],
        [_("Casusregisseur"), case.lead.get_full_name() if case.lead else "—"],
        [_("Vertrouwelijkheid"), case.get_confidentiality_display()],
        [_("Doel"), case.purpose],
        [_("Grondslag"), case.legal_ground],
    ]
    if case.archive_on:
        action = ArchiveAction(case.archive_action).label if case.archive_action else ""
        summary.append([_("Archiefactie"), f"{action} {case.archive_on:%d-%m-%Y}"])
    story.append(table([_("Gegeven"), _("Waarde")], [list(r) for r in summary], [45, 129]))
    if case.description:
        story += [Spacer(1, 4 * mm), paragraph(case.description, body)]

    story.append(paragraph(_("Partners"), h2))
    participants = case.participants.select_related("organisation", "role_type")
    rows = [
        [
            p.organisation.name,
            p.role_type.name_nl,
            f"{timezone.localtime(p.added_at):%d-%m-%Y}",
            f"{timezone.localtime(p.ended_at):%d-%m-%Y}" if p.ended_at else "—",
        ]
        for p in participants
    ]
    story.append(
        table([_("Organisatie"), _("Rol"), _("Sinds"), _("Tot")], rows, [80, 44, 25, 25])
        if rows
        else none()
    )

    story.append(paragraph(_("Betrokkenen"), h2))
    rows = [
        [s.entity.label, s.entity.get_kind_display(), s.role_type.name_nl]
        for s in case.subjects.select_related("entity", "role_type")
    ]
    story.append(table([_("Naam"), _("Soort"), _("Rol")], rows, [90, 34, 50]) if rows else none())

    story.append(paragraph(_("Tijdlijn"), h2))
    rows = [
        [
            f"{timezone.localtime(e.when):%d-%m-%Y}"
            + ("" if e.date_only else f" {timezone.localtime(e.when):%H:%M}"),
            e.title,
            e.detail,
        ]
        for e in timeline.build(case)
    ]
    story.append(
        table([_("Datum"), _("Gebeurtenis"), _("Toelichting")], rows, [28, 76, 70])
        if rows
        else none()
    )

    story.append(paragraph(_("Interventies"), h2))
    rows = [
        [
            i.type.name_nl,
            i.type.get_category_display(),
            i.responsible.name,
            i.get_status_display(),
            " – ".join(f"{d:%d-%m-%Y}" for d in (i.started_on, i.ended_on) if d) or "—",
            i.outcome or "—",
        ]
        for i in case.interventions.select_related("type", "responsible")
    ]
    story.append(
        table(
            [
                _("Interventie"),
                _("Categorie"),
                _("Partner"),
                _("Status"),
                _("Periode"),
                _("Uitkomst"),
            ],
            rows,
            [32, 24, 34, 18, 30, 36],
        )
        if rows
        else none()
    )

    story.append(paragraph(_("Taken"), h2))
    rows = [
        [
            t.title,
            (t.assignee.get_full_name() or t.assignee.username) if t.assignee else "—",
            f"{t.due_on:%d-%m-%Y}" if t.due_on else "—",
            t.get_status_display(),
        ]
        for t in case.tasks.select_related("assignee")
    ]
    story.append(
        table([_("Taak"), _("Toegewezen aan"), _("Uiterlijk"), _("Status")], rows, [90, 40, 22, 22])
        if rows
        else none()
    )

    story.append(paragraph(_("Overleggen"), h2))
    meetings = list(case.meetings.prefetch_related("attendees"))
    for meeting in meetings:
        story.append(
            paragraph(
                f"{meeting.held_on:%d-%m-%Y} · {meeting.get_kind_display()} · "
                + ", ".join(sorted(o.name for o in meeting.attendees.all())),
                body,
            )
        )
        for heading, lines in (
            (_("Besluiten"), meeting.decision_lines),
            (_("Acties"), meeting.action_lines),
        ):
            if lines:
                story.append(
                    paragraph(heading + ":\n" + "\n".join(f"• {line}" for line in lines), small)
                )
    if not meetings:
        story.append(none())

    story.append(paragraph(_("Documenten"), h2))
    rows = [
        [
            d.title,
            d.original_name,
            f"{timezone.localtime(d.uploaded_at):%d-%m-%Y}",
            ", ".join(sorted(o.name for o in d.shared_with.all())) or _("alleen RIEC"),
        ]
        for d in case.documents.prefetch_related("shared_with")
    ]
    story.append(
        table([_("Titel"), _("Bestand"), _("Datum"), _("Gedeeld met")], rows, [50, 50, 22, 52])
        if rows
        else none()
    )

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"Casusdossier {case.reference}",
        author="Zicht",
        invariant=1,  # the same dossier gives the same bytes (apart from the footer's time)
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def export_pdf(*, acting_user: User, case: Case, now: datetime | None = None) -> bytes:
    pdf = dossier_pdf(
        case, generated_by=acting_user.get_full_name() or acting_user.username, now=now
    )
    _audit_export(acting_user, case, "pdf")
    return pdf
