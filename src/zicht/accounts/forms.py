"""Forms for logging in, two-factor steps and user administration."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from zicht.accounts.models import Organisation, OrganisationType, Role, User


class AccessibleFormMixin:
    """Links help texts and errors to their inputs (aria-describedby, aria-invalid)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._describe()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self._describe()

    def _describe(self) -> None:
        form: Any = self
        errors = getattr(form, "_errors", None) or {}
        for name, field in form.fields.items():
            bound_id = form[name].auto_id
            described = []
            if field.help_text:
                described.append(f"{bound_id}_help")
            if name in errors:
                described.append(f"{bound_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)


class LoginForm(AccessibleFormMixin, forms.Form):
    username = forms.CharField(
        label=_("Gebruikersnaam"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(AccessibleFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Code uit uw authenticator-app"),
        help_text=_("Zes cijfers; de code verandert elke 30 seconden."),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not (token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("Vul de zes cijfers uit uw authenticator-app in."))
        return token


class AuditedPasswordResetForm(AccessibleFormMixin, PasswordResetForm):
    def get_users(self, email: str) -> Iterator[Any]:
        # Django skips accounts without a usable password; ours are all local accounts, and a
        # new account has none until its owner follows the link, so include them.
        return (
            user
            for user in User.objects.filter(email__iexact=email, is_active=True)
            if user.email.lower() == email.lower()
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        from zicht.accounts.services import register_password_reset_request

        email = self.cleaned_data["email"]
        found = any(True for _user in self.get_users(email))
        register_password_reset_request(email=email, found=found)
        super().save(*args, **kwargs)


def _role_field() -> "forms.ModelMultipleChoiceField[Role]":
    return forms.ModelMultipleChoiceField(
        label=_("Rollen"),
        queryset=Role.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )


class UserCreateForm(AccessibleFormMixin, forms.Form):
    username = forms.SlugField(label=_("Gebruikersnaam"), max_length=150)
    first_name = forms.CharField(label=_("Voornaam"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mailadres"),
        help_text=_("De gebruiker krijgt hier een link om zelf een wachtwoord te kiezen."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.filter(is_active=True)
    )
    roles = _role_field()

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Deze gebruikersnaam is al in gebruik."))
        return username


class UserEditForm(AccessibleFormMixin, forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mailadres"))
    is_active = forms.BooleanField(
        label=_("Actief"), required=False, help_text=_("Een inactief account kan niet inloggen.")
    )
    roles = _role_field()


class OrganisationForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=200)
    type = forms.ChoiceField(label=_("Soort"), choices=OrganisationType.choices)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if Organisation.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("Er bestaat al een organisatie met deze naam."))
        return name
