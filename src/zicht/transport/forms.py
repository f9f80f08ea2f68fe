from django import forms
from django.utils.translation import gettext_lazy as _

from zicht.transport.models import REGION_CHOICES
from zicht.transport.services import ENROLLMENT_CODE_HOURS


class EnrollmentCodeForm(forms.Form):
    region = forms.ChoiceField(label=_("Regio"), choices=REGION_CHOICES)
    hours = forms.IntegerField(
        label=_("Geldig (uren)"),
        min_value=1,
        max_value=24 * 14,
        initial=ENROLLMENT_CODE_HOURS,
        help_text=_("Na deze tijd vervalt de code als hij niet is gebruikt."),
    )
