"""Requests for safeguarding checks asked of another authority (HAR 14.3; issue 15):
POST sends one, GET lists and reads those the key's user may see (the requesting side,
and the receiving authority's Missing Co-ordinator), POST {id}/answer/ answers (If-Match)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Agency, AgencyKind
from api.etags import etag_for
from api.schema import _example
from api.serializers import StrictModelSerializer, StrictSerializer, VisibleEpisodeField
from api.views import ApiViewSet
from episodes.models import SafeguardingCheckRequest
from episodes.selectors import visible_check_requests
from episodes.services import answer_safeguarding_checks, request_safeguarding_checks


class SafeguardingCheckSerializer(StrictModelSerializer):
    episode = VisibleEpisodeField()
    to_authority = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY),
        help_text="The local authority asked (another than the child's).",
    )
    asked = serializers.CharField(max_length=10000)
    child_name = serializers.CharField(source="child.full_name", read_only=True)
    date_of_birth = serializers.DateField(source="child.date_of_birth", read_only=True)
    last_seen_at = serializers.DateTimeField(source="episode.last_seen_at", read_only=True)

    class Meta:
        model = SafeguardingCheckRequest
        fields = [
            "id",
            "episode",
            "child",
            "child_name",
            "date_of_birth",
            "last_seen_at",
            "from_authority",
            "to_authority",
            "asked",
            "requested_by",
            "requested_at",
            "status",
            "answer",
            "answered_by",
            "answered_at",
        ]
        read_only_fields = [
            "id",
            "child",
            "from_authority",
            "requested_by",
            "requested_at",
            "status",
            "answer",
            "answered_by",
            "answered_at",
        ]


class SafeguardingCheckAnswerSerializer(StrictSerializer):
    answer = serializers.CharField(max_length=10000)


CHECK = {
    "id": 5,
    "episode": 41,
    "child": 12,
    "child_name": "Jamie Fictional",
    "date_of_birth": "2010-06-01",
    "last_seen_at": "2026-03-28T21:30:00+00:00",
    "from_authority": 1,
    "to_authority": 2,
    "asked": "Known to your services? Any address or associates in your area?",
    "requested_by": 7,
    "requested_at": "2026-03-29T09:10:00+00:00",
    "status": "open",
    "answer": "",
    "answered_by": None,
    "answered_at": None,
}
ANSWERED = {
    **CHECK,
    "status": "answered",
    "answer": "Known to our youth service in 2025; no current address.",
    "answered_by": 9,
    "answered_at": "2026-03-29T11:40:00+00:00",
}


@extend_schema_view(
    list=extend_schema(examples=[_example("A page of requests", CHECK, status=200)]),
    retrieve=extend_schema(examples=[_example("A request", CHECK, status=200)]),
    create=extend_schema(
        request=SafeguardingCheckSerializer,
        responses={201: SafeguardingCheckSerializer},
        examples=[
            _example(
                "Ask another authority",
                {"episode": 41, "to_authority": 2, "asked": CHECK["asked"]},
                request=True,
            ),
            _example("The request made", CHECK, status=201),
        ],
    ),
)
@extend_schema(tags=["safeguarding-checks"])
class SafeguardingCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = SafeguardingCheckSerializer
    record_serializer_class = SafeguardingCheckSerializer
    ordering_fields = ["id"]

    def get_queryset(self):
        return visible_check_requests(self.request.user).order_by("id")

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        return Response(data, headers={"ETag": etag_for(data)})

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        made = request_safeguarding_checks(
            acting_user=request.user,
            episode=data["episode"],
            to_authority=data["to_authority"],
            asked=data["asked"],
        )
        return self.created(self.get_serializer(made).data, etag=True)

    @extend_schema(
        request=SafeguardingCheckAnswerSerializer,
        responses=SafeguardingCheckSerializer,
        examples=[
            _example("Answer", {"answer": ANSWERED["answer"]}, request=True),
            _example("The request answered", ANSWERED, status=200),
        ],
    )
    @action(detail=True, methods=["post"], serializer_class=SafeguardingCheckAnswerSerializer)
    def answer(self, request, pk=None):
        found = self.get_object()
        serializer = SafeguardingCheckAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with self.changing(found) as locked:
            answer_safeguarding_checks(
                acting_user=request.user,
                check_request=locked,
                answer=serializer.validated_data["answer"],
            )
        current = self.get_queryset().get(pk=found.pk)
        data = SafeguardingCheckSerializer(current, context=self.get_serializer_context()).data
        return Response(data, headers={"ETag": etag_for(data)})
