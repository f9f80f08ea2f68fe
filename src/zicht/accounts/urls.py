from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from zicht.accounts import views_admin, views_login
from zicht.accounts.forms import AuditedPasswordResetForm
from zicht.accounts.views_password import AuditedPasswordResetConfirmView

app_name = "accounts"

urlpatterns = [
    path("login/", views_login.login_view, name="login"),
    path("login/code/", views_login.verify_view, name="login-verify"),
    path("login/authenticator/", views_login.setup_view, name="login-setup"),
    path("logout/", views_login.logout_view, name="logout"),
    path(
        "wachtwoord-vergeten/",
        auth_views.PasswordResetView.as_view(
            form_class=AuditedPasswordResetForm,
            template_name="accounts/password_reset.html",
            email_template_name="accounts/mail/reset_body.txt",
            subject_template_name="accounts/mail/reset_subject.txt",
            success_url=reverse_lazy("accounts:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "wachtwoord-vergeten/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "wachtwoord-herstellen/<uidb64>/<token>/",
        AuditedPasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "wachtwoord-herstellen/klaar/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
    path("beheer/gebruikers/", views_admin.user_list, name="user-list"),
    path("beheer/gebruikers/nieuw/", views_admin.user_create, name="user-create"),
    path("beheer/gebruikers/<int:user_id>/", views_admin.user_detail, name="user-detail"),
    path(
        "beheer/gebruikers/<int:user_id>/deblokkeren/", views_admin.user_unlock, name="user-unlock"
    ),
    path(
        "beheer/gebruikers/<int:user_id>/authenticator-wissen/",
        views_admin.user_reset_2fa,
        name="user-reset-2fa",
    ),
    path("beheer/organisaties/", views_admin.organisation_list, name="organisation-list"),
]
