"""Sign-in and sign-out. No app_name: "login" and "logout" are global names that
Django's auth settings (LOGIN_URL, LOGOUT_REDIRECT_URL) use."""

from django.urls import path

from agencies import views

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
]
