"""/api/v1/: thin views. Parse, check access, call a service or selector, render.

Every queryset starts from the visibility selector, so a record the user may not see is
a 404 like one that does not exist; every write is a service call, which checks the
action (403) and the protocol (400/409) and reconciles the deadlines.
"""

from __future__ import annotations

import builtins
import contextlib
import io
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from agencies.models import Role
from api import schema
from api.authentication import ApiKeyAuthentication
from api.etags import changes_existing_record, check_if_match, etag_for, require_if_match
from api.exceptions import problem, problem_exception_handler
from api.filters import (
    AccessGrantFilter,
    ChildFilter,
    ChildRecordFilter,
    DeadlineFilter,
    DocumentedOrderingFilter,
    EpisodeFilter,
    MashReferralFilter,
    MashTriageFilter,
    ReturnInterviewFilter,
    RiskAssessmentFilter,
    StrategyMeetingFilter,
)
from api.idempotency import IdempotentPostMixin
from api.pagination import ApiCursorPagination, KeysFirstQuerySet
from api.parsers import StrictJSONParser
from api.permissions import child_creator_membership
from api.renderers import OrjsonRenderer
from api.serializers import (
    EPISODE_ROW_FIELDS,
    AccessGrantSerializer,
    AllocationSerializer,
    ChildSerializer,
    ChildUpdateSerializer,
    DeadlineSerializer,
    EmptySerializer,
    EndDateSerializer,
    EpisodeCreateSerializer,
    EpisodeSerializer,
    EpisodeUpdateSerializer,
    LegalStatusCorrectionSerializer,
    LegalStatusSerializer,
    MashReferralSerializer,
    MashTriageCorrectionSerializer,
    MashTriageSerializer,
    MediaConsentSerializer,
    PhilomenaSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    PlacementCorrectionSerializer,
    PlacementSerializer,
    ReclassifySerializer,
    ReopenSerializer,
    ReturnInterviewSerializer,
    ReturnSerializer,
    RiskAssessmentCorrectionSerializer,
    RiskAssessmentSerializer,
    SafeAndWellCheckSerializer,
    StrategyItemSerializer,
    StrategyMeetingSerializer,
    represent_episode_row,
)
from api.throttling import ApiKeyRateThrottle
from casework.services import confirm_police_match, report_episode, report_missing_child
from children.models import (
    Allocation,
    Child,
    ChildAccessGrant,
    LegalStatus,
    LegalStatusKind,
    Placement,
)
from children.permissions import Sight, sights_by_child
from children.selectors import child_visibility_of_rows, visible_children
from children.services import (
    add_legal_status,
    allocate_child,
    correct_legal_status,
    correct_placement,
    create_child,
    end_allocation,
    end_legal_status,
    end_placement,
    grant_child_access,
    record_photo,
    record_photo_media_consent,
    revoke_child_access,
    start_placement,
    update_child,
    update_philomena_profile,
)
from core.audit import note_read, set_reader
from core.errors import Refused
from episodes.models import Episode
from episodes.selectors import hidden_children_of_awaiting_episodes, visible_episodes
from episodes.services import (
    reclassify_episode,
    record_philomena_part_two,
    record_return,
    record_safe_and_well_check,
    reopen_episode,
    update_episode,
)
from panels.models import StrategyItem, StrategyMeeting
from panels.services import complete_strategy_item, record_strategy_meeting
from protocol.models import Deadline
from returns.models import ReturnInterview
from returns.services import record_return_interview
from risk.models import MashReferral, MashTriage, RiskAssessment
from risk.services import (
    amend_risk_assessment,
    correct_mash_triage,
    record_mash_triage,
    record_risk_assessment,
)


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"


class IfMatchRequiredMixin:
    """428 before any work when a change of an existing record comes without If-Match.

    Checked after authentication and throttling, and before an Idempotency-Key is
    claimed, so a retry that adds the header is not answered with the stored 428. Whether
    the tag matches is checked by the handler, under the row lock (`changing`)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        method = request.method or ""
        # A method the view does not offer stays a 405 (dispatch answers it after this).
        offered = hasattr(self, method.lower())
        if offered and changes_existing_record(method, getattr(self, "detail", False)):
            require_if_match(request)


class ApiViewSet(IdempotentPostMixin, IfMatchRequiredMixin, GenericViewSet):
    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ApiKeyRateThrottle]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer, ProblemJSONRenderer]
    pagination_class = ApiCursorPagination
    filter_backends = [DjangoFilterBackend, DocumentedOrderingFilter]
    ordering_fields = ["id", "updated_at"]
    lookup_value_regex = "[0-9]+"

    def get_exception_handler(self):
        return problem_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Authenticated now (an API key is read here, not by Django's middleware): what
        # the serializers render is this reader's access event (core.audit).
        set_reader(request.user, channel="api")

    # The representation of `GET` on a record's own URL, whose ETag If-Match names.
    record_serializer_class: type | None = None

    def created(self, data, *, etag: bool = False) -> Response:
        headers = {"ETag": etag_for(data)} if etag else {}
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)

    def record_etag(self, instance) -> str:
        """The ETag `GET` on the record answers now (same queryset, same context)."""
        assert self.record_serializer_class is not None
        current = self.get_queryset().get(pk=instance.pk)
        serializer = self.record_serializer_class(current, context=self.get_serializer_context())
        return etag_for(serializer.data)

    @contextlib.contextmanager
    def changing(self, instance, etag: Callable[[Any], str] | None = None) -> Iterator[Any]:
        """Lock the record, refuse a stale If-Match (412), and yield the locked row: the
        change runs under the same lock, so nothing can land between check and write."""
        with transaction.atomic():
            locked = type(instance).objects.select_for_update().get(pk=instance.pk)
            check_if_match(self.request, (etag or self.record_etag)(locked))
            yield locked


def of_visible_children(user):
    """The rows of the children `user` may see, shaped for a page: the selector's rule as
    `children.selectors.child_visibility_of_rows` states it (a whole authority on the
    row's child, walked in page order where it is most of the table; any other reader's
    children read first, as one array, and their rows through the table's child index:
    decisions 0021 and 0028)."""
    return child_visibility_of_rows(user)


def _with_current_legal_status(children):
    # The rule of children.selectors.current_legal_status, as a subquery: one query for a
    # whole page, however many children it holds.
    today = timezone.localdate()
    current = (
        LegalStatus.objects.filter(child=OuterRef("pk"), start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("-start_date")
        .values("status")[:1]
    )
    return children.annotate(
        current_legal_status=Coalesce(Subquery(current), Value(LegalStatusKind.NONE))
    )


@schema.children
class ChildViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = ChildSerializer
    record_serializer_class = ChildSerializer
    filterset_class = ChildFilter

    def get_queryset(self):
        # pk IN (visible children): the semi-join plan of of_visible_children, for children.
        children = Child.objects.filter(pk__in=visible_children(self.request.user).values("pk"))
        return _with_current_legal_status(children)

    def retrieve(self, request, pk=None):
        child = self.get_object()
        data = self.get_serializer(child).data
        return Response(data, headers={"ETag": etag_for(data)})

    def create(self, request):
        membership = child_creator_membership(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        authority = data.get("responsible_authority") or membership.team.agency
        allocate = membership.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
        if not allocate and authority != membership.team.agency:
            raise Refused(
                "A Missing Co-ordinator creates children of their own authority.",
                field="responsible_authority",
            )
        child = create_child(
            acting_user=request.user,
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            responsible_authority=authority,
            sex=data["sex"],
            is_uasc=data["is_uasc"],
            legal_status=data["current_legal_status"],
            team=membership.team if allocate else None,
            worker=request.user if membership.role == Role.SOCIAL_WORKER else None,
        )
        # Read back by id (the creator's own new record), with its legal status annotated.
        child = _with_current_legal_status(Child.objects.filter(pk=child.pk)).get()
        return self.created(self.get_serializer(child).data, etag=True)

    def _read_back(self, child: Child) -> Response:
        child = _with_current_legal_status(Child.objects.filter(pk=child.pk)).get()
        data = ChildSerializer(child, context=self.get_serializer_context()).data
        return Response(data, headers={"ETag": etag_for(data)})

    def partial_update(self, request, pk=None):
        child = self.get_object()
        serializer = ChildUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise Refused("Give at least one field to change.")
        with self.changing(child) as locked:
            update_child(acting_user=request.user, child=locked, **serializer.validated_data)
        return self._read_back(child)

    @action(detail=True, methods=["get"], serializer_class=PhotoSerializer)
    def photo(self, request, pk=None):
        child = self.get_object()
        if not child.photo:
            raise NotFound("No photo is held for this child.")
        return Response(PhotoSerializer(child).data)

    @photo.mapping.post
    @schema.upload_photo
    def upload_photo(self, request, pk=None):
        child = self.get_object()
        serializer = PhotoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with self.changing(child) as locked:
            child = record_photo(
                acting_user=request.user,
                child=locked,
                upload=io.BytesIO(data["image"]),
                size=len(data["image"]),
                consent_given_by=data["consent_given_by"],
                child_agreement=data["child_agreement"],
                taken_on=data["taken_on"],
            )
        return self.created(PhotoSerializer(child).data)

    @action(
        detail=True,
        methods=["post"],
        url_path="photo-media-consent",
        serializer_class=MediaConsentSerializer,
    )
    def photo_media_consent(self, request, pk=None):
        child = self.get_object()
        serializer = MediaConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with self.changing(child) as locked:
            child = record_photo_media_consent(
                acting_user=request.user, child=locked, reason=serializer.validated_data["reason"]
            )
        return Response(PhotoSerializer(child).data)

    @action(detail=True, methods=["get", "patch"], serializer_class=PhilomenaSerializer)
    def philomena(self, request, pk=None):
        child = self.get_object()
        if request.method == "PATCH":
            serializer = PhilomenaSerializer(data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            if not serializer.validated_data:
                raise Refused("Give at least one field to change.")

            def profile_etag(locked: Child) -> str:
                # The profile's own ETag: If-Match names the representation at this URL.
                return etag_for(PhilomenaSerializer(locked).data)

            with self.changing(child, etag=profile_etag) as locked:
                child = update_philomena_profile(
                    acting_user=request.user, child=locked, **serializer.validated_data
                )
        data = PhilomenaSerializer(child).data
        return Response(data, headers={"ETag": etag_for(data)})


@schema.episodes
class EpisodeViewSet(mixins.ListModelMixin, ApiViewSet):
    renderer_classes = [OrjsonRenderer, ProblemJSONRenderer]
    serializer_class = EpisodeSerializer
    record_serializer_class = EpisodeSerializer
    filterset_class = EpisodeFilter
    ordering_fields = ["id", "updated_at", "last_seen_at"]

    def get_queryset(self):
        return visible_episodes(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "hidden_children": self._hidden_children}

    def list(self, request, *args, **kwargs):
        # (A comment, not a docstring: drf-spectacular would publish a docstring.)
        # The page read as `values()` rows and written by `represent_episode_row`: no
        # model instance, no serializer field per episode, rendered by orjson (issue 13).
        # The same JSON as EpisodeSerializer's (tests/api/test_episode_list_rows.py), with
        # the same reads noted for the access event and the same awaiting-match rule,
        # asked of this page's children only.
        if not EpisodeSerializer()._fast_path_applies:
            return super().list(request, *args, **kwargs)
        rows = self.filter_queryset(self.get_queryset()).values(*EPISODE_ROW_FIELDS)
        page = self.paginate_queryset(rows)
        assert page is not None  # every list pages (ApiCursorPagination)
        return self.get_paginated_response(self.represent_rows(page))

    def represent_rows(self, rows) -> builtins.list[dict]:
        hidden = hidden_children_of_awaiting_episodes(
            self.request.user, among=(row["child_id"] for row in rows)
        )
        zone = timezone.get_current_timezone()
        results = []
        for row in rows:
            note_read(row["child_id"], f"episode:{row['id']}")  # as LogsReads notes one
            data = represent_episode_row(row, zone)
            if row["child_id"] in hidden:  # as EpisodeSerializer.to_representation
                data["child"] = None
                data["missing_from"] = None
            results.append(data)
        return results

    @property
    def _hidden_children(self) -> frozenset[int]:
        # Read when serialising (not cached: a report made by this request adds one).
        return hidden_children_of_awaiting_episodes(self.request.user)

    def _render(self, episode: Episode, status_code: int = status.HTTP_200_OK) -> Response:
        # Read back: some services write through update(), past the instance they return.
        data = EpisodeSerializer(
            Episode.objects.get(pk=episode.pk), context=self.get_serializer_context()
        ).data
        return Response(data, status=status_code, headers={"ETag": etag_for(data)})

    def retrieve(self, request, pk=None):
        episode = self.get_object()
        data = self.get_serializer(episode).data
        return Response(data, headers={"ETag": etag_for(data)})

    def create(self, request):
        serializer = EpisodeCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        episode_fields = {
            "category": data["category"],
            "last_seen_at": data["last_seen_at"],
            "missing_from": data.get("missing_from"),
            "reported_at": data.get("reported_at"),
            "last_seen_location": data.get("last_seen_location", ""),
            "circumstances": data.get("circumstances", ""),
            "police_reference": data.get("police_reference", ""),
            "police_risk": data.get("police_risk", ""),
            "reason": data.get("reason", ""),
            "reason_other": data.get("reason_other", ""),
        }
        with transaction.atomic():
            if "child_details" in data:
                # A police report by who the child is; the service refuses anyone else (403).
                # The episode names the officer's force, so the child is visible to them after.
                episode = report_missing_child(
                    acting_user=request.user, **data["child_details"], **episode_fields
                )
            else:
                episode = report_episode(
                    acting_user=request.user,
                    child=data["child"],
                    police_force=data.get("police_force"),
                    **episode_fields,
                )
            # Philomena Part 2, with the report: one transaction, so both or neither.
            if data.get("clothing_when_last_seen") or data.get("who_with"):
                episode = record_philomena_part_two(
                    acting_user=request.user,
                    episode=episode,
                    clothing_when_last_seen=data.get("clothing_when_last_seen", ""),
                    who_with=data.get("who_with", ""),
                    circumstances=episode.circumstances,
                )
        return self._render(episode, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        episode = self.get_object()
        serializer = EpisodeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise Refused("Give at least one field to change.")
        with self.changing(episode) as locked:
            episode = update_episode(
                acting_user=request.user, episode=locked, **serializer.validated_data
            )
        return self._render(episode)

    @action(detail=True, methods=["post"], url_path="return", serializer_class=ReturnSerializer)
    def record_return(self, request, pk=None):
        episode = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with self.changing(episode) as locked:
            episode = record_return(
                acting_user=request.user, episode=locked, **serializer.validated_data
            )
        return self._render(episode)

    @action(
        detail=True,
        methods=["post"],
        url_path="safe-and-well-check",
        serializer_class=SafeAndWellCheckSerializer,
    )
    def safe_and_well_check(self, request, pk=None):
        episode = self.get_object()
        serializer = SafeAndWellCheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with self.changing(episode) as locked:
            check = record_safe_and_well_check(
                acting_user=request.user, episode=locked, **serializer.validated_data
            )
        return self.created(SafeAndWellCheckSerializer(check).data)

    @action(detail=True, methods=["post"], serializer_class=ReopenSerializer)
    def reopen(self, request, pk=None):
        episode = self.get_object()
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with self.changing(episode) as locked:
            episode = reopen_episode(
                acting_user=request.user, episode=locked, reason=serializer.validated_data["reason"]
            )
        return self._render(episode)

    @action(
        detail=True, methods=["post"], url_path="confirm-match", serializer_class=EmptySerializer
    )
    def confirm_match(self, request, pk=None):
        episode = self.get_object()
        EmptySerializer(data=request.data).is_valid(raise_exception=True)
        with transaction.atomic():
            locked = Episode.objects.select_for_update().get(pk=episode.pk)
            # The ETag as this reader's GET drew it (a force sees its episode without the child).
            read = EpisodeSerializer(locked, context=self.get_serializer_context()).data
            check_if_match(request, etag_for(read))
            episode = confirm_police_match(acting_user=request.user, episode=locked)
        return self._render(episode)

    @action(detail=True, methods=["post"], serializer_class=ReclassifySerializer)
    def reclassify(self, request, pk=None):
        episode = self.get_object()
        serializer = ReclassifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with self.changing(episode) as locked:
            episode = reclassify_episode(
                acting_user=request.user, episode=locked, **serializer.validated_data
            )
        return self._render(episode)


@schema.mash_referrals
class MashReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """MASH referrals, read only: what awaits triage, and each one's triage."""

    serializer_class = MashReferralSerializer
    filterset_class = MashReferralFilter
    ordering_fields = ["id", "received_at"]

    def get_queryset(self):
        return MashReferral.objects.filter(of_visible_children(self.request.user)).select_related(
            "episode", "triage"
        )


@schema.mash_triages
class MashTriageViewSet(mixins.ListModelMixin, ApiViewSet):
    """MASH's triage of a referral: the RAG rating that sets the risk assessment's clock."""

    serializer_class = MashTriageSerializer
    filterset_class = MashTriageFilter
    ordering_fields = ["id", "triaged_at"]

    def get_queryset(self):
        return MashTriage.objects.filter(of_visible_children(self.request.user))

    def _render(self, triage: MashTriage, status_code: int = status.HTTP_200_OK) -> Response:
        data = self.get_serializer(MashTriage.objects.get(pk=triage.pk)).data
        return Response(data, status=status_code, headers={"ETag": etag_for(data)})

    def retrieve(self, request, pk=None):
        return self._render(self.get_object())

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        triage = record_mash_triage(
            acting_user=request.user,
            referral=data["referral"],
            rag=data["rag"],
            threshold_level=data["threshold_level"],
            reason=data["reason"],
            triaged_at=data["triaged_at"],
        )
        return self._render(triage, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        triage = self.get_object()
        check_if_match(request, etag_for(self.get_serializer(triage).data))
        serializer = MashTriageCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        corrected = correct_mash_triage(
            acting_user=request.user, triage=triage, **serializer.validated_data
        )
        return self._render(corrected)


@schema.risk_assessments
class RiskAssessmentViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = RiskAssessmentSerializer
    filterset_class = RiskAssessmentFilter
    ordering_fields = ["id", "assessed_at"]

    def get_queryset(self):
        return RiskAssessment.objects.filter(of_visible_children(self.request.user))

    def _render(
        self, assessment: RiskAssessment, status_code: int = status.HTTP_200_OK
    ) -> Response:
        data = self.get_serializer(RiskAssessment.objects.get(pk=assessment.pk)).data
        return Response(data, status=status_code, headers={"ETag": etag_for(data)})

    def retrieve(self, request, pk=None):
        return self._render(self.get_object())

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assessment = record_risk_assessment(
            acting_user=request.user,
            child=data["child"],
            episode=data.get("episode"),
            rag=data["rag"],
            threshold_level=data["threshold_level"],
            indicators=data["indicators"],
            rationale=data["rationale"],
            plan=data["plan"],
            assessed_at=data["assessed_at"],
        )
        return self.created(self.get_serializer(assessment).data)

    def partial_update(self, request, pk=None):
        assessment = self.get_object()
        check_if_match(request, etag_for(self.get_serializer(assessment).data))
        serializer = RiskAssessmentCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amended = amend_risk_assessment(
            acting_user=request.user, assessment=assessment, **serializer.validated_data
        )
        return self._render(amended)


@schema.return_interviews
class ReturnInterviewViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = ReturnInterviewSerializer
    filterset_class = ReturnInterviewFilter

    def get_queryset(self):
        return ReturnInterview.objects.filter(
            of_visible_children(self.request.user)
        ).prefetch_related(Prefetch("episodes", queryset=Episode.objects.only("id")))

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        interview = record_return_interview(
            acting_user=request.user,
            child=data["child"],
            episodes=data["episodes"],
            offered_at=data["offered_at"],
            outcome=data["outcome"],
            held_at=data["held_at"],
            seen_alone=data["seen_alone"],
            push_factors=data["push_factors"],
            pull_factors=data["pull_factors"],
            interviewer_name=data["interviewer_name"],
            attempts=[dict(attempt) for attempt in data["attempts"]],
        )
        interview = ReturnInterview.objects.prefetch_related("episodes").get(pk=interview.pk)
        return self.created(self.get_serializer(interview).data)


@schema.strategy_meetings
class StrategyMeetingViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = StrategyMeetingSerializer
    filterset_class = StrategyMeetingFilter
    ordering_fields = ["id", "updated_at", "held_at"]

    def get_queryset(self):
        return StrategyMeeting.objects.filter(
            of_visible_children(self.request.user)
        ).prefetch_related("attendees", "items")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # always paginated
        serializer = self.get_serializer(
            page, many=True, context=self._sight_context({m.child_id for m in page})
        )
        return self.get_paginated_response(serializer.data)

    @schema.strategy_item_done
    @action(
        detail=True,
        methods=["post"],
        url_path="items/(?P<item_pk>[0-9]+)/done",
        serializer_class=StrategyItemSerializer,
    )
    def item_done(self, request, pk=None, item_pk=None):
        """Record an action of the meeting as done (now)."""
        meeting = self.get_object()
        item = StrategyItem.objects.filter(meeting=meeting, pk=item_pk).first()
        if item is None:
            raise NotFound("No such item on this meeting.")
        done = complete_strategy_item(acting_user=request.user, item=item)
        return Response(StrategyItemSerializer(done, context=self.get_serializer_context()).data)

    def _sight_context(self, child_ids: set[int]) -> dict:
        sights = sights_by_child(self.request.user, child_ids)
        seen = {pk for pk, of in sights.items() if Sight.MEETING_CONTENT in of}
        return {**self.get_serializer_context(), "meeting_content_children": seen}

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        meeting = record_strategy_meeting(
            acting_user=request.user,
            child=data["child"],
            episode=data["episode"],
            kind=data["kind"],
            trigger=data["trigger"],
            held_at=data["held_at"],
            attendees=[dict(attendee) for attendee in data["attendees"]],
            decisions=data["decisions"],
            next_review_on=data["next_review_on"],
            items=[dict(item) for item in data["items"]],
            concern_resolved=data["concern_resolved"],
            concern_resolved_reason=data["concern_resolved_reason"],
        )
        meeting = StrategyMeeting.objects.prefetch_related("attendees", "items").get(pk=meeting.pk)
        serializer = self.get_serializer(meeting, context=self._sight_context({meeting.child_id}))
        return self.created(serializer.data)


@schema.deadlines
class DeadlineViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilter
    ordering_fields = ["id", "updated_at", "due_at"]

    def get_queryset(self):
        # A page's ids first (KeysFirstQuerySet): the ledger is the largest table.
        deadlines = Deadline.objects.filter(of_visible_children(self.request.user))
        return KeysFirstQuerySet(Deadline, query=deadlines.query)


class RecordPartViewSet(mixins.ListModelMixin, ApiViewSet):
    """A part of the child's record kept over time: list, add, correct, end."""

    filterset_class = ChildRecordFilter
    ordering_fields = ["id"]

    def _render(self, instance, status_code: int = status.HTTP_200_OK) -> Response:
        assert self.record_serializer_class is not None
        data = self.record_serializer_class(
            type(instance).objects.get(pk=instance.pk), context=self.get_serializer_context()
        ).data
        return Response(data, status=status_code, headers={"ETag": etag_for(data)})

    def retrieve(self, request, pk=None):
        # One part, with the ETag that If-Match names to correct or end it.
        return self._render(self.get_object())


@schema.legal_statuses
class LegalStatusViewSet(RecordPartViewSet):
    serializer_class = LegalStatusSerializer
    record_serializer_class = LegalStatusSerializer

    def get_queryset(self):
        return LegalStatus.objects.filter(of_visible_children(self.request.user))

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = add_legal_status(
            acting_user=request.user,
            child=data["child"],
            status=data["status"],
            start_date=data["start_date"],
            end_date=data["end_date"],
        )
        assert created is not None  # "none" is not offered here
        return self._render(created, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        period = self.get_object()
        serializer = LegalStatusCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not data:
            raise Refused("Give at least one field to change.")
        with self.changing(period) as locked:
            corrected = correct_legal_status(
                acting_user=request.user,
                legal_status=locked,
                status=data.get("status", locked.status),
                start_date=data.get("start_date", locked.start_date),
                end_date=data.get("end_date", locked.end_date),
            )
        return self._render(corrected)

    @action(detail=True, methods=["post"], serializer_class=EndDateSerializer)
    def end(self, request, pk=None):
        period = self.get_object()
        serializer = EndDateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with self.changing(period) as locked:
            ended = end_legal_status(
                acting_user=request.user,
                legal_status=locked,
                end_date=serializer.validated_data["end_date"],
            )
        return self._render(ended)


@schema.placements
class PlacementViewSet(RecordPartViewSet):
    serializer_class = PlacementSerializer
    record_serializer_class = PlacementSerializer

    def get_queryset(self):
        return Placement.objects.filter(of_visible_children(self.request.user))

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        placement = start_placement(acting_user=request.user, **data)
        return self._render(placement, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        placement = self.get_object()
        serializer = PlacementCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise Refused("Give at least one field to change.")
        with self.changing(placement) as locked:
            corrected = correct_placement(
                acting_user=request.user, placement=locked, **serializer.validated_data
            )
        return self._render(corrected)

    @action(detail=True, methods=["post"], serializer_class=EndDateSerializer)
    def end(self, request, pk=None):
        placement = self.get_object()
        serializer = EndDateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with self.changing(placement) as locked:
            ended = end_placement(
                acting_user=request.user,
                placement=locked,
                end_date=serializer.validated_data["end_date"],
            )
        return self._render(ended)


@schema.allocations
class AllocationViewSet(RecordPartViewSet):
    serializer_class = AllocationSerializer
    record_serializer_class = AllocationSerializer

    def get_queryset(self):
        return Allocation.objects.filter(of_visible_children(self.request.user))

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        replacing = None
        if data["replacing"] is not None:
            replacing = Allocation.objects.filter(
                pk=data["replacing"], child=data["child"], ended_at__isnull=True
            ).first()
            if replacing is None:
                raise Refused(
                    "No current allocation of this child with that id.", field="replacing"
                )
        allocation = allocate_child(
            acting_user=request.user,
            child=data["child"],
            team=data["team"],
            worker=data["worker"],
            replacing=replacing,
        )
        return self._render(allocation, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], serializer_class=EmptySerializer)
    def end(self, request, pk=None):
        allocation = self.get_object()
        with self.changing(allocation) as locked:
            ended = end_allocation(acting_user=request.user, allocation=locked)
        return self._render(ended)


@schema.access_grants
class AccessGrantViewSet(RecordPartViewSet):
    serializer_class = AccessGrantSerializer
    record_serializer_class = AccessGrantSerializer
    filterset_class = AccessGrantFilter

    def get_queryset(self):
        return ChildAccessGrant.objects.filter(
            content_object_id__in=visible_children(self.request.user).values("pk")
        ).select_related("user", "granted_by")

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        grant = grant_child_access(
            acting_user=request.user,
            child=data["content_object"],
            user=data["user"],
            expires_at=data["expires_at"],
            reason=data["reason"],
        )
        return self._render(grant, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], serializer_class=EmptySerializer)
    def revoke(self, request, pk=None):
        grant = self.get_object()
        with self.changing(grant) as locked:
            revoked = revoke_child_access(acting_user=request.user, grant=locked)
        return self._render(revoked)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([])
def not_found(request, *args, **kwargs):
    return problem(404, "There is no such endpoint or record.", code="not_found")
