"""Forms of joint research: drafting a study on the hub, a steward's decision on a node.

The study form only collects choices; :func:`zicht.research.dimensions.build_spec` turns
them into a checked :class:`~zicht.research.study.StudySpec` and its Dutch message is the
form's error when a combination is not allowed.
"""

import itertools
import re
import secrets
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from zicht.accounts.forms import AccessibleFormMixin
from zicht.regions import REGION_CODES, REGIONS
from zicht.research.dimensions import build_spec, categories_for
from zicht.research.study import (
    DIMENSIONS,
    MAX_DIMENSIONS,
    METRICS,
    MIN_CELL_RANGE,
    SpecError,
    StudySpec,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Dimensions a draft may filter on, each a field ``filter_<code>``.
FILTER_DIMENSIONS = ("form", "sector", "route_step")
FILTER_LABELS = {
    "form": _("Alleen deze uitbuitingsvormen"),
    "sector": _("Alleen deze sectoren"),
    "route_step": _("Alleen deze stappen in de route"),
}
EPSILON_INPUT = re.compile(r"^[0-9]{1,2}(?:[.,][0-9]{1,6})?$")
SLUG_LENGTH = 48  # plus "-" and a 6-character suffix; the run id adds ".<number>" (≤ 64)


def new_study_id(title: str) -> str:
    """A readable, unique-enough code: the title as a slug plus a short random suffix.

    Matches the protocol's identifiers (``^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$``) and leaves room
    for the run number (``<study_id>.<n>``).
    """
    slug = slugify(title)
    if len(slug) > SLUG_LENGTH:
        # Cut between words where possible: "...-de-horeca", not "...-de-horec".
        head = slug[: SLUG_LENGTH + 1]
        slug = head.rsplit("-", 1)[0] if "-" in head else slug[:SLUG_LENGTH]
    slug = slug.strip("-_") or "onderzoek"
    return f"{slug}-{secrets.token_hex(3)}"


def _dimension_choices(blank: bool) -> list[tuple[str, str]]:
    choices = [(code, label) for code, label in DIMENSIONS.items()]
    return [("", "—"), *choices] if blank else choices


class StudyForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    question = forms.CharField(
        label=_("Onderzoeksvraag"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("De vraag zoals de data stewards van de regio's hem lezen."),
    )
    period_start = forms.DateField(label=_("Periode van"), widget=DATE)
    period_end = forms.DateField(label=_("Periode tot en met"), widget=DATE)
    regions = forms.MultipleChoiceField(
        label=_("Deelnemende regio's"),
        choices=[(r.code, r.name) for r in REGIONS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Minstens drie. Elke regio beslist zelf of zij meedoet; een regio die afwijst of "
            "niet antwoordt, telt niet mee."
        ),
    )
    metric = forms.ChoiceField(label=_("Wat wordt geteld"), choices=list(METRICS.items()))
    dimension_1 = forms.ChoiceField(
        label=_("Eerste uitsplitsing (de rijen van de tabel)"), choices=_dimension_choices(False)
    )
    dimension_2 = forms.ChoiceField(
        label=_("Tweede uitsplitsing (optioneel)"), choices=_dimension_choices(True), required=False
    )
    dimension_3 = forms.ChoiceField(
        label=_("Derde uitsplitsing (optioneel)"), choices=_dimension_choices(True), required=False
    )
    filter_form = forms.MultipleChoiceField(
        label=FILTER_LABELS["form"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Niets aangevinkt: alle vormen tellen mee."),
    )
    filter_sector = forms.MultipleChoiceField(
        label=FILTER_LABELS["sector"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Niets aangevinkt: alle sectoren tellen mee."),
    )
    filter_route_step = forms.MultipleChoiceField(
        label=FILTER_LABELS["route_step"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Niets aangevinkt: alle stappen tellen mee."),
    )
    min_cell = forms.IntegerField(
        label=_("Minimale celgrootte k"),
        initial=10,
        min_value=MIN_CELL_RANGE[0],
        max_value=MIN_CELL_RANGE[1],
        help_text=_(
            "Aantallen van 1 tot k worden in het resultaat onderdrukt (en zo nodig andere "
            "cellen). Voor gezamenlijk onderzoek is 10 gebruikelijk; minimaal 3."
        ),
    )
    epsilon = forms.CharField(
        label=_("Differential privacy: epsilon (optioneel)"),
        required=False,
        max_length=12,
        help_text=_(
            "Leeg: geen ruis. Bijvoorbeeld 1 of 0,5: hoe kleiner, hoe meer ruis en hoe sterker "
            "de bescherming. Elke deelnemende regio betaalt deze epsilon uit haar jaarlijkse "
            "privacybudget."
        ),
    )
    region_columns = forms.BooleanField(
        label=_("Regio's vragen ook hun eigen kolom vrij te geven"),
        required=False,
        help_text=_(
            "Een aparte tabel met de cijfers van één regio, alleen als de data steward van die "
            "regio daar apart mee instemt. Standaard uit."
        ),
    )

    def __init__(self, *args: Any, study_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study_id = study_id
        self.spec: StudySpec | None = None
        fields: Any = self.fields
        today = timezone.localdate()
        for code in FILTER_DIMENSIONS:
            fields[f"filter_{code}"].choices = [
                (c.code, c.label) for c in categories_for(code, today, today)
            ]
        if not self.is_bound and "regions" not in self.initial:
            self.initial["regions"] = list(REGION_CODES)

    @classmethod
    def initial_from(cls, spec: StudySpec) -> dict[str, Any]:
        """The form's initial values for an existing study's spec."""
        codes = [d.code for d in spec.dimensions] + [""] * MAX_DIMENSIONS
        initial: dict[str, Any] = {
            "title": spec.title,
            "question": spec.question,
            "period_start": spec.period_start,
            "period_end": spec.period_end,
            "regions": list(spec.regions),
            "metric": spec.metric,
            "dimension_1": codes[0],
            "dimension_2": codes[1],
            "dimension_3": codes[2],
            "min_cell": spec.min_cell,
            "epsilon": "" if spec.epsilon is None else format(spec.epsilon, "f").replace(".", ","),
            "region_columns": spec.region_columns,
        }
        for code, allowed in spec.filters:
            if code in FILTER_DIMENSIONS:
                initial[f"filter_{code}"] = list(allowed)
        return initial

    def clean_epsilon(self) -> str:
        value = str(self.cleaned_data.get("epsilon") or "").strip()
        if value and not EPSILON_INPUT.match(value):
            raise forms.ValidationError(
                _("Geef epsilon als getal, bijvoorbeeld 1 of 0,5, of laat het veld leeg.")
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        codes = [cleaned.get(f"dimension_{i}") or "" for i in range(1, MAX_DIMENSIONS + 1)]
        if any(not earlier and later for earlier, later in itertools.pairwise(codes)):
            raise forms.ValidationError(
                _("Vul de uitsplitsingen van boven naar beneden in, zonder een lege ertussen.")
            )
        filters = {
            code: list(cleaned.get(f"filter_{code}") or [])
            for code in FILTER_DIMENSIONS
            if cleaned.get(f"filter_{code}")
        }
        start: date = cleaned["period_start"]
        end: date = cleaned["period_end"]
        try:
            self.spec = build_spec(
                study_id=self.study_id or new_study_id(cleaned["title"]),
                title=cleaned["title"],
                question=cleaned["question"],
                period_start=start,
                period_end=end,
                regions=list(cleaned["regions"]),
                metric=cleaned["metric"],
                dimension_codes=[code for code in codes if code],
                filters=filters,
                min_cell=cleaned["min_cell"],
                epsilon=cleaned.get("epsilon") or None,
                region_columns=bool(cleaned.get("region_columns")),
            )
        except SpecError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return cleaned


class CancelForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reden van intrekken"),
        max_length=2000,
        widget=forms.TextInput,
    )


APPROVE = "approve"
DECLINE = "decline"


class DecisionForm(AccessibleFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[(APPROVE, _("Goedkeuren: mijn regio doet mee")), (DECLINE, _("Afwijzen"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reden"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Verplicht bij afwijzen. De hub en de onderzoekers zien de reden."),
    )
    region_column = forms.BooleanField(
        label=_("Ook de eigen kolom van mijn regio vrijgeven"),
        required=False,
        help_text=_(
            "Los van de som: een tabel met alleen de cijfers van uw regio, na onderdrukking van "
            "kleine aantallen (zie het voorbeeld hieronder). Alleen bij goedkeuring."
        ),
    )

    def __init__(self, *args: Any, region_columns: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not region_columns:
            del self.fields["region_column"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        decision = cleaned.get("decision")
        if decision == DECLINE and not str(cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Geef een reden als u het onderzoek afwijst."))
        if decision == DECLINE and cleaned.get("region_column"):
            self.add_error(
                "region_column", _("Een eigen kolom vrijgeven kan alleen bij goedkeuring.")
            )
        return cleaned

    @property
    def approve(self) -> bool:
        return self.cleaned_data.get("decision") == APPROVE
