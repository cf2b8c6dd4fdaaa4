"""GET /api/v1/alerts/: the high-risk children missing now, for partner agencies' systems
(Haringey protocol 18.5, 24.1). Cursor-paged; an alert is gone once the child returns."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from api.schema import _example
from api.serializers import LogsReads
from api.views import ApiViewSet
from casework.alerts import alert_reason, high_risk_missing_now
from episodes.models import Episode


class AlertSerializer(LogsReads, serializers.ModelSerializer):
    # Each alert is a read of the episode (and so of the child): access-logged.
    episode = serializers.IntegerField(source="id", help_text="The open episode's id.")
    child_name = serializers.CharField(source="child.full_name")
    date_of_birth = serializers.DateField(source="child.date_of_birth")
    reason = serializers.SerializerMethodField(
        help_text="police_high_risk (police grade the episode high) or rated_red (the "
        "child's latest RAG rating is Red)."
    )

    class Meta:
        model = Episode
        fields = [
            "id",
            "episode",
            "child",
            "child_name",
            "date_of_birth",
            "category",
            "last_seen_at",
            "reported_at",
            "reason",
        ]
        read_only_fields = fields

    def get_reason(self, episode: Episode) -> str:
        return alert_reason(episode)


ALERT = {
    "id": 41,
    "episode": 41,
    "child": 12,
    "child_name": "Jamie Fictional",
    "date_of_birth": "2010-06-01",
    "category": "missing",
    "last_seen_at": "2026-03-28T21:30:00+00:00",
    "reported_at": "2026-03-28T23:05:00+00:00",
    "reason": "police_high_risk",
}


@extend_schema_view(
    list=extend_schema(
        summary="List high-risk children missing now",
        examples=[_example("A page of alerts", ALERT, status=200)],
    )
)
@extend_schema(
    tags=["alerts"],
    description="High-risk children missing now, among the children you may see; an alert "
    "is withdrawn (no longer listed) when the child returns.",
)
class AlertViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = AlertSerializer
    ordering_fields = ["id"]

    def get_queryset(self):
        return high_risk_missing_now(self.request.user)
