"""Two sign-in rules every request passes (decision 0015).

- `AbsoluteSessionLifetimeMiddleware`: a session ends SESSION_ABSOLUTE_SECONDS after
  sign-in however active it is (the idle timeout, SESSION_COOKIE_AGE, ends it sooner
  when it is not). A stolen session cookie is good for a working day at most.
- `VerifiedDeviceMiddleware` (django-otp's OTPMiddleware, reading the device once per
  session rather than once per request, decision 0019).
- `RequireSecondFactorMiddleware`: a person who has signed in with a password but not
  yet with a second factor in this session sees only the pages that get them there
  (set up an authenticator app, or enter a code), whatever they ask for, the admin
  included. API keys are not sessions and are not affected: a key alone signs an API
  request (police systems have no one to type a code).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.middleware import OTPMiddleware

SIGNED_IN_AT = "homeward_signed_in_at"


def stamp_sign_in(request: HttpRequest) -> None:
    """Start the absolute lifetime now (called by the sign-in view after login)."""
    request.session[SIGNED_IN_AT] = timezone.now().timestamp()


class AbsoluteSessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            now = timezone.now()
            if signed_in_at is None:
                # A session begun other than through the sign-in page (force_login in
                # tests, an older session): its lifetime counts from now.
                request.session[SIGNED_IN_AT] = now.timestamp()
            elif now - dt.datetime.fromtimestamp(signed_in_at, tz=dt.UTC) >= dt.timedelta(
                seconds=settings.SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
                hours = settings.SESSION_ABSOLUTE_SECONDS / 3600
                messages.info(
                    request,
                    f"You have been signed out because you signed in more than {hours:g} "
                    "hours ago. Sign in again to carry on.",
                )
        return self.get_response(request)


# In the session: [the verified device's persistent id, the person's second_factor_epoch
# when that device was last read and found theirs and confirmed].
DEVICE_CHECKED = "homeward_device_checked"


class VerifiedDeviceMiddleware(OTPMiddleware):
    """django-otp's OTPMiddleware, without reading the verified device on every request
    (issue 13: one query of every page's budget). Decision 0019.

    The device is read, and checked as django-otp checks it (it exists, is confirmed and
    is the person's), once per session; the session then records the device's id with
    the person's `second_factor_epoch`. Later requests trust the record while the epoch
    on the person's row, read anyway by AuthenticationMiddleware, is unchanged. Database
    triggers raise the epoch whenever a device is deleted, unconfirmed or moved to
    another person (an administrator's reset, new backup codes, a shell), so the next
    request after any of these reads the device again and, finding none, treats the
    session as not verified: the person is sent to the code page, as before.
    """

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if not user.is_authenticated:
            return user
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if not persistent_id:
            return user
        epoch = getattr(user, "second_factor_epoch", None)
        if epoch is not None and request.session.get(DEVICE_CHECKED) == [persistent_id, epoch]:
            # The device row itself is read only by a page that asks for it (which
            # device signed in); `is_verified()` needs only that there is one.
            user.otp_device = SimpleLazyObject(
                lambda: self._device_from_persistent_id(persistent_id)
            )
            return user
        device = self._finalize_device(
            request, user, self._device_from_persistent_id(persistent_id)
        )
        user.otp_device = device
        if device is not None and epoch is not None:
            request.session[DEVICE_CHECKED] = [persistent_id, epoch]
        else:
            request.session.pop(DEVICE_CHECKED, None)
        return user


# Pages a person part-way through signing in may see: signing in and out, setting up
# or entering the second factor, and the public pages.
OPEN_URL_NAMES = (
    "login",
    "logout",
    "two_factor_setup",
    "two_factor_challenge",
    "two_factor_backup_code",
    "accessibility",
    "privacy",
)
OPEN_PREFIXES = ("/static/", "/favicon.ico", "/health/")


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self._open_paths: set[str] | None = None

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in OPEN_URL_NAMES}
        return path in self._open_paths or path.startswith(OPEN_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and not self._is_open(request.path)
        ):
            return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        has_device = any(True for _device in devices_for_user(request.user, confirmed=True))
        target = reverse("two_factor_challenge" if has_device else "two_factor_setup")
        if request.path.startswith("/api/"):
            # An API call on a half-finished browser session: problem+json, not a page.
            body = {
                "type": "https://homeward.invalid/problems/second_factor_required",
                "title": "Authentication required",
                "status": 401,
                "detail": "Finish signing in with your authentication code first, "
                "or use an API key.",
            }
            response = HttpResponse(
                json.dumps(body), status=401, content_type="application/problem+json"
            )
            response["WWW-Authenticate"] = "Api-Key"
            return response
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            # htmx would swap the sign-in page into a fragment: send the whole page there.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
