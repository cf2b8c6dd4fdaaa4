"""/api/: v1 endpoints, the OpenAPI schema and its interactive docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api import alerts, checks, context_views, docs, reports, views

app_name = "api"

router = SimpleRouter()
router.register("children", views.ChildViewSet, basename="child")
router.register("episodes", views.EpisodeViewSet, basename="episode")
router.register("mash-referrals", views.MashReferralViewSet, basename="mash-referral")
router.register("mash-triages", views.MashTriageViewSet, basename="mash-triage")
router.register("risk-assessments", views.RiskAssessmentViewSet, basename="risk-assessment")
router.register("return-interviews", views.ReturnInterviewViewSet, basename="return-interview")
router.register("strategy-meetings", views.StrategyMeetingViewSet, basename="strategy-meeting")
router.register("deadlines", views.DeadlineViewSet, basename="deadline")
router.register("legal-statuses", views.LegalStatusViewSet, basename="legal-status")
router.register("placements", views.PlacementViewSet, basename="placement")
router.register("allocations", views.AllocationViewSet, basename="allocation")
router.register("access-grants", views.AccessGrantViewSet, basename="access-grant")
router.register("panel-referrals", context_views.PanelReferralViewSet, basename="panel-referral")
router.register("missing-with", context_views.MissingWithViewSet, basename="missing-with")
router.register("episode-places", context_views.EpisodePlaceViewSet, basename="episode-place")
router.register("alerts", alerts.AlertViewSet, basename="alert")
router.register(
    "safeguarding-checks", checks.SafeguardingCheckViewSet, basename="safeguarding-check"
)

urlpatterns = [
    path("v1/", include(router.urls)),
    path(
        "v1/reports/committee/",
        reports.CommitteeReportView.as_view(),
        name="reports-committee",
    ),
    # Anything else under v1/ is a problem+json 404, not the site's HTML page.
    re_path(r"^v1/", views.not_found),
    # The schema and docs are public: they describe the API, not anyone's data.
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]),
        name="schema",
    ),
    path("docs/", docs.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", docs.RedocView.as_view(url_name="api:schema"), name="redoc"),
]
