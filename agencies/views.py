"""Signing in and out, and the pages shown for errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from agencies.models import User


class SignedInRequest(HttpRequest):
    """The request a `login_required` view receives: its user is a person, never anonymous."""

    user: User


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with GOV.UK wording and the attributes GOV.UK asks for.

    includes/field.html draws the GOV.UK input around these widgets; the attrs here are
    the ones only the form knows (autocomplete, and no spellcheck on a username).
    """

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been closed. Contact your Homeward administrator.",
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {
                "class": "govuk-input--width-20",
                "autocomplete": "username",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        )
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"class": "govuk-input--width-20", "autocomplete": "current-password"}
        )
        self.fields["password"].error_messages["required"] = "Enter your password"


class SignInView(auth_views.LoginView):
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires), and say so on the sign-in page."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out.")
        return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the error may be the database or a context processor failing.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
