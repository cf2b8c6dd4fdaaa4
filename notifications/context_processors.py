"""Template context for every page: the header's unread count and the session timeout."""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest

from notifications.inbox import unread_count

# The warning appears this long before the session ends (at most half the session).
SESSION_WARNING_SECONDS = 120


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    age = int(settings.SESSION_COOKIE_AGE)
    return {
        # Lazy, and counted once: a page that never shows the header badge never counts.
        "unread_notification_count": functools.cache(lambda: unread_count(user)),
        "session_timeout_seconds": age,
        "session_warning_seconds": min(SESSION_WARNING_SECONDS, max(age // 2, 1)),
    }
