"""Sign-in, the second factor, and sign-out. No app_name: "login" and "logout" are global
names that Django's auth settings (LOGIN_URL, LOGOUT_REDIRECT_URL) use, and the second
factor's pages are named beside them (agencies.middleware lets them through)."""

from django.urls import path

from agencies import views

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("sign-in/code/", views.two_factor_challenge, name="two_factor_challenge"),
    path("sign-in/backup-code/", views.two_factor_backup_code, name="two_factor_backup_code"),
    path("account/two-factor/", views.two_factor_manage, name="two_factor_manage"),
    path(
        "account/two-factor/backup-codes/",
        views.two_factor_new_backup_codes,
        name="two_factor_new_backup_codes",
    ),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
]
