"""Reads of places, children missing together, associates and hotspots, for one reader.

Every list starts from what the reader may see (`children.selectors.child_visibility`,
`episodes.selectors.visible_episodes`); a child the reader may not see is never named
(decision 0013).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Greatest, Least

from agencies.models import Agency, AgencyKind, Membership, Role
from children.models import Child
from children.selectors import child_visibility, visible_children
from contextual.models import (
    Associate,
    AssociateLink,
    EpisodePlace,
    MissingWith,
    Place,
    PlaceKind,
)
from episodes.selectors import visible_episodes

# Who reads hotspots: the Missing Co-ordinator, the Assistant Director and panel members
# of an authority (issue 12).
HOTSPOT_ROLES = (Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER, Role.PANEL_MEMBER)
# Counts from 1 to 5 are hidden from readers outside the authority's own staff: small
# numbers identify children (the committee report's rule, reports/counting.py).
SMALL_COUNT_MAX = 5


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def member_authority_ids(user) -> frozenset[int]:
    """Local authorities in whose teams the user holds any active role."""
    if not _signed_in(user):
        return frozenset()
    return frozenset(
        Membership.objects.filter(
            user=user, is_active=True, team__agency__kind=AgencyKind.LOCAL_AUTHORITY
        ).values_list("team__agency_id", flat=True)
    )


# Missing with ----------------------------------------------------------------------------


@dataclasses.dataclass
class TogetherRow:
    """Another child this child was missing with, as the reader may know them."""

    other: Child | None  # None: a child the reader may not see
    certainty: str
    times: int
    last_seen_at: dt.datetime


def missing_with_for_child(user, child: Child) -> list[TogetherRow]:
    """The children `child` was known or believed to be missing with, both ways round (on
    the child's episodes the reader sees, and on other children's episodes naming this
    child); each other child named only if the reader may see them, else one row
    "another child you cannot see" (decision 0013)."""
    links = (
        MissingWith.objects.filter(
            Q(child=child, episode__in=visible_episodes(user)) | Q(other_child=child)
        )
        .select_related("episode")
        .order_by("episode__last_seen_at", "pk")
    )
    by_other: dict[int, list[MissingWith]] = defaultdict(list)
    for link in links:
        other_id = link.other_child_id if link.child_id == child.pk else link.child_id
        by_other[other_id].append(link)
    visible = {c.pk: c for c in visible_children(user).filter(pk__in=list(by_other))}
    rows = []
    for other_id, group in by_other.items():
        known = any(link.certainty == "known" for link in group)
        rows.append(
            TogetherRow(
                other=visible.get(other_id),
                certainty="Known" if known else "Believed",
                times=len({link.episode_id for link in group}),
                last_seen_at=max(link.episode.last_seen_at for link in group),
            )
        )
    rows.sort(key=lambda row: row.last_seen_at, reverse=True)
    return rows


def missing_with_on_episode(user, episode) -> list[tuple[MissingWith, Child | None]]:
    """The links recorded on one episode the reader sees, the other child or None."""
    links = list(MissingWith.objects.filter(episode=episode).order_by("recorded_at", "pk"))
    visible = {
        c.pk: c
        for c in visible_children(user).filter(pk__in=[link.other_child_id for link in links])
    }
    return [(link, visible.get(link.other_child_id)) for link in links]


def missing_with_on_children(
    user, child_ids: list[int]
) -> list[tuple[int, MissingWith, Child | None]]:
    """(child id, link, the other child if the reader sees them) for each link naming one
    of the children either way round: on their episodes the reader sees, or on another
    child's episode. Two queries, however many children."""
    wanted = set(child_ids)
    links = list(
        MissingWith.objects.filter(
            Q(child_id__in=wanted, episode__in=visible_episodes(user))
            | Q(other_child_id__in=wanted)
        ).order_by("recorded_at", "pk")
    )
    rows: list[tuple[int, int, MissingWith]] = []
    for link in links:
        if link.child_id in wanted:
            rows.append((link.child_id, link.other_child_id, link))
        if link.other_child_id in wanted:
            rows.append((link.other_child_id, link.child_id, link))
    visible = {
        c.pk: c for c in visible_children(user).filter(pk__in={other for _c, other, _l in rows})
    }
    return [(child_id, link, visible.get(other)) for child_id, other, link in rows]


def missing_with_choices(user, episode) -> QuerySet[Child]:
    """Children the recorder may name: those they see, of the episode child's authority."""
    return (
        visible_children(user)
        .filter(responsible_authority_id=episode.child.responsible_authority_id)
        .exclude(pk=episode.child_id)
        .order_by("family_name", "given_name", "pk")
    )


# Places ----------------------------------------------------------------------------------


def visible_place_links(user) -> QuerySet[EpisodePlace]:
    """Links of places to episodes the reader sees, of children they see."""
    return EpisodePlace.objects.filter(
        child_visibility(user, "child_id"), episode__in=visible_episodes(user)
    )


def visible_place(user, pk: int) -> Place | None:
    """A place's page is open to staff of its authority and to anyone who sees one of its
    episodes; the episodes and children it lists are those the reader sees."""
    if not _signed_in(user):
        return None
    return (
        Place.objects.filter(pk=pk)
        .filter(
            Q(authority_id__in=member_authority_ids(user))
            | Q(Exists(visible_place_links(user).filter(place_id=OuterRef("pk"))))
        )
        .select_related("authority")
        .first()
    )


def place_episodes(user, place: Place) -> QuerySet[EpisodePlace]:
    return (
        visible_place_links(user)
        .filter(place=place)
        .select_related("episode", "child")
        .order_by("-episode__last_seen_at", "pk")
    )


def choosable_places(user, authority_id: int, query: str = "") -> QuerySet[Place]:
    """Places a recorder may choose for an episode of a child of `authority_id`: the
    authority's public places (anything but an address), and addresses already on
    episodes the reader sees. An address is personal data: it is not offered to
    everyone who records a child of that authority (decision 0013)."""
    seen = visible_place_links(user).filter(place_id=OuterRef("pk"))
    places = Place.objects.filter(authority_id=authority_id).filter(
        ~Q(kind=PlaceKind.ADDRESS) | Q(Exists(seen))
    )
    for word in query.split():
        places = places.filter(Q(name__icontains=word) | Q(postcode__icontains=word))
    return places.order_by("name", "postcode")


def episode_places(user, episode) -> QuerySet[EpisodePlace]:
    return EpisodePlace.objects.filter(episode=episode).select_related("place").order_by("pk")


# Associates ------------------------------------------------------------------------------


@dataclasses.dataclass
class AssociateRow:
    associate_id: int
    name: str
    age_group: str
    natures: list[str]
    links: list[AssociateLink]

    @property
    def verified(self) -> bool:
        """Established: at least one link graded 1A or 1B. Otherwise every statement is
        an unverified report and the page says so."""
        return any(link.is_verified for link in self.links)

    @property
    def sources(self) -> int:
        return len({link.source.lower() for link in self.links})


def associates_of(child: Child) -> list[AssociateRow]:
    """The child's associates (the caller has checked the reader's sight of them)."""
    rows: dict[int, AssociateRow] = {}
    for link in AssociateLink.objects.filter(child=child).select_related("associate"):
        row = rows.setdefault(
            link.associate_id,
            AssociateRow(
                link.associate_id,
                link.associate.name,
                link.associate.get_age_group_display(),
                [],
                [],
            ),
        )
        row.links.append(link)
        if link.get_nature_display() not in row.natures:
            row.natures.append(link.get_nature_display())
    return sorted(rows.values(), key=lambda row: row.name)


def choosable_associates(child: Child) -> QuerySet[Associate]:
    return Associate.objects.filter(authority_id=child.responsible_authority_id).order_by("name")


# Hotspots --------------------------------------------------------------------------------


def hotspot_authorities(user) -> QuerySet[Agency]:
    if not _signed_in(user):
        return Agency.objects.none()
    ids = Membership.objects.filter(
        user=user,
        is_active=True,
        role__in=HOTSPOT_ROLES,
        team__agency__kind=AgencyKind.LOCAL_AUTHORITY,
    ).values("team__agency_id")
    return Agency.objects.filter(pk__in=ids).order_by("name")


def is_own_staff(user, authority: Agency) -> bool:
    """The authority's own staff hold a working role in one of its teams; someone who
    holds only a panel seat there (police, health, education partners) does not."""
    return (
        Membership.objects.filter(user=user, is_active=True, team__agency=authority)
        .exclude(role=Role.PANEL_MEMBER)
        .exists()
    )


@dataclasses.dataclass
class ShownCount:
    value: int
    hidden: bool

    def __str__(self) -> str:
        return "1 to 5" if self.hidden else str(self.value)


def _count(value: int, suppress: bool) -> ShownCount:
    return ShownCount(value, suppress and 1 <= value <= SMALL_COUNT_MAX)


@dataclasses.dataclass
class Hotspots:
    authority: Agency
    start: dt.datetime
    end: dt.datetime
    suppressed: bool
    places: list[dict]
    sectors: list[dict]
    groups: list[dict]
    hidden_groups: ShownCount


def hotspots(
    user, *, authority: Agency, start: dt.datetime, end: dt.datetime, limit: int = 25
) -> Hotspots:
    """Places and postcode sectors ranked by episodes and distinct children, and pairs of
    children missing together two or more times, over episodes last seen in
    [start, end) of children of `authority`.

    The counts are of the authority's episodes: aggregates that name no child. A child
    is named only where the reader may see them; for readers outside the authority's own
    staff, counts from 1 to 5 are shown as "1 to 5"."""
    suppress = not is_own_staff(user, authority)
    in_period = Q(
        child__responsible_authority_id=authority.pk,
        episode__last_seen_at__gte=start,
        episode__last_seen_at__lt=end,
        episode__entered_in_error=False,
    )
    links = EpisodePlace.objects.filter(in_period)
    places: list[dict] = [
        dict(row)
        for row in links.values("place_id", "place__name", "place__kind", "place__postcode")
        .annotate(
            episodes=Count("episode_id", distinct=True), children=Count("child_id", distinct=True)
        )
        .order_by("-episodes", "-children", "place__name")[:limit]
    ]
    sectors: list[dict] = [
        dict(row)
        for row in links.exclude(place__postcode_sector="")
        .values("place__postcode_sector")
        .annotate(
            episodes=Count("episode_id", distinct=True), children=Count("child_id", distinct=True)
        )
        .order_by("-episodes", "-children", "place__postcode_sector")[:limit]
    ]
    kinds = dict(PlaceKind.choices)
    for row in places:
        row["kind_label"] = kinds.get(row["place__kind"], row["place__kind"])
    for row in [*places, *sectors]:
        row["episodes"] = _count(row["episodes"], suppress)
        row["children"] = _count(row["children"], suppress)
    pairs = list(
        MissingWith.objects.filter(in_period)
        .annotate(
            first=Least("child_id", "other_child_id"), second=Greatest("child_id", "other_child_id")
        )
        .values("first", "second")
        .annotate(times=Count("episode_id", distinct=True), last=Max("episode__last_seen_at"))
        .filter(times__gte=2)
        .order_by("-times", "-last")
    )
    ids = {pk for pair in pairs for pk in (pair["first"], pair["second"])}
    visible = {c.pk: c for c in visible_children(user).filter(pk__in=ids)}
    groups = []
    hidden = 0
    for pair in pairs:
        if pair["first"] in visible and pair["second"] in visible:
            groups.append(
                {
                    "children": [visible[pair["first"]], visible[pair["second"]]],
                    "times": pair["times"],
                    "last": pair["last"],
                }
            )
        else:
            hidden += 1
    return Hotspots(
        authority=authority,
        start=start,
        end=end,
        suppressed=suppress,
        places=places,
        sectors=sectors,
        groups=groups[:limit],
        hidden_groups=_count(hidden, suppress),
    )
