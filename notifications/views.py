"""The in-app inbox, marking notifications read, and the session keep-alive."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from core.errors import ServiceError
from notifications.inbox import inbox, mark_all_read, mark_read, unread_count
from notifications.models import CHOOSABLE_KINDS, URGENT_KINDS, Delivery, Kind
from notifications.services import preferences_of, set_preference

PAGE_SIZE = 50


class HtmxHttpRequest(HttpRequest):
    """A request that passed through django-htmx's middleware."""

    htmx: HtmxDetails


@login_required
def index(request: HtmxHttpRequest) -> HttpResponse:
    notifications = inbox(request.user).select_related("child")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "notifications/index.html", {"page": page, "notifications": list(page.object_list)}
    )


def _badge_or_redirect(request: HtmxHttpRequest) -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "notifications/_badge.html",
            {"unread_notification_count": unread_count(request.user)},
        )
    return redirect("notifications:index")


@login_required
@require_POST
def read(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if (
        not mark_read(acting_user=request.user, notification_id=pk)
        and not inbox(request.user).filter(pk=pk).exists()
    ):
        raise Http404("No such notification")
    return _badge_or_redirect(request)


@login_required
@require_POST
def read_all(request: HtmxHttpRequest) -> HttpResponse:
    count = mark_all_read(acting_user=request.user)
    if not request.htmx:
        messages.success(
            request, f"{count} notification{'' if count == 1 else 's'} marked as read."
        )
    return _badge_or_redirect(request)


@require_POST
def keep_alive(request: HtmxHttpRequest) -> HttpResponse:
    """Touch the session so it lasts another SESSION_COOKIE_AGE ("Stay signed in")."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    request.session["last_keep_alive"] = timezone.now().isoformat()
    return JsonResponse({"signed_in": True, "expires_in": request.session.get_expiry_age()})


class PreferencesForm(forms.Form):
    """One GOV.UK radios question per kind of message a person may choose for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in CHOOSABLE_KINDS:
            self.fields[f"kind_{kind}"] = forms.ChoiceField(
                label=Kind(kind).label,
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose how to be told: {Kind(kind).label.lower()}"},
            )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HtmxHttpRequest) -> HttpResponse:
    """Per kind of message: e-mail each time, in Homeward only, or a daily digest. Urgent
    kinds are listed as always e-mailed (they cannot be switched off)."""
    user = request.user
    form = PreferencesForm(
        request.POST or None,
        initial={f"kind_{kind}": value for kind, value in preferences_of(user).items()},  # type: ignore[arg-type]
    )
    if request.method == "POST" and form.is_valid():
        try:
            for kind in CHOOSABLE_KINDS:
                set_preference(
                    acting_user=user,  # type: ignore[arg-type]
                    kind=kind,
                    delivery=form.cleaned_data[f"kind_{kind}"],
                )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Your choices are saved.")
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "urgent": sorted(Kind(kind).label for kind in URGENT_KINDS),
        },
    )
