"""The pages that read across apps. The home page is in the root urls under the global
name "home", which Django's auth settings (LOGIN_REDIRECT_URL) use."""

from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("children/<int:child_id>/", views.child_record, name="child_record"),
    path("children/<int:child_id>/history/", views.child_history, name="child_history"),
    path("children/<int:child_id>/access-log/", views.child_access_log, name="child_access_log"),
    path("escalations/", views.escalations, name="escalations"),
    path("alerts/", views.alerts, name="alerts"),
    path("episodes/<int:episode_id>/confirm-match/", views.confirm_match, name="confirm_match"),
    path("retention/", views.retention, name="retention"),
]
