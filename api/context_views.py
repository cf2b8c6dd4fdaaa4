"""The API of issue 12: referrals to a panel (from any agency, police included), children
missing together, and places in an episode. What a key sees and does is what its user
can in the browser: the same selectors and services (decision 0013)."""

from __future__ import annotations

from rest_framework import mixins, serializers

from api import schema
from api.serializers import StrictModelSerializer, VisibleChildField, VisibleEpisodeField
from api.views import ApiViewSet, of_visible_children
from children.selectors import visible_children
from contextual.models import Certainty, EpisodePlace, MissingWith, PlaceKind, PlaceRole
from contextual.selectors import choosable_places, visible_place_links
from contextual.services import link_episode_place, record_missing_with, record_place
from core.audit import note_record
from episodes.selectors import visible_episodes
from panels.models import PanelKind, PanelReferral
from panels.services import refer_to_panel
from risk.models import Indicator


class PanelReferralSerializer(StrictModelSerializer):
    child = VisibleChildField()
    panel_kind = serializers.ChoiceField(choices=PanelKind.choices)
    indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=Indicator.choices), required=False, default=list
    )
    reason = serializers.CharField(max_length=10000)

    class Meta:
        model = PanelReferral
        fields = ["id", "child", "panel_kind", "indicators", "reason", "referred_at"]
        read_only_fields = ["id", "referred_at"]


@schema.panel_referrals
class PanelReferralViewSet(mixins.ListModelMixin, ApiViewSet):
    """Referrals to a panel of the children the user sees; POST refers a child."""

    # These links have no updated_at: ordered by id only (?ordering=updated_at is a 400).
    ordering_fields = ["id"]

    serializer_class = PanelReferralSerializer

    def get_queryset(self):
        return PanelReferral.objects.filter(of_visible_children(self.request.user))

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        referral = refer_to_panel(
            acting_user=request.user,
            child=data["child"],
            panel_kind=data["panel_kind"],
            indicators=data["indicators"],
            reason=data["reason"],
        )
        return self.created(self.get_serializer(referral).data)


class MissingWithSerializer(StrictModelSerializer):
    episode = VisibleEpisodeField()
    other_child = serializers.IntegerField(
        source="other_child_id",
        help_text="The other child's id; null in answers where you may not see that child.",
    )
    certainty = serializers.ChoiceField(choices=Certainty.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    class Meta:
        model = MissingWith
        fields = ["id", "episode", "other_child", "certainty", "note", "recorded_at"]
        read_only_fields = ["id", "recorded_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.other_child_id not in self.context.get("visible_others", set()):
            data["other_child"] = None
        return data


@schema.missing_with
class MissingWithViewSet(mixins.ListModelMixin, ApiViewSet):
    """Children known or believed to be missing together, on the episodes the user sees."""

    # These links have no updated_at: ordered by id only (?ordering=updated_at is a 400).
    ordering_fields = ["id"]

    serializer_class = MissingWithSerializer

    def get_queryset(self):
        user = self.request.user
        return MissingWith.objects.filter(of_visible_children(user)).filter(
            episode__in=visible_episodes(user)
        )

    def _context(self, links) -> dict:
        ids = {link.other_child_id for link in links}
        visible = set(
            visible_children(self.request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        return {**self.get_serializer_context(), "visible_others": visible}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # always paginated
        serializer = self.get_serializer(page, many=True, context=self._context(page))
        return self.get_paginated_response(serializer.data)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        link = record_missing_with(
            acting_user=request.user,
            episode=data["episode"],
            other_child_id=data["other_child_id"],
            certainty=data["certainty"],
            note=data["note"],
        )
        return self.created(self.get_serializer(link, context=self._context([link])).data)


class EpisodePlaceSerializer(StrictModelSerializer):
    episode = VisibleEpisodeField()
    role = serializers.ChoiceField(choices=PlaceRole.choices)
    place = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="An existing place's id"
    )
    place_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    place_kind = serializers.ChoiceField(
        choices=PlaceKind.choices, required=False, allow_blank=True, default=""
    )
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")

    class Meta:
        model = EpisodePlace
        fields = ["id", "episode", "role", "place", "place_name", "place_kind", "postcode"]
        read_only_fields = ["id"]

    def to_representation(self, instance):
        note_record(instance)  # drawn by hand, so logged here as LogsReads does
        return {
            "id": instance.pk,
            "episode": instance.episode_id,
            "role": instance.role,
            "place": instance.place_id,
            "place_name": instance.place.name,
            "place_kind": instance.place.kind,
            "postcode": instance.place.postcode,
        }


@schema.episode_places
class EpisodePlaceViewSet(mixins.ListModelMixin, ApiViewSet):
    """Places in the episodes the user sees: last seen, found, reported whereabouts. POST
    links an existing place (`place`) or records a new one (`place_name`, `place_kind`,
    `postcode`) of the child's local authority."""

    # These links have no updated_at: ordered by id only (?ordering=updated_at is a 400).
    ordering_fields = ["id"]

    serializer_class = EpisodePlaceSerializer

    def get_queryset(self):
        return visible_place_links(self.request.user).select_related("place")

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        episode = data["episode"]
        authority_id = episode.child.responsible_authority_id
        if data["place"] is not None:
            place = choosable_places(request.user, authority_id).filter(pk=data["place"]).first()
            if place is None:
                raise serializers.ValidationError({"place": f"No place with id {data['place']}."})
        else:
            if not data["place_name"] or not data["place_kind"]:
                raise serializers.ValidationError(
                    {"place": "Give an existing place's id, or a new place's name and kind."}
                )
            place = record_place(
                acting_user=request.user,
                authority=episode.child.responsible_authority,
                name=data["place_name"],
                kind=data["place_kind"],
                postcode=data["postcode"],
            )
        link = link_episode_place(
            acting_user=request.user, episode=episode, place=place, role=data["role"]
        )
        return self.created(self.get_serializer(link).data)
