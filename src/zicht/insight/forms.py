"""The dashboard's filter form (read from the URL, so every view can be shared as a link)
and the forms of the phenomenon-picture reports."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zicht.accounts.forms import AccessibleFormMixin
from zicht.catalogue.models import ExploitationForm, Sector
from zicht.insight.figures import Filters
from zicht.insight.models import ReportStatus
from zicht.insight.services import Text
from zicht.register.forms import municipality_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FilterForm(AccessibleFormMixin, forms.Form):
    van = forms.DateField(label=_("Ontvangen vanaf"), required=False, widget=DATE)
    tot = forms.DateField(label=_("Ontvangen tot en met"), required=False, widget=DATE)
    vorm = forms.ChoiceField(label=_("Uitbuitingsvorm"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    gemeente = forms.ChoiceField(label=_("Gemeente"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", _("alle"))
        fields: Any = self.fields
        fields["vorm"].choices = [everything] + [
            (f.code, f.name) for f in ExploitationForm.objects.all()
        ]
        fields["sector"].choices = [everything] + [(s.code, s.name) for s in Sector.objects.all()]
        # The region's own municipalities: a select of all 342 costs more to render than
        # the rest of the page. Signals elsewhere still appear in the table.
        own = list(municipality_choices()[0][1])
        fields["gemeente"].choices = [everything, *own]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("van"), cleaned.get("tot")
        if start and end and start > end:
            raise forms.ValidationError(_("De begindatum ligt na de einddatum."))
        return cleaned

    def filters(self) -> Filters:
        """The filters whose values are valid; the page shows the errors of the others."""
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            date_from=data.get("van"),
            date_to=data.get("tot"),
            form=data.get("vorm") or "",
            sector=data.get("sector") or "",
            municipality=data.get("gemeente") or "",
        )


# --- Phenomenon-picture reports --------------------------------------------------------------

TEXTAREA = forms.Textarea(attrs={"rows": 8})


class ReportTextForm(AccessibleFormMixin, forms.Form):
    """The narrative of a report: what every version holds."""

    title = forms.CharField(
        label=_("Titel"),
        max_length=200,
        error_messages={"required": _("Geef het fenomeenbeeld een titel.")},
    )
    summary = forms.CharField(
        label=_("Samenvatting"),
        required=False,
        widget=TEXTAREA,
        help_text=_("Nodig om het fenomeenbeeld definitief te maken."),
    )
    trends = forms.CharField(label=_("Trends"), required=False, widget=TEXTAREA)
    modus_operandi = forms.CharField(label=_("Modus operandi"), required=False, widget=TEXTAREA)
    recommendations = forms.CharField(label=_("Aanbevelingen"), required=False, widget=TEXTAREA)
    note = forms.CharField(
        label=_("Toelichting bij deze versie"),
        required=False,
        max_length=200,
        help_text=_("Optioneel, bijvoorbeeld: aanvulling na het stuurgroepoverleg."),
    )

    def text(self) -> Text:
        data = self.cleaned_data
        return Text(
            title=data["title"],
            summary=data["summary"],
            trends=data["trends"],
            modus_operandi=data["modus_operandi"],
            recommendations=data["recommendations"],
            note=data["note"],
        )


class ReportCreateForm(ReportTextForm):
    period_start = forms.DateField(
        label=_("Periode vanaf"),
        widget=DATE,
        error_messages={"required": _("Kies het begin van de periode.")},
    )
    period_end = forms.DateField(
        label=_("Periode tot en met"),
        widget=DATE,
        error_messages={"required": _("Kies het einde van de periode.")},
        help_text=_("Signalen tellen mee op de datum van ontvangst."),
    )

    field_order = ["title", "period_start", "period_end"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("Het einde van de periode ligt vóór het begin."))
        return cleaned


class ReportEditForm(ReportTextForm):
    # The version the writer started from: saving on top of a newer one is refused.
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReportTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=ReportStatus.choices)
    reason = forms.CharField(required=False, max_length=500)
