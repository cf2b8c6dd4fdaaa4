from django.contrib import admin
from django.urls import include, path

from casework import views as casework_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("agencies.urls")),
    path("", casework_views.home, name="home"),
    path("", include("casework.urls")),
    path("children/", include("children.urls")),
    path("episodes/", include("episodes.urls")),
    path("mash/", include("risk.urls")),
    path("return-interviews/", include("returns.urls")),
    path("meetings/", include("panels.urls")),
    path("", include("protocol.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("api.urls")),
]

handler404 = "agencies.views.page_not_found"
handler500 = "agencies.views.server_error"
handler403 = "agencies.views.permission_denied"
