"""The in-app inbox, marking notifications read, and the session keep-alive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from notifications.inbox import inbox, mark_all_read, mark_read, unread_count

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
