"""Sign-in, sign-out and home. No app_name: "login", "logout" and "home" are global names
that Django's auth settings (LOGIN_URL, LOGIN_REDIRECT_URL, LOGOUT_REDIRECT_URL) use."""

from django.urls import path

from agencies import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
]
