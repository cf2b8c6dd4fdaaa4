from django.urls import path

from episodes import views

app_name = "episodes"

urlpatterns = [
    path("report/<int:child_id>/", views.report, name="report"),
    path("<int:episode_id>/", views.detail, name="detail"),
    path("<int:episode_id>/return/", views.record_return, name="record_return"),
    path(
        "<int:episode_id>/safe-and-well-check/",
        views.safe_and_well_check,
        name="safe_and_well_check",
    ),
    path("<int:episode_id>/reclassify/", views.reclassify, name="reclassify"),
    path(
        "<int:episode_id>/home-office-notice/",
        views.home_office_notice,
        name="home_office_notice",
    ),
    path("<int:episode_id>/police-report/", views.police_report, name="police_report"),
    path("<int:episode_id>/information/", views.add_information, name="add_information"),
    path(
        "<int:episode_id>/safeguarding-checks/",
        views.request_checks,
        name="request_checks",
    ),
    path("safeguarding-checks/", views.checks_received, name="checks_received"),
    path(
        "safeguarding-checks/<int:request_id>/",
        views.check_request,
        name="check_request",
    ),
    path("<int:episode_id>/entered-in-error/", views.entered_in_error, name="entered_in_error"),
    path("<int:episode_id>/correct-return/", views.correct_return, name="correct_return"),
    path("<int:episode_id>/reopen/", views.reopen, name="reopen"),
    path("<int:episode_id>/philomena/", views.philomena_part_two, name="philomena_part_two"),
]
