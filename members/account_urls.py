"""/accounts/: signing in (both steps) and a person's own account. Sign-out and the invitation
link's set-password page stay in hub/urls.py."""

from django.urls import path

from . import account_views

# No app_name: "login" is settings.LOGIN_URL and the name every test and template uses.
urlpatterns = [
    path("", account_views.account, name="account"),
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("two-factor/", account_views.two_factor_verify, name="two_factor"),
    path("two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path(
        "two-factor/devices/<int:pk>/remove/",
        account_views.two_factor_remove,
        name="two_factor_remove",
    ),
    path("two-factor/backup-codes/", account_views.backup_codes, name="backup_codes"),
    path("password/", account_views.PasswordChangeView.as_view(), name="password_change"),
]
