"""Pages of the regional register. Reads go through access.py; writes through services.py."""

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zicht.accounts.models import Organisation, User
from zicht.audit.models import AuditEntry
from zicht.catalogue.models import ExploitationForm
from zicht.core.pagination import CappedPaginator
from zicht.reference.models import Municipality
from zicht.register import access, duplicates, identifiers, services, workflow
from zicht.register.errors import RegisterValidationError
from zicht.register.forms import (
    AttachmentForm,
    EntityForm,
    EntityFormSet,
    LegalHoldForm,
    LinkEntityForm,
    MergeForm,
    RelationForm,
    SignalForm,
    TransitionForm,
    indicator_groups,
    signal_input,
)
from zicht.register.models import (
    Attachment,
    Entity,
    EntityIdentifier,
    EntityMerge,
    EntityRelation,
    EntityToken,
    Observation,
    SignalEntity,
    SignalStatus,
)

PAGE_SIZE = 50
# Every reference has digits and dashes ("MN-2026-000123"), as have partners' own references.
_REFERENCE_FRAGMENT = re.compile(r"[\d-]")
SIGNAL_LIST_COLUMNS = (
    "reference",
    "received_on",
    "status",
    "out_of_region",
    "municipality",
    "reporting_organisation",
)


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _may_list(user: User) -> bool:
    return user.has_perm("register.view_signal") or user.has_perm("register.submit_signal")


@require_GET
def signal_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _may_list(user):
        raise PermissionDenied
    signals = (
        access.signals_visible_to(user)
        # Only the columns the rows show: building 50 full signals with their municipality
        # and organisation costs more than the query. Boundaries are large GeoJSON.
        .only(*SIGNAL_LIST_COLUMNS)
        # Fetched apart, by id, not joined: without joins the databases read the first page
        # of a municipality search from the (municipality, date) index; joined, SQLite
        # started from the municipalities and sorted all 18,000 signals of "Utrecht".
        .prefetch_related(
            Prefetch("municipality", Municipality.objects.only("name")),
            Prefetch("reporting_organisation", Organisation.objects.only("name")),
        )
    )
    status = request.GET.get("status", "")
    form_code = request.GET.get("vorm", "")
    query = request.GET.get("q", "").strip()
    forms = list(ExploitationForm.objects.all())
    if status in SignalStatus.values:
        signals = signals.filter(status=status)
    if form_code:
        # By id, not by a join on the code: PostgreSQL cannot tell how many signals a code
        # selects and counted a filtered list from every signal-form pair (40 ms).
        form_ids = [form.pk for form in forms if form.code == form_code]
        signals = signals.filter(forms__in=form_ids)
    if query:
        # The ids of the few matching municipalities, looked up first in the small table:
        # an OR over a join would scan every signal with its municipality, and with the
        # ids at hand the planner knows how many signals each one has.
        municipalities = list(
            Municipality.objects.filter(name__icontains=query).values_list("pk", flat=True)
        )
        match = Q(municipality_id__in=municipalities)
        if _REFERENCE_FRAGMENT.search(query):
            # A fragment of a reference is matched anywhere in it, which reads every signal;
            # a municipality name ("Amersfoort") has neither digits nor dashes, so it does
            # not pay for that scan.
            match |= Q(reference__icontains=query) | Q(external_reference=query)
        signals = signals.filter(match)
    page = CappedPaginator(signals.order_by("-received_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    params = request.GET.copy()
    params.pop("pagina", None)
    context = {
        "page": page,
        "statuses": SignalStatus.choices,
        "forms": forms,
        "filters": {"status": status, "vorm": form_code, "q": query},
        "query": params.urlencode(),
        "can_create": user.has_perm("register.add_signal")
        or user.has_perm("register.submit_signal"),
        "is_partner_view": not access.can_view_register(user),
    }
    return render(request, "register/signal_list.html", context)


def _entity_forms(request: HttpRequest) -> Any:
    return EntityFormSet(request.POST or None, prefix="entities")


@require_http_methods(["GET", "POST"])
def signal_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    full = user.has_perm("register.add_signal")
    if not full and not user.has_perm("register.submit_signal"):
        raise PermissionDenied
    partner_org = None if full else user.organisation
    if not full and partner_org is None:
        raise PermissionDenied
    form = SignalForm(request.POST or None, partner_organisation=partner_org)
    entity_formset = _entity_forms(request)
    pending: list[tuple[EntityForm, list[duplicates.Suggestion]]] = []
    service_errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid() and entity_formset.is_valid():
        entity_forms = [f for f in entity_formset.forms if not f.is_empty()]
        # Without JavaScript the duplicate check happens here: new entities that resemble
        # existing ones are shown before anything is saved.
        if full:
            for entity_form in entity_forms:
                data = entity_form.cleaned_data
                if data.get("existing_id") or data.get("create_new"):
                    continue
                found = duplicates.suggestions(
                    access.entities_visible_to(user), data["kind"], entity_form.properties()
                )
                if found:
                    pending.append((entity_form, found))
        if not pending:
            try:
                signal, _created = services.register_signal(
                    acting_user=user,
                    data=signal_input(form, entity_forms, request.POST),
                    channel="web",
                )
            except RegisterValidationError as exc:
                service_errors = exc.errors
                for name, errors in exc.errors.items():
                    if name in form.fields:
                        for error in errors:
                            form.add_error(name, error)
            else:
                messages.success(
                    request, _("Signaal %(ref)s is geregistreerd.") % {"ref": signal.reference}
                )
                return redirect("register:signal-detail", signal_id=signal.pk)
    chosen = {k[4:]: v for k, v in request.POST.items() if k.startswith("ind-")}
    context = {
        "form": form,
        "entity_formset": entity_formset,
        "indicator_groups": [
            (group, [(ind, chosen.get(ind.code, Observation.UNKNOWN)) for ind in indicators])
            for group, indicators in indicator_groups()
        ],
        "observation_choices": Observation.choices,
        "pending": {f.prefix: found for f, found in pending},
        "service_errors": {k: v for k, v in service_errors.items() if k not in form.fields},
        "full": full,
    }
    return render(request, "register/signal_form.html", context)


@require_GET
def duplicate_suggestions(request: HttpRequest) -> HttpResponse:
    """htmx partial: suggestions for the entity sub-form named by ``prefix``."""
    user = _user(request)
    if not user.has_perm("register.view_entity"):
        raise PermissionDenied
    prefix = str(request.GET.get("prefix", ""))
    kind = str(request.GET.get(f"{prefix}-kind", ""))
    props = {
        key[len(f"{prefix}-{kind}__") :]: str(value)
        for key, value in request.GET.items()
        if key.startswith(f"{prefix}-{kind}__") and str(value).strip()
    }
    found = duplicates.suggestions(access.entities_visible_to(user), kind, props) if kind else []
    # The partial is re-rendered while the user types: keep a choice already made.
    selected = str(request.GET.get(f"{prefix}-existing_id", ""))
    return render(
        request,
        "register/partials/suggestions.html",
        {"suggestions": found, "prefix": prefix, "selected": selected},
    )


@require_GET
def signal_detail(request: HttpRequest, signal_id: int) -> HttpResponse:
    user = _user(request)
    signal = access.get_signal_for(user, signal_id)
    links = (
        SignalEntity.objects.filter(signal=signal)
        .select_related("entity")
        .order_by("role", "entity__label")
    )
    observations = signal.observations.select_related("indicator").order_by("indicator__code")
    context = {
        "signal": signal,
        "links": links,
        "observed": [o for o in observations if o.observation == Observation.OBSERVED],
        "not_observed": [o for o in observations if o.observation == Observation.NOT_OBSERVED],
        "history": signal.status_changes.select_related("changed_by"),
        "attachments": signal.attachments.all(),
        "transitions": workflow.allowed_transitions(signal.status),
        "can_assess": user.has_perm("register.assess_signal"),
        "can_link": user.has_perm("register.change_entity"),
        "show_entities": access.can_view_register(user),
        "transition_form": TransitionForm(),
        "attachment_form": AttachmentForm(),
        "hold_form": LegalHoldForm(initial={"hold": not signal.legal_hold}),
        "link_form": LinkEntityForm(),
    }
    return render(request, "register/signal_detail.html", context)


@permission_required("register.assess_signal", raise_exception=True)
@require_POST
def signal_transition(request: HttpRequest, signal_id: int) -> HttpResponse:
    user = _user(request)
    signal = access.get_signal_for(user, signal_id, audit=False)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.transition_signal(
                acting_user=user,
                signal=signal,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
            )
        except workflow.TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("De status is gewijzigd."))
    return redirect("register:signal-detail", signal_id=signal.pk)


@permission_required("register.assess_signal", raise_exception=True)
@require_POST
def signal_legal_hold(request: HttpRequest, signal_id: int) -> HttpResponse:
    user = _user(request)
    signal = access.get_signal_for(user, signal_id, audit=False)
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        services.set_legal_hold(
            acting_user=user,
            signal=signal,
            hold=form.cleaned_data["hold"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("De juridische blokkade is bijgewerkt."))
    else:
        messages.error(request, _("Geef een reden op voor de juridische blokkade."))
    return redirect("register:signal-detail", signal_id=signal.pk)


@permission_required("register.assess_signal", raise_exception=True)
@require_POST
def attachment_add(request: HttpRequest, signal_id: int) -> HttpResponse:
    user = _user(request)
    signal = access.get_signal_for(user, signal_id, audit=False)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(
                acting_user=user, signal=signal, upload=form.cleaned_data["file"]
            )
        except RegisterValidationError as exc:
            messages.error(request, exc.text())
        else:
            messages.success(request, _("De bijlage is toegevoegd."))
    else:
        messages.error(request, _("Kies een bestand."))
    return redirect("register:signal-detail", signal_id=signal.pk)


@require_GET
def attachment_download(request: HttpRequest, signal_id: int, attachment_id: int) -> FileResponse:
    user = _user(request)
    signal = access.get_signal_for(user, signal_id, audit=False)
    attachment = Attachment.objects.filter(signal=signal, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    access.audit_read(user, attachment, signal=signal.pk)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name
    )
    # Never let a browser render an uploaded file as a page of ours.
    response["Content-Type"] = "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required("register.change_entity", raise_exception=True)
@require_POST
def signal_link_entity(request: HttpRequest, signal_id: int) -> HttpResponse:
    user = _user(request)
    signal = access.get_signal_for(user, signal_id, audit=False)
    form = LinkEntityForm(request.POST)
    if form.is_valid():
        entity = access.get_entity_for(user, form.cleaned_data["entity_id"], audit=False)
        try:
            services.link_entity(
                acting_user=user, signal=signal, entity=entity, role=form.cleaned_data["role"]
            )
        except RegisterValidationError as exc:
            messages.error(request, exc.text())
        else:
            messages.success(request, _("De betrokkene is gekoppeld."))
    return redirect("register:signal-detail", signal_id=signal.pk)


@permission_required("register.view_entity", raise_exception=True)
@require_GET
def entity_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    entities = access.entities_visible_to(user).filter(merged_into__isnull=True)
    query = str(request.GET.get("q", "")).strip()
    kind = str(request.GET.get("soort", ""))
    if kind:
        entities = entities.filter(kind=kind)
    if query:
        from zicht.register import matching

        # Identifiers are matched exactly in their stored form (through the index); the
        # query is cleaned as every identifier type that accepts it.
        condition = Q()
        for scheme, value in identifiers.candidate_values(query):
            condition |= Q(scheme=scheme, value=value)
        # Every word of the query must start a word of the name (index range lookups).
        words = matching.search_tokens(query)
        by_name: Any = None
        for word in words:
            starts = EntityToken.objects.filter(token__gte=word, token__lt=word + "\uffff")
            by_name = (
                starts.values("entity_id")
                if by_name is None
                else by_name.filter(entity_id__in=starts.values("entity_id"))
            )
        found = [by_name] if by_name is not None else []
        if condition:
            found.append(EntityIdentifier.objects.filter(condition).values("entity_id"))
        # One IN over a UNION of the id sets, not an OR of two IN subqueries: PostgreSQL
        # cannot use an index for the OR and read all entities (44 ms for an IBAN).
        if not found:
            entities = entities.none()
        else:
            ids = found[0] if len(found) == 1 else found[0].union(found[1])
            entities = entities.filter(pk__in=ids)
    # The rows show number, name and kind: a common word matches thousands of entities, and
    # sorting them with their JSON properties cost more than finding them.
    entities = entities.only("id", "kind", "label").order_by("label", "id")
    page = CappedPaginator(entities, PAGE_SIZE).get_page(request.GET.get("pagina"))
    params = request.GET.copy()
    params.pop("pagina", None)
    from zicht.register.models import EntityKind

    return render(
        request,
        "register/entity_list.html",
        {
            "page": page,
            "q": query,
            "kind": kind,
            "kinds": EntityKind.choices,
            "query": params.urlencode(),
        },
    )


@permission_required("register.view_entity", raise_exception=True)
@require_GET
def entity_detail(request: HttpRequest, entity_id: int) -> HttpResponse:
    user = _user(request)
    entity = access.get_entity_for(user, entity_id)
    links = (
        SignalEntity.objects.filter(entity=entity)
        .select_related("signal", "signal__municipality")
        .order_by("-signal__received_on")
    )
    relations = list(
        EntityRelation.objects.filter(Q(source=entity) | Q(target=entity)).select_related(
            "source", "target"
        )
    )
    merges = EntityMerge.objects.filter(Q(source=entity) | Q(target=entity)).select_related(
        "source", "target"
    )
    history = (
        AuditEntry.objects.filter(object_type="register.entity", object_id=str(entity.pk))
        .exclude(action="read")
        .order_by("-id")[:50]
    )
    context = {
        "entity": entity,
        "properties": [
            (p.label, entity.properties.get(p.name))
            for p in _props(entity.kind)
            if entity.properties.get(p.name)
        ],
        "links": links,
        "relations": relations,
        "merges": merges,
        "history": history,
        "merged_from": Entity.objects.filter(merged_into=entity),
        "can_change": user.has_perm("register.change_entity"),
        "can_merge": user.has_perm("register.merge_entity"),
        "relation_form": RelationForm(),
        "merge_form": MergeForm(),
    }
    return render(request, "register/entity_detail.html", context)


def _props(kind: str) -> Any:
    from zicht.register import schema

    return schema.props_of(kind)


@permission_required("register.change_entity", raise_exception=True)
@require_POST
def entity_relate(request: HttpRequest, entity_id: int) -> HttpResponse:
    user = _user(request)
    entity = access.get_entity_for(user, entity_id, audit=False)
    form = RelationForm(request.POST)
    if form.is_valid():
        target = access.entities_visible_to(user).filter(pk=form.cleaned_data["target_id"]).first()
        if target is None:
            messages.error(
                request, _("Betrokkene %(n)s bestaat niet.") % {"n": form.cleaned_data["target_id"]}
            )
        else:
            try:
                services.relate_entities(
                    acting_user=user, source=entity, target=target, type=form.cleaned_data["type"]
                )
            except RegisterValidationError as exc:
                messages.error(request, exc.text())
            else:
                messages.success(request, _("De relatie is vastgelegd."))
    return redirect("register:entity-detail", entity_id=entity.pk)


@permission_required("register.merge_entity", raise_exception=True)
@require_POST
def entity_merge(request: HttpRequest, entity_id: int) -> HttpResponse:
    user = _user(request)
    source = access.get_entity_for(user, entity_id, audit=False)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vul het nummer van de andere betrokkene en een reden in."))
        return redirect("register:entity-detail", entity_id=source.pk)
    target = access.entities_visible_to(user).filter(pk=form.cleaned_data["target_id"]).first()
    if target is None:
        messages.error(
            request, _("Betrokkene %(n)s bestaat niet.") % {"n": form.cleaned_data["target_id"]}
        )
        return redirect("register:entity-detail", entity_id=source.pk)
    try:
        services.merge_entities(
            acting_user=user, source=source, target=target, reason=form.cleaned_data["reason"]
        )
    except RegisterValidationError as exc:
        messages.error(request, exc.text())
        return redirect("register:entity-detail", entity_id=source.pk)
    messages.success(
        request, _("%(a)s is samengevoegd met %(b)s.") % {"a": source.label, "b": target.label}
    )
    return redirect("register:entity-detail", entity_id=target.pk)


@permission_required("register.merge_entity", raise_exception=True)
@require_POST
def entity_unmerge(request: HttpRequest, merge_id: int) -> HttpResponse:
    user = _user(request)
    merge = EntityMerge.objects.filter(
        pk=merge_id, source__in=access.entities_visible_to(user)
    ).first()
    if merge is None:
        raise Http404
    try:
        services.unmerge_entities(acting_user=user, merge=merge)
    except RegisterValidationError as exc:
        messages.error(request, exc.text())
    else:
        messages.success(request, _("De samenvoeging is ongedaan gemaakt."))
    return redirect("register:entity-detail", entity_id=merge.source_id)
