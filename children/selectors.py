"""Who may see which child, computed in the query itself (ARCHITECTURE.md "Access").

A child is visible to:
- members of the teams the child is currently allocated to (the allocated worker, their
  colleagues and their team manager);
- the Missing Co-ordinator, Assistant Director and head of service of the responsible
  local authority; those of the authority hosting the child's current placement
  (out-of-area placements) while an episode is open and for
  `PROTOCOL.host_authority_sight_days` after it closes (issue 15);
- the practitioners linked to the child (ChildLink: the IRO or child protection adviser,
  and partner agencies' practitioners), in a role that reaches children by link;
- team managers of the responsible authority while the child is allocated to no team,
  so that someone who may allocate the child can find them (the unallocated list);
- MASH triage staff of an authority while a referral for the child is open there, and
  after they rate it until the referral is closed (they amend their own rating);
- return interview officers of the authority while a return interview is due for the
  child (a return_interview deadline not yet met), and for the interviews they recorded;
- police liaison officers of a force that reported, or was told of, one of the child's
  episodes (not one awaiting the council's confirmation of the match: they see that
  episode alone, `episodes.selectors.visible_episodes`);
- panel members of an authority for the children on the agenda of its exploitation
  panel meetings (the panels they sit on), from PANEL_SIGHT_DAYS before the meeting
  until PANEL_SIGHT_DAYS after it;
- a named person holding an unexpired ad-hoc grant (django-guardian, direct FK table).

Every rule is an `Exists()` over indexed columns, so one query (after a small read of
the user's memberships) answers "what may this user see" at national scale, with no
permission rows per user per child.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import AUTHORITY_WIDE_ROLES, LINKED_ROLES, Membership, Role
from children.models import (
    Allocation,
    Child,
    ChildAccessGrant,
    ChildLink,
    LegalStatus,
    Placement,
)
from core.audit import note_record
from protocol.conf import protocol_settings

GRANT_PERMISSION = "view_child_record"
# A panel member prepares for a meeting and follows up its actions: they see the children
# on its agenda this long either side of it (a reading of issue 11; the protocol is silent).
PANEL_SIGHT_DAYS = 90


MembershipRow = tuple[str, int, int]  # (role, team id, agency id)


@dataclasses.dataclass(frozen=True)
class AccessProfile:
    """A user's active memberships, and the ids through which they reach children."""

    memberships: tuple[MembershipRow, ...] = ()

    def _agencies(self, *roles: str) -> frozenset[int]:
        return frozenset(agency for role, _team, agency in self.memberships if role in roles)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(role for role, _team, _agency in self.memberships)

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(team for _role, team, _agency in self.memberships)

    @property
    def authority_ids(self) -> frozenset[int]:
        return self._agencies(*AUTHORITY_WIDE_ROLES)

    @property
    def manager_authority_ids(self) -> frozenset[int]:
        return self._agencies(Role.TEAM_MANAGER)

    @property
    def mash_authority_ids(self) -> frozenset[int]:
        return self._agencies(Role.MASH_TRIAGE)

    @property
    def force_ids(self) -> frozenset[int]:
        return self._agencies(Role.POLICE_LIAISON)

    @property
    def interview_authority_ids(self) -> frozenset[int]:
        return self._agencies(Role.RETURN_INTERVIEW_OFFICER)

    @property
    def panel_authority_ids(self) -> frozenset[int]:
        return self._agencies(Role.PANEL_MEMBER)

    @property
    def linked_roles(self) -> frozenset[str]:
        """The roles in which this person reaches a child only by a link to it."""
        return self.roles & frozenset(LINKED_ROLES)

    def without(self, role: str) -> AccessProfile:
        """The same person as if they did not hold `role`."""
        return AccessProfile(tuple(row for row in self.memberships if row[0] != role))

    def only(self, role: str) -> AccessProfile:
        """The same person as if they held `role` alone: which children does it reach?"""
        return AccessProfile(tuple(row for row in self.memberships if row[0] == role))


def access_profile(user) -> AccessProfile:
    return AccessProfile(
        tuple(
            Membership.objects.filter(user=user, is_active=True).values_list(
                "role", "team_id", "team__agency_id"
            )
        )
    )


def _is_signed_in(user) -> bool:
    return not (
        user is None
        or isinstance(user, AnonymousUser)
        or not user.is_authenticated
        or not user.is_active
    )


def grant_condition(user, child_ref: str = "pk") -> Q:
    """An unexpired ad-hoc grant of the child to this named person (anyone may hold one)."""
    return Q(
        Exists(
            ChildAccessGrant.objects.filter(
                content_object_id=OuterRef(child_ref),
                user=user,
                permission__codename=GRANT_PERMISSION,
                expires_at__gt=timezone.now(),
            )
        )
    )


def relationship_condition(user, profile: AccessProfile, child_ref: str = "pk") -> Q | None:
    """The relationships through which `profile`'s memberships reach a child, or None.

    The one statement of the access rules (module docstring); `child_visibility` ORs it
    with the grant, and `children.permissions.roles_for_child` asks it role by role.
    Only the rules the memberships can satisfy are included, with literal ids.
    """
    # Imported here: episodes and risk sit above children in the model layering.
    from episodes.models import Episode
    from panels.models import PanelCase
    from protocol.models import Deadline
    from returns.models import ReturnInterview
    from risk.models import MashReferral, ReferralStatus

    child = OuterRef(child_ref)
    rules: list[Q] = []
    if profile.team_ids:
        rules.append(
            Q(
                Exists(
                    Allocation.objects.filter(
                        child_id=child, ended_at__isnull=True, team_id__in=profile.team_ids
                    )
                )
            )
        )
    if profile.authority_ids:
        rules.append(
            Q(
                Exists(
                    Child.objects.filter(
                        pk=child, responsible_authority_id__in=profile.authority_ids
                    )
                )
            )
            | host_authority_condition(profile.authority_ids, child)
        )
    if profile.manager_authority_ids:
        rules.append(
            Q(
                Exists(
                    Child.objects.filter(
                        pk=child, responsible_authority_id__in=profile.manager_authority_ids
                    )
                )
            )
            & ~Q(Exists(Allocation.objects.filter(child_id=child, ended_at__isnull=True)))
        )
    if profile.mash_authority_ids:
        rules.append(
            Q(
                Exists(
                    MashReferral.objects.filter(
                        child_id=child,
                        status__in=[ReferralStatus.OPEN, ReferralStatus.TRIAGED],
                        mash_authority_id__in=profile.mash_authority_ids,
                    )
                )
            )
        )
    if profile.force_ids:
        rules.append(
            Q(
                Exists(
                    Episode.objects.filter(
                        child_id=child,
                        entered_in_error=False,
                        awaiting_match=False,
                        police_force_id__in=profile.force_ids,
                    )
                )
            )
        )
    if profile.interview_authority_ids:
        rules.append(
            Q(
                Exists(
                    Deadline.objects.filter(
                        child_id=child,
                        rule="return_interview",
                        status__in=["scheduled", "open", "breached"],
                        child__responsible_authority_id__in=profile.interview_authority_ids,
                    )
                )
            )
            | Q(Exists(ReturnInterview.objects.filter(child_id=child, interviewer=user)))
        )
    if profile.panel_authority_ids:
        sight = dt.timedelta(days=PANEL_SIGHT_DAYS)
        now = timezone.now()
        rules.append(
            Q(
                Exists(
                    PanelCase.objects.filter(
                        child_id=child,
                        meeting__authority_id__in=profile.panel_authority_ids,
                        meeting__meets_at__gte=now - sight,
                        meeting__meets_at__lte=now + sight,
                    )
                )
            )
        )
    rules.extend(_agency_rules(user, profile, child))
    if not rules:
        return None
    combined = rules[0]
    for rule in rules[1:]:
        combined |= rule
    return combined


# --- Issue 15: across authorities and agencies (kept apart from the rules above) -------


def host_authority_condition(authority_ids: frozenset[int], child: OuterRef) -> Q:
    """The host authority of a child's current out-of-area placement, while an episode is
    open and for `host_authority_sight_days` after it closes (HAR 17.2-17.4)."""
    from episodes.models import Episode

    since = timezone.now() - dt.timedelta(days=protocol_settings().host_authority_sight_days)
    return Q(
        Exists(
            Placement.objects.filter(
                child_id=child, end_date__isnull=True, host_authority_id__in=authority_ids
            )
        )
    ) & Q(
        Exists(
            Episode.objects.filter(child_id=child, entered_in_error=False).filter(
                Q(returned_at__isnull=True) | Q(returned_at__gte=since)
            )
        )
    )


def _agency_rules(user, profile: AccessProfile, child: OuterRef) -> list[Q]:
    """A practitioner linked to the child (IRO or child protection adviser, partner
    agencies), in a role that reaches children by link."""
    if not profile.linked_roles:
        return []
    return [
        Q(
            Exists(
                ChildLink.objects.filter(
                    child_id=child,
                    user=user,
                    role__in=sorted(profile.linked_roles),
                    ended_at__isnull=True,
                )
            )
        )
    ]


def child_visibility(user, child_ref: str = "pk", *, without_role: str | None = None) -> Q:
    """A Q over Child (or, with `child_ref`, over a model pointing at a child) for `user`.

    `child_ref` is the expression naming the child's id from the queried model:
    "pk" for Child, "child_id" for Episode and the other case models.

    The user's memberships are read first (one small indexed query), so the visibility
    query carries only the rules that can match, with their ids as literals: a police
    officer's query has the police rule and the grant rule, not six subqueries.
    PostgreSQL plans that far better at scale (bench/api.py). `without_role` leaves one
    role's rule out (the episodes a police officer sees are their force's, not the child's).
    """
    if not _is_signed_in(user):
        return Q(pk__in=[])
    visible = grant_condition(user, child_ref)
    profile = access_profile(user)
    if without_role is not None:
        profile = profile.without(without_role)
    relationship = relationship_condition(user, profile, child_ref)
    return visible | relationship if relationship is not None else visible


def visible_children(user) -> QuerySet[Child]:
    """Every child `user` may see. The one door to children's records."""
    return Child.objects.filter(child_visibility(user))


def get_visible_child(user, child_id: int) -> Child:
    """The child, or Child.DoesNotExist: a child you may not see does not exist for you."""
    child = visible_children(user).get(pk=child_id)
    note_record(child)  # the request's access event (core.audit)
    return child


def visible_child_or_404(user, child_id: int) -> Child:
    """For pages: the child, or a 404 (never a 403: a child you may not see does not exist
    for you, and a 403 would say that it does)."""
    try:
        return get_visible_child(user, child_id)
    except Child.DoesNotExist:
        raise Http404("No such child") from None


def current_legal_status(child: Child, *, on=None) -> LegalStatus | None:
    day = on or timezone.localdate()
    return (
        child.legal_statuses.filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .first()
    )


def current_placement(child: Child, *, on=None) -> Placement | None:
    day = on or timezone.localdate()
    return (
        child.placements.filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("placing_authority", "host_authority")
        .first()
    )


def current_placement_of(child: Child, *, carer) -> bool:
    """Whether `carer` is the carer of the child's placement today."""
    placement = current_placement(child)
    return placement is not None and placement.carer_id == carer.pk


def current_allocations(child: Child) -> QuerySet[Allocation]:
    return child.allocations.filter(ended_at__isnull=True).select_related("team", "worker")


def philomena_child(user, child_id: int) -> Child:
    """A child whose Philomena profile `user` may read: a child they may see, or the child
    of the placement they are the carer of (the carer keeps Part 1). Child.DoesNotExist
    otherwise."""
    if not _is_signed_in(user):
        raise Child.DoesNotExist
    today = timezone.localdate()
    cared_for = Exists(
        Placement.objects.filter(child_id=OuterRef("pk"), carer=user, start_date__lte=today).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today)
        )
    )
    child = Child.objects.filter(Q(child_visibility(user)) | Q(cared_for)).get(pk=child_id)
    note_record(child)  # the request's access event (core.audit)
    return child


def unallocated_children(user) -> QuerySet[Child]:
    """Children `user` may see who are allocated to no team: the list of those to allocate."""
    return visible_children(user).filter(
        ~Exists(Allocation.objects.filter(child_id=OuterRef("pk"), ended_at__isnull=True))
    )


def find_children(user, query: str) -> QuerySet[Child]:
    """Visible children whose name, date of birth or police reference matches `query`.

    Names match without regard to case or accents (PostgreSQL unaccent) and by trigram
    similarity, so "Zoe" finds "Zoë" and small misspellings still match.
    """
    import datetime as dt

    from django.contrib.postgres.lookups import Unaccent  # noqa: F401  (registers __unaccent)

    from episodes.models import Episode

    query = " ".join(query.split())
    children = visible_children(user)
    if not query:
        return children.none()
    conditions = Q()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            conditions |= Q(date_of_birth=dt.datetime.strptime(query, fmt).date())  # noqa: DTZ007
            break
        except ValueError:
            continue
    conditions |= Q(
        Exists(Episode.objects.filter(child_id=OuterRef("pk"), police_reference__iexact=query))
    )
    name_condition = Q()
    for word in query.split():
        name_condition &= (
            Q(given_name__unaccent__icontains=word)
            | Q(family_name__unaccent__icontains=word)
            | Q(known_as__unaccent__icontains=word)
            | Q(family_name__unaccent__trigram_similar=word)
            | Q(given_name__unaccent__trigram_similar=word)
        )
    conditions |= name_condition
    return children.filter(conditions)


def possible_duplicates(*, given_name: str, family_name: str, date_of_birth) -> QuerySet[Child]:
    """Children who may be the same person: same date of birth and a similar name.

    Searched across every child, not only the visible ones, because creating a second
    record for a known child splits their history; the caller shows only what the user
    may see, and says that others exist.
    """
    from django.contrib.postgres.search import TrigramSimilarity

    return (
        Child.objects.filter(date_of_birth=date_of_birth)
        .annotate(
            similarity=TrigramSimilarity("family_name", family_name)
            + TrigramSimilarity("given_name", given_name)
        )
        .filter(Q(similarity__gte=0.5) | Q(family_name__unaccent__iexact=family_name))
        .order_by("-similarity")
    )
