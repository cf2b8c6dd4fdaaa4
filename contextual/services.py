"""Writes of places, children missing together and associates (issue 12, decision 0013).

Nothing here changes what the protocol engine reads, so no service reconciles.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from agencies.models import Actor, acting_person
from children.models import Child
from children.permissions import Action, may, require_on_episode
from children.selectors import get_visible_child
from contextual.models import (
    AgeGroup,
    Associate,
    AssociateLink,
    Certainty,
    EpisodePlace,
    IntelligenceAssessment,
    MissingWith,
    Nature,
    Place,
    PlaceKind,
    PlaceRole,
    SourceEvaluation,
    normalise_postcode,
)
from core.errors import Conflict, NotAllowed, Refused
from core.history import records
from episodes.models import Episode

LINE = 500


def _line(value: str, field: str, label: str, *, required: bool = True, limit: int = LINE) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise Refused(f"Enter {label}.", field=field)
    if len(text) > limit:
        raise Refused(f"{label.capitalize()} must be {limit} characters or fewer.", field=field)
    return text


def _require_episode_writer(acting_user: Actor, episode: Episode) -> None:
    require_on_episode(acting_user, Action.REPORT_EPISODE, episode.child, episode.police_force_id)


@records("Place recorded")
@transaction.atomic
def record_place(
    *, acting_user: Actor, authority, name: str, kind: str, postcode: str = ""
) -> Place:
    """A new place of `authority`, or the one already recorded with that name and postcode."""
    person = acting_person(acting_user)
    name = _line(name, "name", "the place's name", limit=200)
    if kind not in PlaceKind.values:
        raise Refused("Choose what kind of place it is.", field="kind")
    sector = ""
    if postcode.strip():
        normalised = normalise_postcode(postcode)
        if normalised is None:
            raise Refused(
                "Enter a postcode like N17 6AB, or its sector like N17 6.", field="postcode"
            )
        postcode, sector = normalised
    place, _created = Place.objects.get_or_create(
        authority=authority,
        name=name,
        postcode=postcode,
        defaults={"kind": kind, "postcode_sector": sector, "created_by": person},
    )
    return place


@records("Place linked to episode")
@transaction.atomic
def link_episode_place(
    *, acting_user: Actor, episode: Episode, place: Place, role: str
) -> EpisodePlace:
    _require_episode_writer(acting_user, episode)
    if role not in PlaceRole.values:
        raise Refused(
            "Choose whether the child was last seen, found or reported there.", field="role"
        )
    if place.authority_id != episode.child.responsible_authority_id:
        raise Refused("Choose a place of the child's local authority.", field="place")
    if EpisodePlace.objects.filter(episode=episode, place=place, role=role).exists():
        raise Conflict("That place is already recorded on this episode.", field="place")
    return EpisodePlace.objects.create(
        episode=episode,
        child_id=episode.child_id,
        place=place,
        role=role,
        recorded_by=acting_person(acting_user),
        recorded_at=timezone.now(),
    )


@records("Missing with another child recorded")
@transaction.atomic
def record_missing_with(
    *,
    acting_user: Actor,
    episode: Episode,
    other_child_id: int,
    certainty: str,
    note: str = "",
) -> MissingWith:
    """Record that the episode's child was known or believed to be with another child.

    The other child must be one the recorder may see: a link never names a child to
    someone who may not see them, and no one records a link they could not read back."""
    _require_episode_writer(acting_user, episode)
    person = acting_person(acting_user)
    try:
        other = get_visible_child(person, other_child_id)
    except Child.DoesNotExist:
        raise Refused("Choose a child from the list.", field="other_child") from None
    if other.pk == episode.child_id:
        raise Refused("Choose another child, not this one.", field="other_child")
    if certainty not in Certainty.values:
        raise Refused("Say whether this is known or believed.", field="certainty")
    if MissingWith.objects.filter(episode=episode, other_child=other).exists():
        raise Conflict(
            f"{other.full_name} is already recorded on this episode.", field="other_child"
        )
    return MissingWith.objects.create(
        episode=episode,
        child_id=episode.child_id,
        other_child=other,
        certainty=certainty,
        note=_line(note, "note", "the note", required=False),
        recorded_by=person,
        recorded_at=timezone.now(),
    )


def may_record_associates(user, child: Child) -> bool:
    return may(user, Action.EDIT_CHILD, child) or may(user, Action.PANEL, child)


@records("Associate linked to child")
@transaction.atomic
def link_associate(
    *,
    acting_user: Actor,
    child: Child,
    nature: str,
    role: str,
    how_known: str,
    source: str,
    source_evaluation: str,
    intelligence_assessment: str,
    associate: Associate | None = None,
    name: str = "",
    age_group: str = AgeGroup.UNKNOWN,
    description: str = "",
) -> AssociateLink:
    """Link a person to the child, as one source says, graded 3x5x2. An existing
    associate of the authority is chosen (`associate`) or a new one named (`name`)."""
    person = acting_person(acting_user)
    if not may_record_associates(person, child):
        raise NotAllowed("You may not record associates for this child.")
    if nature not in Nature.values:
        raise Refused("Say whether the person is of concern or of support.", field="nature")
    if source_evaluation not in SourceEvaluation.values:
        raise Refused("Grade the source: 1, 2 or 3.", field="source_evaluation")
    if intelligence_assessment not in IntelligenceAssessment.values:
        raise Refused("Grade the information: A to E.", field="intelligence_assessment")
    role = _line(role, "role", "who the person is to the child", limit=200)
    how_known = _line(how_known, "how_known", "how this is known")
    source = _line(source, "source", "the source", limit=200)
    if associate is None:
        if age_group not in AgeGroup.values:
            raise Refused("Say whether the person is an adult or a child.", field="age_group")
        associate = Associate.objects.create(
            authority_id=child.responsible_authority_id,
            name=_line(name, "name", "the person's name", limit=200),
            age_group=age_group,
            description=_line(description, "description", "the description", required=False),
            created_by=person,
        )
    elif associate.authority_id != child.responsible_authority_id:
        raise Refused("Choose a person recorded by the child's local authority.", field="associate")
    return AssociateLink.objects.create(
        child=child,
        associate=associate,
        nature=nature,
        role=role,
        how_known=how_known,
        source=source,
        source_evaluation=source_evaluation,
        intelligence_assessment=intelligence_assessment,
        recorded_by=person,
        recorded_at=timezone.now(),
    )
