"""The register's JSON API (node only): intake of signals and cursor-paginated reads."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from zicht.accounts.models import Organisation, User
from zicht.core.problems import problem
from zicht.register import access, duplicates, services
from zicht.register.errors import RegisterValidationError
from zicht.register.models import Signal

MAX_LIMIT = 200


class EntityIn(Schema):
    role: str = Field(
        description="vermoedelijk slachtoffer = 'slachtoffer', 'verdachte', 'werkgever', …"
    )
    kind: str = Field(
        "", description="person, company, address, vehicle, phone, email, bank_account"
    )
    properties: dict[str, str] = Field(default_factory=dict)
    existing_id: int | None = Field(
        None, description="link an existing entity instead of creating one"
    )


class SignalIn(Schema):
    received_on: date
    reporting_organisation: str = Field(
        "", description="organisation name; partners always report for their own organisation"
    )
    reporter_role: str
    municipality: str = Field(description="CBS code, e.g. GM0344")
    out_of_region: bool = False
    sector: str = ""
    route_step: str = ""
    forms: list[str] = Field(default_factory=list, description="exploitation form codes")
    indicators: dict[str, str] = Field(
        default_factory=dict, description="indicator code → observed | not_observed | unknown"
    )
    description: str = ""
    confidentiality: str = "vertrouwelijk"
    purpose: str = services.DEFAULT_PURPOSE
    legal_ground: str = services.DEFAULT_LEGAL_GROUND
    external_reference: str = Field("", description="your reference; re-sending it is idempotent")
    entities: list[EntityIn] = Field(default_factory=list)


class SignalOut(Schema):
    id: int
    reference: str
    external_reference: str
    received_on: date
    status: str
    municipality: str
    reporting_organisation: str
    forms: list[str]


class SignalPage(Schema):
    items: list[SignalOut]
    next_cursor: int | None = Field(description="pass as `before` for the next page")


class EntityOut(Schema):
    id: int
    kind: str
    label: str


class SuggestionOut(Schema):
    entity: EntityOut
    score: float
    reason: str


class SignalFilter(Schema):
    status: str = ""
    before: int | None = Field(None, description="cursor: signals with an id below this one")
    limit: int = 50


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in om deze gegevens te gebruiken.")
    return request.user


def _out(signal: Signal) -> dict[str, Any]:
    return {
        "id": signal.pk,
        "reference": signal.reference,
        "external_reference": signal.external_reference,
        "received_on": signal.received_on,
        "status": signal.status,
        "municipality": signal.municipality.code,
        "reporting_organisation": signal.reporting_organisation.name,
        "forms": sorted(f.code for f in signal.forms.all()),
    }


def build_router() -> Router:
    router = Router(tags=["register"])

    @router.post("/signals", response={200: SignalOut, 201: SignalOut}, summary="Register a signal")
    def create_signal(request: HttpRequest, payload: SignalIn) -> Any:
        user = _user(request)
        if user.has_perm("register.add_signal"):
            organisation = Organisation.objects.filter(name=payload.reporting_organisation).first()
            if organisation is None:
                raise HttpError(422, f"Onbekende organisatie ‘{payload.reporting_organisation}’.")
        elif user.has_perm("register.submit_signal") and user.organisation is not None:
            organisation = user.organisation
        else:
            raise HttpError(403, "U mag geen signalen registreren.")
        data = services.SignalInput(
            received_on=payload.received_on,
            reporting_organisation=organisation,
            reporter_role=payload.reporter_role,
            municipality_code=payload.municipality,
            out_of_region=payload.out_of_region,
            sector_code=payload.sector,
            route_step_code=payload.route_step,
            form_codes=payload.forms,
            observations={k: v for k, v in payload.indicators.items() if v != "unknown"},
            description=payload.description,
            confidentiality=payload.confidentiality,
            purpose=payload.purpose,
            legal_ground=payload.legal_ground,
            external_reference=payload.external_reference,
            entities=[
                services.EntityInput(
                    role=e.role, kind=e.kind, properties=e.properties, existing_id=e.existing_id
                )
                for e in payload.entities
            ],
        )
        if not user.has_perm("register.view_entity") and any(e.existing_id for e in data.entities):
            raise HttpError(403, "Alleen analisten kunnen bestaande betrokkenen koppelen.")
        try:
            signal, created = services.register_signal(acting_user=user, data=data, channel="api")
        except RegisterValidationError as exc:
            errors = [
                {"loc": ["body", *name.split(".")], "msg": m, "type": "value_error"}
                for name, ms in exc.errors.items()
                for m in ms
            ]
            return problem(
                request,
                422,
                "Het signaal is niet geregistreerd: de invoer klopt niet.",
                extra={"errors": errors},
            )
        return Status(201 if created else 200, _out(signal))

    @router.get("/signals", response=SignalPage, summary="Signals visible to you, newest first")
    def list_signals(request: HttpRequest, filters: Query[SignalFilter]) -> dict[str, Any]:
        user = _user(request)
        if not (user.has_perm("register.view_signal") or user.has_perm("register.submit_signal")):
            raise HttpError(403, "U heeft geen toegang tot signalen.")
        if not 1 <= filters.limit <= MAX_LIMIT:
            raise HttpError(422, f"limit moet tussen 1 en {MAX_LIMIT} liggen.")
        signals = access.signals_visible_to(user).select_related(
            "municipality", "reporting_organisation"
        )
        if filters.status:
            signals = signals.filter(status=filters.status)
        if filters.before is not None:
            signals = signals.filter(id__lt=filters.before)
        items = list(signals.prefetch_related("forms").order_by("-id")[: filters.limit])
        return {
            "items": [_out(s) for s in items],
            "next_cursor": items[-1].pk if len(items) == filters.limit else None,
        }

    @router.get("/signals/{signal_id}", response=SignalOut, summary="One signal (audited)")
    def get_signal(request: HttpRequest, signal_id: int) -> dict[str, Any]:
        return _out(access.get_signal_for(_user(request), signal_id))

    @router.post(
        "/entities/suggestions",
        response=list[SuggestionOut],
        summary="Existing entities that may be the one you are about to create",
    )
    def entity_suggestions(request: HttpRequest, payload: EntityIn) -> list[dict[str, Any]]:
        user = _user(request)
        if not user.has_perm("register.view_entity"):
            raise HttpError(403, "U heeft geen toegang tot betrokkenen.")
        found = duplicates.suggestions(
            access.entities_visible_to(user), payload.kind, payload.properties
        )
        return [
            {
                "entity": {"id": s.entity.pk, "kind": s.entity.kind, "label": s.entity.label},
                "score": s.score,
                "reason": s.reason,
            }
            for s in found
        ]

    return router
