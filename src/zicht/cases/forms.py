"""Forms of the case pages. Choices are narrowed to what the services will accept."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.accounts.access import holds_permission
from zicht.accounts.forms import AccessibleFormMixin
from zicht.accounts.models import Organisation, OrganisationType, User
from zicht.cases import workflow
from zicht.cases.models import (
    Case,
    CasePhase,
    CaseResultType,
    CaseRoleType,
    CaseType,
    InterventionStatus,
    InterventionType,
    MeetingKind,
    RoleKind,
    TaskStatus,
)
from zicht.cases.services import DEFAULT_CASE_LEGAL_GROUND, DEFAULT_PURPOSE
from zicht.register.models import Confidentiality, Signal, SignalStatus

# Signals offered when opening a case: those still being weighed or monitored, and those
# already forwarded (a second case may come from the same signal).
CANDIDATE_SIGNAL_STATUSES = (
    SignalStatus.RECEIVED,
    SignalStatus.IN_ASSESSMENT,
    SignalStatus.MONITORING,
    SignalStatus.TO_CASE,
)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def bureau_users() -> QuerySet[User]:
    """Users of the RIEC bureau: they see every case and may lead one."""
    return (
        User.objects.filter(is_active=True)
        .filter(holds_permission("cases.view_all_cases"))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def assignable_users(case: Case) -> QuerySet[User]:
    """Who may hold a task: the bureau, and partner users whose organisation takes part."""
    organisations = case.participants.filter(ended_at__isnull=True).values("organisation_id")
    partners = Q(organisation__in=organisations) & holds_permission("cases.view_case")
    return (
        User.objects.filter(is_active=True)
        .filter(holds_permission("cases.view_all_cases") | partners)
        .distinct()
        .order_by("organisation__name", "first_name", "last_name", "username")
    )


def participating(case: Case) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        case_participations__case=case, case_participations__ended_at__isnull=True
    ).order_by("name")


if TYPE_CHECKING:
    _UserChoice = forms.ModelChoiceField[User]
    _SignalChoices = forms.ModelMultipleChoiceField[Signal]
else:  # the generic aliases exist for the type checker only
    _UserChoice = forms.ModelChoiceField
    _SignalChoices = forms.ModelMultipleChoiceField


class UserChoiceField(_UserChoice):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.organisation.name})" if obj.organisation else name


class SignalChoiceField(_SignalChoices):
    def label_from_instance(self, obj: Signal) -> str:
        return (
            f"{obj.reference} · {obj.received_on:%d-%m-%Y} · {obj.municipality.name} · "
            f"{obj.get_status_display()}"
        )


class CaseForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    case_type = forms.ModelChoiceField(
        label=_("Casustype"), queryset=CaseType.objects.filter(is_active=True)
    )
    signals = SignalChoiceField(
        label=_("Signalen waaruit de casus voortkomt"),
        queryset=Signal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Signalen in weging of monitoring gaan naar ‘doorgezet naar casus’. Hun betrokkenen "
            "worden betrokkenen van de casus."
        ),
    )
    lead = UserChoiceField(label=_("Casusregisseur"), queryset=User.objects.none(), required=False)
    confidentiality = forms.ChoiceField(
        label=_("Vertrouwelijkheid"),
        choices=[("", _("standaard van het casustype")), *Confidentiality.choices],
        required=False,
    )
    purpose = forms.CharField(label=_("Doel"), max_length=200, initial=DEFAULT_PURPOSE)
    legal_ground = forms.CharField(
        label=_("Grondslag"), max_length=200, initial=DEFAULT_CASE_LEGAL_GROUND
    )
    description = forms.CharField(
        label=_("Omschrijving"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, signals: QuerySet[Signal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        signal_field: Any = self.fields["signals"]
        signal_field.queryset = signals.filter(status__in=CANDIDATE_SIGNAL_STATUSES).select_related(
            "municipality"
        )
        lead: Any = self.fields["lead"]
        lead.queryset = bureau_users()


class CaseEditForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    lead = UserChoiceField(label=_("Casusregisseur"), queryset=User.objects.none(), required=False)
    confidentiality = forms.ChoiceField(
        label=_("Vertrouwelijkheid"), choices=Confidentiality.choices
    )
    purpose = forms.CharField(label=_("Doel"), max_length=200)
    legal_ground = forms.CharField(label=_("Grondslag"), max_length=200)
    description = forms.CharField(
        label=_("Omschrijving"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead: Any = self.fields["lead"]
        lead.queryset = bureau_users()


class TransitionForm(AccessibleFormMixin, forms.Form):
    to_status = forms.ChoiceField(choices=CasePhase.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reden / toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    result_type = forms.ModelChoiceField(
        label=_("Resultaat"), queryset=CaseResultType.objects.none(), required=False
    )
    result_note = forms.CharField(
        label=_("Toelichting bij het resultaat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        result: Any = self.fields["result_type"]
        result.queryset = CaseResultType.objects.filter(case_type=case.case_type, is_active=True)


class ReopenForm(AccessibleFormMixin, forms.Form):
    to_status = forms.ChoiceField(
        label=_("Heropenen naar fase"),
        choices=[(p, workflow.label(p)) for p in workflow.REOPEN_TARGETS],
    )
    reason = forms.CharField(label=_("Reden"), widget=forms.Textarea(attrs={"rows": 2}))


def _role_field(case: Case, kind: str, label: str) -> "forms.ModelChoiceField[CaseRoleType]":
    return forms.ModelChoiceField(
        label=label,
        queryset=CaseRoleType.objects.filter(case_type=case.case_type, kind=kind, is_active=True),
    )


class ParticipantForm(AccessibleFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.filter(is_active=True)
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role_type"] = _role_field(case, RoleKind.PARTNER, str(_("Rol in de casus")))


class SubjectForm(AccessibleFormMixin, forms.Form):
    entity_id = forms.IntegerField(label=_("Nummer van de betrokkene (register)"), min_value=1)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role_type"] = _role_field(case, RoleKind.SUBJECT, str(_("Rol")))


class SignalLinkForm(AccessibleFormMixin, forms.Form):
    reference = forms.CharField(label=_("Kenmerk van het signaal"), max_length=40)


class InterventionForm(AccessibleFormMixin, forms.Form):
    type = forms.ModelChoiceField(
        label=_("Interventie"), queryset=InterventionType.objects.filter(is_active=True)
    )
    responsible = forms.ModelChoiceField(
        label=_("Verantwoordelijke partner"), queryset=Organisation.objects.none()
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=InterventionStatus.choices, initial=InterventionStatus.PLANNED
    )
    planned_on = forms.DateField(label=_("Gepland op"), required=False, widget=DATE)
    started_on = forms.DateField(label=_("Gestart op"), required=False, widget=DATE)
    ended_on = forms.DateField(label=_("Afgerond op"), required=False, widget=DATE)
    description = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(
        label=_("Uitkomst"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        responsible: Any = self.fields["responsible"]
        responsible.queryset = participating(case)
        kind: Any = self.fields["type"]
        kind.queryset = InterventionType.objects.filter(is_active=True).order_by("order")


class TaskForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label=_("Taak"), max_length=200)
    assignee = UserChoiceField(
        label=_("Toewijzen aan"), queryset=User.objects.none(), required=False
    )
    due_on = forms.DateField(label=_("Uiterste datum"), required=False, widget=DATE)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee: Any = self.fields["assignee"]
        assignee.queryset = assignable_users(case).select_related("organisation")


class TaskStatusForm(AccessibleFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)


class MeetingForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Soort overleg"), choices=MeetingKind.choices, initial=MeetingKind.INTEGRATED
    )
    held_on = forms.DateField(label=_("Datum"), widget=DATE, initial=timezone.localdate)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Aanwezige organisaties"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    decisions = forms.CharField(
        label=_("Besluiten (één per regel)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    actions = forms.CharField(
        label=_("Acties (één per regel)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    notes = forms.CharField(
        label=_("Verslag"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attendees: Any = self.fields["attendees"]
        attendees.queryset = (
            Organisation.objects.filter(
                Q(
                    case_participations__case=case,
                    case_participations__ended_at__isnull=True,
                )
                | Q(type__in=[OrganisationType.RIEC, OrganisationType.LIEC], is_active=True)
            )
            .distinct()
            .order_by("name")
        )


class DocumentForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(label=_("Bestand"))
    title = forms.CharField(label=_("Titel"), max_length=200, required=False)
    shared_with = forms.ModelMultipleChoiceField(
        label=_("Zichtbaar voor partners"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Zonder vinkje ziet alleen het RIEC-bureau het document."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared: Any = self.fields["shared_with"]
        shared.queryset = participating(case)


class DocumentShareForm(AccessibleFormMixin, forms.Form):
    shared_with = forms.ModelMultipleChoiceField(
        label=_("Zichtbaar voor partners"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared: Any = self.fields["shared_with"]
        shared.queryset = participating(case)


class AccessRequestForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Waarom heeft uw organisatie toegang nodig?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class AccessDecisionForm(AccessibleFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[("grant", _("toekennen")), ("refuse", _("afwijzen"))],
        widget=forms.RadioSelect,
    )
    role_type = forms.ModelChoiceField(
        label=_("Rol bij toekennen"), queryset=CaseRoleType.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("Toelichting (verplicht bij afwijzen)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role: Any = self.fields["role_type"]
        role.queryset = CaseRoleType.objects.filter(
            case_type=case.case_type, kind=RoleKind.PARTNER, is_active=True
        )


class PreferenceForm(AccessibleFormMixin, forms.Form):
    email_each = forms.BooleanField(label=_("E-mail bij elke notificatie"), required=False)
    daily_digest = forms.BooleanField(label=_("Dagelijks overzicht per e-mail"), required=False)
