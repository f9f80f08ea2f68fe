"""Who may read which cases and which parts of them. Every detail read is audited.

- The RIEC bureau (``cases.view_all_cases``: analysts, coordinators, read-only users) sees
  every case of the region, with all documents.
- A partner user (``cases.view_case`` without ``view_all_cases``) sees a case only while their
  organisation takes part in it (an active :class:`CaseParticipant`), and of its documents
  only those shared with their organisation.
- Everyone else sees nothing. Missing and not allowed give the same 404, so a case number
  reveals nothing; an outsider may ask for access (``services.request_access``).
"""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from zicht.audit.models import AuditAction
from zicht.audit.services import record
from zicht.cases.models import Case, CaseDocument, CaseParticipant
from zicht.cases.services import PROCESSING_ACTIVITY


def sees_all_cases(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("cases.view_all_cases"))


def may_use_cases(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("cases.view_case"))


def cases_visible_to(user: Any) -> QuerySet[Case]:
    if not may_use_cases(user):
        return Case.objects.none()
    if sees_all_cases(user):
        return Case.objects.all()
    if not user.organisation_id:
        return Case.objects.none()
    # Exists rather than a join: one row per case whatever the participations.
    taking_part = CaseParticipant.objects.filter(
        case=OuterRef("pk"), organisation_id=user.organisation_id, ended_at__isnull=True
    )
    return Case.objects.filter(Exists(taking_part))


def can_see_case(user: Any, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def is_participant(user: Any, case: Case) -> bool:
    """Whether the user's organisation takes part in the case (now)."""
    organisation_id = getattr(user, "organisation_id", None)
    return bool(
        organisation_id
        and CaseParticipant.objects.filter(
            case=case, organisation_id=organisation_id, ended_at__isnull=True
        ).exists()
    )


def audit_read(user: Any, obj: Any, scope: Case, **detail: Any) -> None:
    # ``scope``: the case whose purpose and legal ground the read serves.
    record(
        action=AuditAction.READ,
        actor=user,
        obj=obj,
        purpose=scope.purpose,
        legal_ground=scope.legal_ground,
        processing_activity=PROCESSING_ACTIVITY,
        detail=detail,
    )


def get_case_for(user: Any, case_id: int, *, audit: bool = True) -> Case:
    case = (
        cases_visible_to(user)
        .select_related("case_type", "lead", "result_type")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404
    if audit:
        audit_read(user, case, case)
    return case


def documents_visible_to(user: Any, case: Case) -> QuerySet[CaseDocument]:
    """The documents of a case (which the user may see) that the user may open."""
    documents = CaseDocument.objects.filter(case=case)
    if sees_all_cases(user):
        return documents
    if not user.organisation_id or not is_participant(user, case):
        return documents.none()
    return documents.filter(shared_with=user.organisation_id)


def get_document_for(user: Any, case: Case, document_id: int) -> CaseDocument:
    document = documents_visible_to(user, case).filter(pk=document_id).first()
    if document is None:
        raise Http404
    audit_read(user, document, case, case=case.pk)
    return document
