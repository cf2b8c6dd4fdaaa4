"""Signing in (a password, then a second factor) and out, and the pages shown for errors."""

from __future__ import annotations

import base64
import io
from typing import Any

import django_otp
import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from agencies import services
from agencies.forms import AuthenticatorCodeForm, BackupCodeForm
from agencies.middleware import stamp_sign_in
from agencies.models import User
from core.errors import ServiceError


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
    """The password, then the second factor: a person with an authenticator app is asked
    for a code, one without sets one up (decision 0015)."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        super().form_valid(form)
        stamp_sign_in(self.request)
        user = form.get_user()
        step = (
            "two_factor_challenge" if services.confirmed_authenticator(user) else "two_factor_setup"
        )
        return HttpResponseRedirect(
            reverse(step) + "?" + urlencode({"next": self.get_success_url()})
        )


def _next_url(request: HttpRequest) -> str:
    """Where to go once signed in: `next` if it is a page of ours, else home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _qr_code_svg(config_url: str) -> str:
    """The otpauth:// URL as an inline SVG (no script, no style: the page's strict CSP)."""
    buffer = io.BytesIO()
    segno.make(config_url, error="m").save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=5,
        border=4,
        svgclass="hw-qr-code",
        lineclass=None,
        dark="#0b0c0c",
        light="#ffffff",
    )
    return (
        buffer.getvalue()
        .decode()
        .replace(
            "<svg ", '<svg role="img" aria-label="QR code to scan with your authenticator app" ', 1
        )
    )


def _grouped_secret(device: Any) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: SignedInRequest) -> HttpResponseBase:
    """Set up an authenticator app: scan the QR code (or type the key), enter a code."""
    user = request.user
    if services.confirmed_authenticator(user) is not None:
        return redirect(
            reverse("two_factor_challenge") + "?" + urlencode({"next": _next_url(request)})
        )
    device = services.start_authenticator_setup(acting_user=user)
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.confirm_authenticator(
                acting_user=user, code=form.cleaned_data["code"]
            )
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            django_otp.login(request, device)
            return render(
                request,
                "registration/backup_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_code": _qr_code_svg(device.config_url),
            "secret": _grouped_secret(device),
            "next": _next_url(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_challenge(request: SignedInRequest) -> HttpResponseBase:
    """Enter the code from the authenticator app (the second step of every sign-in)."""
    user = request.user
    if services.confirmed_authenticator(user) is None:
        return redirect(reverse("two_factor_setup") + "?" + urlencode({"next": _next_url(request)}))
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.verify_authenticator_code(
                acting_user=user, code=form.cleaned_data["code"]
            )
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            django_otp.login(request, device)
            return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "registration/two_factor_challenge.html",
        {"form": form, "next": _next_url(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_backup_code(request: SignedInRequest) -> HttpResponseBase:
    """Sign in with a backup code instead (a lost or forgotten phone)."""
    form = BackupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.use_backup_code(
                acting_user=request.user, code=form.cleaned_data["code"]
            )
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            django_otp.login(request, device)
            left = services.backup_codes_left(request.user)
            messages.info(
                request,
                f"You signed in with a backup code. You have {left} left: create new ones "
                "from Two-factor authentication (at the top of each page) if you are running low.",
            )
            return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "registration/two_factor_backup_code.html",
        {"form": form, "next": _next_url(request)},
    )


@login_required
def two_factor_manage(request: SignedInRequest) -> HttpResponse:
    """The person's own second factor: how many backup codes are left, and new ones."""
    device = request.user.otp_device  # type: ignore[attr-defined]
    return render(
        request,
        "registration/two_factor_manage.html",
        {
            "authenticator": services.confirmed_authenticator(request.user),
            "backup_codes_left": services.backup_codes_left(request.user),
            "signed_in_with": getattr(device, "name", ""),
        },
    )


@login_required
@require_POST
def two_factor_new_backup_codes(request: SignedInRequest) -> HttpResponse:
    """Replace the backup codes; the new ones are shown once, here."""
    try:
        codes = services.regenerate_backup_codes(acting_user=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("two_factor_manage")
    return render(
        request,
        "registration/backup_codes.html",
        {"codes": codes, "next": reverse("two_factor_manage"), "first_time": False},
    )


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
