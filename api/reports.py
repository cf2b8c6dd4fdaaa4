"""GET /api/v1/reports/committee/: the committee report's numbers, for machines.

The same counting as the page and the exports (reports.counting.committee_report) for the
same reader's scope (reports.selectors): the Missing Co-ordinator and Assistant Director
for their authorities, team managers for their own teams; anyone else, and any authority
the reader does not cover, is 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import ApiKeyAuthentication
from api.exceptions import problem, problem_exception_handler
from api.throttling import ApiKeyRateThrottle
from api.views import ProblemJSONRenderer
from core.errors import NotAllowed
from reports.counting import CommitteeReport, Filters, Period, committee_report
from reports.definitions import CATEGORY_COLUMNS, DURATION_BANDS, EPISODE_COUNT_BINS
from reports.selectors import report_children, report_scope

LONGEST_PERIOD = dt.timedelta(days=6 * 366)


class CommitteeQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword: the field is named in the constructor's source mapping.
    to = serializers.DateField(help_text="Last day of the period (Europe/London), included.")
    authority = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="A local authority you cover; all of them if omitted.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            help_text="First day of the period (Europe/London), included."
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError(
                {"to": "The end of the period must not be before its start."}
            )
        if attrs["to"] - attrs["from"] > LONGEST_PERIOD:
            raise serializers.ValidationError({"to": "A report covers at most six years."})
        return attrs


def _counts(name: str, keys: list[str]) -> type[serializers.Serializer]:
    return type(
        name,
        (serializers.Serializer,),
        {key: serializers.IntegerField(min_value=0) for key in keys},
    )


EpisodesByMonthSerializer = type(
    "EpisodesByMonth",
    (serializers.Serializer,),
    {
        "month": serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM"),
        **{
            key: serializers.IntegerField(min_value=0)
            for key in [*CATEGORY_COLUMNS, "episodes", "children"]
        },
    },
)
DurationBandsSerializer = _counts("DurationBands", list(DURATION_BANDS))
EpisodeCountSerializer = _counts(
    "ChildrenByEpisodeCount", [label for label, _low, _high in EPISODE_COUNT_BINS]
)
ReturnInterviewsSerializer = _counts(
    "ReturnInterviewCounts",
    ["offered", "held_within_72_hours", "held_late", "declined", "no_engagement", "not_offered"],
)


class ComplianceSerializer(serializers.Serializer):
    rule = serializers.CharField()
    met_on_time = serializers.IntegerField(min_value=0)
    met_late = serializers.IntegerField(min_value=0)
    breached = serializers.IntegerField(min_value=0)
    open = serializers.IntegerField(min_value=0)
    cancelled = serializers.IntegerField(min_value=0)


class CommitteeReportSerializer(serializers.Serializer):
    episodes_by_month = EpisodesByMonthSerializer(many=True)
    duration_bands = DurationBandsSerializer()
    children_by_episode_count = EpisodeCountSerializer()
    return_interviews = ReturnInterviewsSerializer()
    compliance = ComplianceSerializer(many=True)


def committee_numbers(report: CommitteeReport) -> dict[str, Any]:
    """The API's shape of the report: the issue's field names, every month, zeros included."""
    return {
        "episodes_by_month": [
            {key: row[key] for key in ["month", *CATEGORY_COLUMNS, "episodes", "children"]}
            for row in report.episodes_by_month
        ],
        "duration_bands": report.duration_bands,
        "children_by_episode_count": report.children_by_episode_count,
        "return_interviews": {
            key: report.return_interviews[key]
            for key in [
                "offered",
                "held_within_72_hours",
                "held_late",
                "declined",
                "no_engagement",
                "not_offered",
            ]
        },
        "compliance": [
            {
                key: row[key]
                for key in ["rule", "met_on_time", "met_late", "breached", "open", "cancelled"]
            }
            for row in report.compliance
        ],
    }


EXAMPLE = {
    "episodes_by_month": [
        {
            "month": "2026-03",
            "missing_from_home": 14,
            "missing_from_placement": 9,
            "away_without_authorisation": 3,
            "absent": 6,
            "episodes": 32,
            "children": 21,
        }
    ],
    "duration_bands": {
        "under_24_hours": 20,
        "one_day": 6,
        "two_days": 2,
        "three_days_or_more": 3,
        "still_missing": 1,
    },
    "children_by_episode_count": {"1": 15, "2": 3, "3": 1, "4": 1, "5-9": 1, "10+": 0},
    "return_interviews": {
        "offered": 28,
        "held_within_72_hours": 19,
        "held_late": 4,
        "declined": 3,
        "no_engagement": 1,
        "not_offered": 3,
    },
    "compliance": [
        {
            "rule": "return_interview",
            "met_on_time": 19,
            "met_late": 4,
            "breached": 2,
            "open": 1,
            "cancelled": 0,
        }
    ],
}


class CommitteeReportView(APIView):
    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ApiKeyRateThrottle]
    renderer_classes = [JSONRenderer, ProblemJSONRenderer]

    def get_exception_handler(self):  # type: ignore[no-untyped-def]
        return problem_exception_handler

    @extend_schema(
        operation_id="reports_committee",
        summary="The committee report's numbers for a period",
        parameters=[
            OpenApiParameter(
                "from", dt.date, required=True, description="First day (Europe/London), included."
            ),
            OpenApiParameter(
                "to", dt.date, required=True, description="Last day (Europe/London), included."
            ),
            OpenApiParameter(
                "authority", int, required=False, description="A local authority you cover."
            ),
        ],
        responses={200: CommitteeReportSerializer},
        examples=[OpenApiExample("A month", value=EXAMPLE, response_only=True)],
        tags=["reports"],
    )
    def get(self, request: Request) -> Response:
        query = CommitteeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            scope = report_scope(request.user)  # type: ignore[arg-type]
            children = report_children(
                request.user,  # type: ignore[arg-type]
                scope,
                authority_id=query.validated_data.get("authority"),
            )
        except NotAllowed as error:
            return problem(403, str(error), code="permission_denied")
        period = Period(query.validated_data["from"], query.validated_data["to"])
        report = committee_report(children, Filters(period=period))
        return Response(committee_numbers(report))
