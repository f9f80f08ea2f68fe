"""Forms of the register: signal intake with indicators and entities, and the actions."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.accounts.forms import AccessibleFormMixin
from zicht.accounts.models import Organisation
from zicht.catalogue.models import ExploitationForm, Indicator, RouteStep, Sector
from zicht.core.instance import own_region
from zicht.reference.models import Municipality
from zicht.register import schema
from zicht.register.models import (
    Confidentiality,
    EntityKind,
    Observation,
    RelationType,
    ReporterRole,
    SignalRole,
)
from zicht.register.services import DEFAULT_LEGAL_GROUND, DEFAULT_PURPOSE, EntityInput, SignalInput


def municipality_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    own = own_region().code
    mine: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    for code, name, region in Municipality.objects.values_list(
        "code", "name", "region__code"
    ).order_by("name"):
        (mine if region == own else others).append((code, name))
    return [
        (str(_("Eigen regio")), mine),
        (str(_("Andere regio's (alleen met ‘buiten de eigen regio’)")), others),
    ]


class SignalForm(AccessibleFormMixin, forms.Form):
    received_on = forms.DateField(
        label=_("Datum ontvangst"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=date.today,
    )
    reporting_organisation = forms.ModelChoiceField(
        label=_("Melder (organisatie)"), queryset=Organisation.objects.filter(is_active=True)
    )
    reporter_role = forms.ChoiceField(label=_("Rol van de melder"), choices=ReporterRole.choices)
    municipality = forms.ChoiceField(label=_("Gemeente"))
    out_of_region = forms.BooleanField(label=_("Buiten de eigen regio"), required=False)
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        queryset=Sector.objects.filter(is_active=True),
        required=False,
        to_field_name="code",
    )
    route_step = forms.ModelChoiceField(
        label=_("Stap in de route (barrièremodel)"),
        queryset=RouteStep.objects.all(),
        required=False,
        to_field_name="code",
    )
    exploitation_forms = forms.ModelMultipleChoiceField(
        label=_("Vermoedelijke vorm(en) van uitbuiting"),
        queryset=ExploitationForm.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )
    description = forms.CharField(
        label=_("Omschrijving"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    confidentiality = forms.ChoiceField(
        label=_("Vertrouwelijkheid"),
        choices=Confidentiality.choices,
        initial=Confidentiality.CONFIDENTIAL,
    )
    purpose = forms.CharField(label=_("Doel"), max_length=200, initial=DEFAULT_PURPOSE)
    legal_ground = forms.CharField(
        label=_("Grondslag"), max_length=200, initial=DEFAULT_LEGAL_GROUND
    )

    def __init__(
        self, *args: Any, partner_organisation: Organisation | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        municipality: Any = self.fields["municipality"]
        municipality.choices = [("", "—"), *municipality_choices()]
        self.partner_organisation = partner_organisation
        if partner_organisation is not None:
            # A partner reports for its own organisation only.
            del self.fields["reporting_organisation"]

    def clean_received_on(self) -> date:
        value: date = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("De datum van ontvangst ligt in de toekomst."))
        return value


def indicator_groups() -> list[tuple[str, list[Indicator]]]:
    groups: dict[str, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(is_active=True).order_by("code"):
        groups.setdefault(indicator.group, []).append(indicator)
    return list(groups.items())


def observations_from(data: Any) -> dict[str, str]:
    """Observed / not observed per indicator from ``ind-<code>`` fields; unknown is left out."""
    result = {}
    for key, value in data.items():
        if key.startswith("ind-") and value in (Observation.OBSERVED, Observation.NOT_OBSERVED):
            result[key[4:]] = value
    return result


class EntityForm(AccessibleFormMixin, forms.Form):
    """One involved entity: either an existing one (from the duplicate check) or a new one."""

    role = forms.ChoiceField(
        label=_("Rol"), choices=[("", "—"), *SignalRole.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Soort"), choices=[("", "—"), *EntityKind.choices], required=False
    )
    # With JavaScript the chosen suggestion is kept in this hidden field, outside the part of
    # the page that htmx re-renders; without it the radio buttons (existing_choice) count.
    existing_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    existing_choice = forms.IntegerField(required=False, widget=forms.HiddenInput)
    create_new = forms.BooleanField(
        label=_("Toch als nieuwe betrokkene vastleggen"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in schema.KINDS:
            for prop in schema.props_of(kind):
                name = f"{kind}__{prop.name}"
                widget = (
                    forms.DateInput(attrs={"type": "date"}) if prop.is_date else forms.TextInput
                )
                self.fields[name] = forms.CharField(
                    label=str(prop.label), required=False, max_length=prop.max_length, widget=widget
                )

    def kind_fields(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (
                kind,
                str(EntityKind(kind).label),
                [self[f"{kind}__{p.name}"] for p in schema.props_of(kind)],
            )
            for kind in schema.KINDS
        ]

    def properties(self) -> dict[str, Any]:
        kind = self.cleaned_data.get("kind") or ""
        if kind not in schema.KINDS:
            return {}
        return {
            p.name: self.cleaned_data.get(f"{kind}__{p.name}", "")
            for p in schema.props_of(kind)
            if self.cleaned_data.get(f"{kind}__{p.name}")
        }

    def is_empty(self) -> bool:
        return not self.cleaned_data.get("kind") and not self.cleaned_data.get("existing_id")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("existing_id") and cleaned.get("existing_choice"):
            cleaned["existing_id"] = cleaned["existing_choice"]
        if (cleaned.get("kind") or cleaned.get("existing_id")) and not cleaned.get("role"):
            self.add_error("role", _("Kies de rol van deze betrokkene."))
        return cleaned

    def to_input(self) -> EntityInput:
        data = self.cleaned_data
        if data.get("existing_id"):
            return EntityInput(role=data["role"], existing_id=data["existing_id"])
        return EntityInput(role=data["role"], kind=data["kind"], properties=self.properties())


EntityFormSet = forms.formset_factory(EntityForm, extra=2, max_num=20)


def signal_input(form: SignalForm, entity_forms: list[EntityForm], raw: Any) -> SignalInput:
    data = form.cleaned_data
    organisation = form.partner_organisation or data["reporting_organisation"]
    return SignalInput(
        received_on=data["received_on"],
        reporting_organisation=organisation,
        reporter_role=data["reporter_role"],
        municipality_code=data["municipality"],
        out_of_region=data["out_of_region"],
        sector_code=data["sector"].code if data.get("sector") else "",
        route_step_code=data["route_step"].code if data.get("route_step") else "",
        form_codes=[f.code for f in data["exploitation_forms"]],
        observations=observations_from(raw),
        description=data["description"],
        confidentiality=data["confidentiality"],
        purpose=data["purpose"],
        legal_ground=data["legal_ground"],
        entities=[f.to_input() for f in entity_forms if not f.is_empty()],
    )


class TransitionForm(AccessibleFormMixin, forms.Form):
    to_status = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reden / toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LinkEntityForm(AccessibleFormMixin, forms.Form):
    entity_id = forms.IntegerField(label=_("Nummer van de betrokkene"), min_value=1)
    role = forms.ChoiceField(label=_("Rol"), choices=SignalRole.choices)


class RelationForm(AccessibleFormMixin, forms.Form):
    type = forms.ChoiceField(label=_("Relatie"), choices=RelationType.choices)
    target_id = forms.IntegerField(label=_("Nummer van de andere betrokkene"), min_value=1)


class MergeForm(AccessibleFormMixin, forms.Form):
    target_id = forms.IntegerField(label=_("Samenvoegen met betrokkene nummer"), min_value=1)
    reason = forms.CharField(label=_("Reden"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(label=_("Bijlage"))


class LegalHoldForm(AccessibleFormMixin, forms.Form):
    hold = forms.BooleanField(label=_("Juridische blokkade"), required=False)
    reason = forms.CharField(label=_("Reden"), max_length=500)
