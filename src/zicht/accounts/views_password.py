"""Password reset confirmation that writes its audit entry."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpResponse
from django.urls import reverse_lazy

from zicht.accounts import services
from zicht.accounts.forms import AccessibleFormMixin


class AccessibleSetPasswordForm(AccessibleFormMixin, SetPasswordForm):  # type: ignore[type-arg]
    pass


class AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = AccessibleSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.register_password_change(user=form.user, via="reset")
        # A reset through the mailbox is also the way out of a lockout.
        services.clear_lockout(user=form.user)
        return response
