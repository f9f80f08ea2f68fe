"""The dashboard's filter form: read from the URL, so every view can be shared as a link."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zicht.accounts.forms import AccessibleFormMixin
from zicht.catalogue.models import ExploitationForm, Sector
from zicht.insight.figures import Filters
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
