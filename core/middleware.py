"""Response headers every page and API answer carries (issue 14, OWASP ASVS 14.4).

Static files are served by whitenoise before this runs (it sits after whitenoise in
MIDDLEWARE), so they keep their long cache lifetimes; everything Django renders is case
data or about it, so nothing it renders is stored by a browser or a proxy.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

from core import request_cache


class SecurityHeadersMiddleware:
    """`Content-Security-Policy` (settings.CONTENT_SECURITY_POLICY, unless the view set
    its own, as the API's ReDoc page does) and `Cache-Control: no-store` on every
    response Django renders."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        if "no-store" not in response.headers.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


class RequestCacheMiddleware:
    """Opens `core.request_cache` for a GET or HEAD: a page reads the user's memberships
    once, however many selectors ask (issue 13). A POST changes things, so it reads
    afresh each time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = request_cache.open_cache()
        try:
            return self.get_response(request)
        finally:
            request_cache.close_cache(token)
