"""Routes of the cases app (node only) for the authorization matrix.

The cases made here have no participants, so a partner persona (whose organisation takes
part in nothing) gets the same 404 as someone without any case permission.
"""

from typing import Any

from zicht.core.authz import ALL_ROLES, Route

BUREAU = frozenset({"analist", "coordinator", "alleen_lezen"})
VIEWERS = BUREAU | {"partner"}
WORKERS = frozenset({"analist", "coordinator"})
MANAGERS = frozenset({"coordinator"})
REDIRECT = frozenset({302})
NOBODY: frozenset[str] = frozenset()


def _case() -> dict[str, Any]:
    from zicht.cases.tests.factories import make_case

    return {"case_id": make_case().pk}


def _participant() -> dict[str, Any]:
    from zicht.cases.tests.factories import add_partner, make_case, organisation

    case = make_case()
    participant = add_partner(case, organisation("Gemeente Amersfoort"))
    return {"case_id": case.pk, "participant_id": participant.pk}


def _intervention() -> dict[str, Any]:
    from zicht.cases.tests.factories import add_intervention, add_partner, make_case, organisation

    case = make_case()
    partner = organisation("Gemeente Amersfoort")
    add_partner(case, partner)
    return {"case_id": case.pk, "intervention_id": add_intervention(case, partner).pk}


def _task() -> dict[str, Any]:
    from zicht.cases import services
    from zicht.cases.tests.factories import make_case

    case = make_case()
    task = services.add_task(acting_user=None, case=case, title="Huisvesting natrekken")
    return {"case_id": case.pk, "task_id": task.pk}


def _document() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zicht.cases import services
    from zicht.cases.tests.factories import make_case

    case = make_case()
    upload = SimpleUploadedFile("verslag.txt", b"inhoud", content_type="text/plain")
    document = services.add_document(acting_user=None, case=case, upload=upload)
    return {"case_id": case.pk, "document_id": document.pk}


def _access_request() -> dict[str, Any]:
    from zicht.accounts.tests.factories import OrganisationFactory, UserFactory
    from zicht.cases import services
    from zicht.cases.tests.factories import make_case

    case = make_case()
    outsider = UserFactory(roles=["partner"], organisation=OrganisationFactory(nla=True))
    request = services.request_access(acting_user=outsider, case_id=case.pk, reason="Inspectie")
    assert request is not None
    return {"request_id": request.pk}


def _notification() -> dict[str, Any]:
    from zicht.accounts.tests.factories import UserFactory
    from zicht.cases.models import Notification, NotificationKind

    notification = Notification.objects.create(
        recipient=UserFactory(),
        kind=NotificationKind.STATUS,
        message="Casus MN-C-2026-00001 is naar de fase ‘weging’ gegaan.",
        created_at="2026-03-02T10:00:00+01:00",
    )
    return {"notification_id": notification.pk}


def _post(name: str, allowed: frozenset[str], factory: Any, **data: Any) -> Route:
    return Route(
        name,
        allowed=allowed,
        where="node",
        method="post",
        kwargs_factory=factory,
        data=data,
        ok_status=REDIRECT,
    )


ROUTES = [
    Route("cases:case-list", allowed=VIEWERS, where="node"),
    Route("cases:case-create", allowed=WORKERS, where="node"),
    Route("cases:case-detail", allowed=BUREAU, where="node", kwargs_factory=_case),
    Route("cases:case-edit", allowed=WORKERS, where="node", kwargs_factory=_case),
    _post("cases:case-transition", WORKERS, _case, to_status="weging"),
    _post("cases:case-reopen", MANAGERS, _case, **{"reopen-to_status": "analyse"}),
    _post("cases:participant-add", MANAGERS, _case),
    _post("cases:participant-end", MANAGERS, _participant),
    _post("cases:subject-add", WORKERS, _case, **{"subject-entity_id": "1"}),
    _post("cases:signal-link", WORKERS, _case, **{"signal-reference": "MN-2026-000001"}),
    Route("cases:intervention-add", allowed=WORKERS, where="node", kwargs_factory=_case),
    Route("cases:intervention-edit", allowed=WORKERS, where="node", kwargs_factory=_intervention),
    _post("cases:task-add", WORKERS, _case, **{"task-title": "Bellen met de gemeente"}),
    # alleen_lezen sees the case but may change only tasks assigned to them.
    _post("cases:task-status", WORKERS, _task, status="afgerond"),
    Route("cases:meeting-add", allowed=WORKERS, where="node", kwargs_factory=_case),
    _post("cases:document-add", WORKERS, _case),
    Route("cases:document-download", allowed=BUREAU, where="node", kwargs_factory=_document),
    _post("cases:document-share", WORKERS, _document),
    Route("cases:export-pdf", allowed=WORKERS, where="node", kwargs_factory=_case),
    Route("cases:export-json", allowed=WORKERS, where="node", kwargs_factory=_case),
    # The bureau already sees the case and is sent to it; a partner gets the request form.
    Route(
        "cases:access-request",
        allowed=VIEWERS,
        where="node",
        kwargs_factory=_case,
        ok_status=frozenset({200, 302}),
    ),
    Route("cases:access-request-list", allowed=MANAGERS, where="node"),
    _post(
        "cases:access-request-decide",
        MANAGERS,
        _access_request,
        decision="refuse",
        note="Geen rol in deze casus",
    ),
    Route("cases:notification-list", allowed=ALL_ROLES, where="node"),
    Route(
        "cases:notification-read-all",
        allowed=ALL_ROLES,
        where="node",
        method="post",
        ok_status=REDIRECT,
    ),
    Route("cases:notification-preferences", allowed=ALL_ROLES, where="node"),
    # Only the recipient may open a notification; none of the personas is.
    _post("cases:notification-open", NOBODY, _notification),
    Route("api:list_cases", allowed=VIEWERS, where="node", is_api=True),
    Route("api:get_case", allowed=BUREAU, where="node", is_api=True, kwargs_factory=_case),
    Route("api:export_case", allowed=WORKERS, where="node", is_api=True, kwargs_factory=_case),
]
