from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from casework import views as casework_views

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says.
    # Lazily: in production the hashed name comes from collectstatic's manifest, which
    # need not exist when the URLconf is imported (e.g. by `check --deploy`).
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True),
    ),
    path("", include("agencies.urls")),
    path("", casework_views.home, name="home"),
    path("accessibility/", casework_views.accessibility, name="accessibility"),
    path("privacy/", casework_views.privacy, name="privacy"),
    path("", include("casework.urls")),
    path("children/", include("children.urls")),
    path("episodes/", include("episodes.urls")),
    path("mash/", include("risk.urls")),
    path("return-interviews/", include("returns.urls")),
    path("meetings/", include("panels.urls")),
    path("context/", include("contextual.urls")),
    path("", include("protocol.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("api.urls")),
]

handler404 = "agencies.views.page_not_found"
handler500 = "agencies.views.server_error"
handler403 = "agencies.views.permission_denied"
