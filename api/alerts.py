"""GET /api/v1/alerts/: the high-risk children missing now, for partner agencies' systems
(Haringey protocol 18.5, 24.1). Cursor-paged; an alert is gone once the child returns."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers

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
