from django import forms
from django.utils.translation import gettext_lazy as _

from zicht.accounts.forms import AccessibleFormMixin
from zicht.audit.models import AuditAction


class AuditFilterForm(AccessibleFormMixin, forms.Form):
    date_from = forms.DateField(
        label=_("Vanaf"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Tot en met"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    action = forms.ChoiceField(
        label=_("Handeling"), required=False, choices=[("", _("alle")), *AuditAction.choices]
    )
    category = forms.ChoiceField(
        label=_("Categorie"),
        required=False,
        choices=[("", _("alle")), ("data", _("gegevens")), ("security", _("beveiliging"))],
    )
    username = forms.CharField(label=_("Gebruiker"), required=False, max_length=150)
    object_type = forms.CharField(label=_("Objecttype"), required=False, max_length=100)
    object_id = forms.CharField(label=_("Object-id"), required=False, max_length=100)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("De begindatum ligt na de einddatum."))
        return cleaned
