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

import collections
import dataclasses
import datetime as dt
import time
from collections.abc import Hashable

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
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
from core import request_cache
from core.arrays import EqualsAny, any_of
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


def active_memberships(user) -> list[Membership]:
    """The user's active memberships with their teams and agencies (the home page lists
    them), by agency, team and role: read once per request (core.request_cache), and the
    same read gives `access_profile`."""

    def read() -> list[Membership]:
        return list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("team__agency")
            .order_by("team__agency__name", "team__name", "role")
        )

    return request_cache.memo(("active_memberships", getattr(user, "pk", None)), read)


def access_profile(user) -> AccessProfile:
    """The user's active memberships as (role, team, agency): read once per request."""
    return AccessProfile(
        tuple(
            (membership.role, membership.team_id, membership.team.agency_id)
            for membership in active_memberships(user)
        )
    )


def _is_signed_in(user) -> bool:
    return not (
        user is None
        or isinstance(user, AnonymousUser)
        or not user.is_authenticated
        or not user.is_active
    )


@dataclasses.dataclass(frozen=True)
class Reach:
    """One way a user reaches children: `children` is a query of child ids (in its
    column `column`), drawn from what the user's own memberships point at (their teams,
    their authority, their force...), never from every child in the country."""

    role: str
    children: QuerySet
    column: str = "child_id"
    # Every child of the user's authorities (`AccessProfile.authority_ids`): a reader of a
    # whole authority may state it as a condition on the child row instead (the API's
    # episode list, episodes.selectors.episode_visibility).
    whole_authority: bool = False

    def condition(self, child_ref: str) -> Q:
        """The same rule as a correlated EXISTS over the outer row's child."""
        return Q(Exists(self.children.filter(**{self.column: OuterRef(child_ref)})))


GRANT = "grant"


def live_grants(user) -> QuerySet[ChildAccessGrant]:
    """The unexpired ad-hoc grants of children to this named person (anyone may hold one)."""
    return ChildAccessGrant.objects.filter(
        user=user, permission__codename=GRANT_PERMISSION, expires_at__gt=timezone.now()
    )


def grant_reach(user) -> Reach:
    """The children of `live_grants`."""
    return Reach(
        GRANT, live_grants(user).order_by().values("content_object_id"), "content_object_id"
    )


def holds_grants(user) -> bool:
    """Whether `user` holds any live grant, read once a request."""
    return request_cache.memo(("holds_grants", user.pk), live_grants(user).exists)


def grant_condition(user, child_ref: str = "pk") -> Q:
    return grant_reach(user).condition(child_ref)


def reaches(user, profile: AccessProfile) -> list[Reach]:
    """THE access rules (module docstring), one `Reach` per relationship, only those the
    memberships can satisfy, with their ids as literals. Every visibility check is built
    from this list: `child_visibility` (the pages' and the API's filters) as one
    `child IN (union of the reaches)`, and `children.permissions.roles_for_child`
    role by role. A new relationship (another agency's role) is one more Reach here.
    """
    # Imported here: episodes and risk sit above children in the model layering.
    from episodes.models import Episode
    from panels.models import PanelCase
    from protocol.models import Deadline
    from returns.models import ReturnInterview
    from risk.models import MashReferral, ReferralStatus

    current = Allocation.objects.filter(ended_at__isnull=True).order_by()
    rules: list[Reach] = []
    for role in sorted(profile.roles):
        teams = sorted({team for r, team, _agency in profile.memberships if r == role})
        agencies = sorted({agency for r, _team, agency in profile.memberships if r == role})
        if role in AUTHORITY_WIDE_ROLES:
            rules.append(
                Reach(
                    role,
                    authority_children(agencies).order_by().values("pk"),
                    "pk",
                    whole_authority=True,
                )
            )
            rules.append(Reach(role, host_authority_children(agencies)))
        elif role == Role.TEAM_MANAGER:
            # The unallocated children of the authority, so someone may allocate them.
            rules.append(
                Reach(
                    role,
                    Child.objects.filter(responsible_authority_id__in=agencies)
                    .exclude(Exists(current.filter(child_id=OuterRef("pk"))))
                    .order_by()
                    .values("pk"),
                    "pk",
                )
            )
        elif role == Role.MASH_TRIAGE:
            rules.append(
                Reach(
                    role,
                    MashReferral.objects.filter(
                        status__in=[ReferralStatus.OPEN, ReferralStatus.TRIAGED],
                        mash_authority_id__in=agencies,
                    )
                    .order_by()
                    .values("child_id"),
                )
            )
        elif role == Role.POLICE_LIAISON:
            rules.append(
                Reach(
                    role,
                    Episode.objects.filter(
                        entered_in_error=False, awaiting_match=False, police_force_id__in=agencies
                    )
                    .order_by()
                    .values("child_id"),
                )
            )
        elif role == Role.RETURN_INTERVIEW_OFFICER:
            rules.append(
                Reach(
                    role,
                    # A return interview not yet met: the predicate of the partial index
                    # of live deadlines (a breached deadline is never met).
                    # Read from the authority's children (`any_of`), not from every live
                    # deadline in the country.
                    Deadline.objects.filter(
                        any_of(
                            "child_id",
                            Child.objects.filter(responsible_authority_id__in=agencies)
                            .order_by()
                            .values("pk"),
                        ),
                        rule="return_interview",
                        status__in=["scheduled", "open", "breached"],
                        met_at__isnull=True,
                    )
                    .order_by()
                    .values("child_id"),
                )
            )
            rules.append(
                Reach(
                    role,
                    ReturnInterview.objects.filter(interviewer=user).order_by().values("child_id"),
                )
            )
        elif role == Role.PANEL_MEMBER:
            sight = dt.timedelta(days=PANEL_SIGHT_DAYS)
            now = timezone.now()
            rules.append(
                Reach(
                    role,
                    PanelCase.objects.filter(
                        meeting__authority_id__in=agencies,
                        meeting__meets_at__gte=now - sight,
                        meeting__meets_at__lte=now + sight,
                    )
                    .order_by()
                    .values("child_id"),
                )
            )
        elif role in LINKED_ROLES:
            # Issue 15: a practitioner linked to the child (IRO or child protection
            # adviser, partner agencies), in the role the link names.
            rules.append(
                Reach(
                    role,
                    ChildLink.objects.filter(user=user, role=role, ended_at__isnull=True)
                    .order_by()
                    .values("child_id"),
                )
            )
        # Every role reaches the children allocated to its teams (the allocated worker,
        # their colleagues, their team manager; a MASH or police team is allocated none).
        rules.append(Reach(role, current.filter(team_id__in=teams).values("child_id")))
    return rules


def authority_children(authority_ids) -> QuerySet[Child]:
    """Every child the authorities are responsible for: all that a reader of whole
    authorities (AUTHORITY_WIDE_ROLES) reaches through them (`reaches`)."""
    return Child.objects.filter(responsible_authority_id__in=sorted(authority_ids))


def visible_children_of(user, authority_ids) -> QuerySet[Child]:
    """`visible_children(user)` of these authorities only. Where the user reads every one of
    them whole, that is `authority_children` itself, so no visibility query is built and
    joined, and PostgreSQL knows how many children it is reading (issue 13: the committee
    report's scope was estimated at 7 children for 1,000, and every join after it was a
    nested loop)."""
    if _is_signed_in(user) and set(authority_ids) <= access_profile(user).authority_ids:
        return authority_children(authority_ids)
    return visible_children(user).filter(responsible_authority_id__in=sorted(authority_ids))


def host_authority_children(authority_ids) -> QuerySet:
    """Issue 15: the children whose current out-of-area placement is hosted by one of
    `authority_ids`, while an episode is open and for `host_authority_sight_days` after
    it closes (HAR 17.2-17.4). Read from the hosted placements to their children's
    episodes (`any_of`), never from every open or recent episode in the country."""
    from episodes.models import Episode

    since = timezone.now() - dt.timedelta(days=protocol_settings().host_authority_sight_days)
    hosted = (
        Placement.objects.filter(end_date__isnull=True, host_authority_id__in=authority_ids)
        .order_by()
        .values("child_id")
    )
    return (
        Episode.objects.filter(any_of("child_id", hosted), entered_in_error=False)
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=since))
        .order_by()
        .values("child_id")
    )


def relationship_condition(user, profile: AccessProfile, child_ref: str = "pk") -> Q | None:
    """The relationships through which `profile`'s memberships reach a child, as one Q of
    correlated EXISTS (`children.permissions.roles_for_child` asks it role by role), or
    None when they reach none."""
    conditions = [reach.condition(child_ref) for reach in reaches(user, profile)]
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def visible_child_ids(
    user,
    *,
    without_role: str | None = None,
    whole_authorities: bool = True,
    profile: AccessProfile | None = None,
) -> QuerySet:
    """The ids of every child `user` may see, as one subquery: the UNION of the reaches
    (`reaches`) and the grants. PostgreSQL starts from these few thousand ids at most (a
    team's children, an authority's) and joins the case rows to them by their child
    index, rather than testing every row in the country against an OR of EXISTS.

    `whole_authorities=False` leaves out "every child of the user's authorities"
    (`Reach.whole_authority`), for a caller that states it on the child row itself.
    `profile`: the user's `access_profile`, when the caller has read it already."""
    profile = profile if profile is not None else access_profile(user)
    if without_role is not None:
        profile = profile.without(without_role)
    parts = [
        reach.children
        for reach in (grant_reach(user), *reaches(user, profile))
        if whole_authorities or not reach.whole_authority
    ]
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


# Compiled `visible_child_ids` SQL, per process: (sql, params, offsets from now).
_compiled: collections.OrderedDict[Hashable, tuple[str, tuple, tuple]] = collections.OrderedDict()
COMPILED_KEEP = 4096


def compiled_child_ids(
    user, *, without_role: str | None = None, whole_authorities: bool = True
) -> RawSQL:
    """`visible_child_ids`, compiled once per process for each user and set of memberships
    (issue 13: building and compiling the union of the reaches took 4 to 8 ms a request).

    The SQL depends only on the user's id, their memberships (read afresh on every request,
    so a role given or taken away is in the key at once), the protocol's settings, and the
    clock. Every time in it is relative to now (a grant unexpired now, a host authority's
    sight since N days ago, a panel's 90 days either side): it is kept as an offset from
    now and set again for each use. tests/children/test_compiled_visibility.py holds the
    reaches to that (a fixed time in a reach fails it) and compares both forms' rows."""
    profile = access_profile(user)
    key = (
        getattr(user, "pk", None),
        profile.memberships,
        without_role,
        whole_authorities,
        protocol_settings(),
    )
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compile_child_ids(user, profile, without_role, whole_authorities)
        _compiled[key] = compiled
        while len(_compiled) > COMPILED_KEEP:
            _compiled.popitem(last=False)
    sql, params, offsets = compiled
    now = timezone.now()
    # Django's own compiled SQL (no text from a request in it), its values bound.
    return RawSQL(  # noqa: S611
        sql,
        tuple(
            param if offset is None else now + offset
            for param, offset in zip(params, offsets, strict=True)
        ),
    )


def _compile_child_ids(
    user, profile: AccessProfile, without_role: str | None, whole_authorities: bool
) -> tuple[str, tuple, tuple]:
    now = timezone.now()
    sql, params = visible_child_ids(
        user, without_role=without_role, whole_authorities=whole_authorities, profile=profile
    ).query.sql_with_params()
    # Whole seconds: the reaches' offsets are days; the microseconds between `now` and
    # the selector's own reads of the clock are not part of them.
    offsets = tuple(
        dt.timedelta(seconds=round((param - now).total_seconds()))
        if isinstance(param, dt.datetime)
        else None
        for param in params
    )
    return sql, tuple(params), offsets


def child_visibility(
    user, child_ref: str = "pk", *, without_role: str | None = None, drive: bool = False
) -> Q:
    """A Q over Child (or, with `child_ref`, over a model pointing at a child) for `user`.

    `child_ref` is the expression naming the child's id from the queried model:
    "pk" for Child, "child_id" for Episode and the other case models.

    The rules are `reaches` (one place); the user's memberships are read once per request
    (`access_profile`), so the query carries only the rules that can match, with their
    ids as literals. `without_role` leaves one role's rule out (the episodes a police
    officer sees are their force's, not the child's).

    `drive=True` hands the ids over as one array (`any_of`), so the query reads the
    queried table through its child index for those children only: for lists over a
    large table (the deadline ledger) whose rows per child the planner misjudges.
    """
    if not _is_signed_in(user):
        return Q(pk__in=[])
    # Compiled once per process for the user's memberships (`compiled_child_ids`): the
    # union built and compiled afresh cost a page 3 to 9 ms each time it was asked.
    ids = compiled_child_ids(user, without_role=without_role)
    if drive:
        return any_of(child_ref, ids)
    return Q(**{f"{child_ref}__in": ids})


def child_visibility_of_rows(user, child: str = "child", *, without_role: str | None = None) -> Q:
    """`child_visibility` for case rows (episodes, referrals, interviews) listed a page at
    a time, with `child` the row's foreign key to Child.

    A reader of whole authorities (Missing Co-ordinator, Assistant Director) reaches the
    children `WHERE responsible_authority IN (theirs) OR id = ANY(ARRAY(the other
    reaches))`: one semi-join over children, which PostgreSQL can run by walking the rows
    in page order and probing each row's child (when the authority is most of the table)
    or from the authority's children by their indexes (when it is a small part). As
    `child_id IN (every child of the authority UNION ...)` it could only hash them all and
    sort every row (165 ms against 0.2 ms for 25,000 children: bench/api.py). When the
    authorities hold under WALK_SHARE of all children (a national deployment), the rows
    are read from the authority's children instead (`child = ANY(ARRAY(...))`), so an
    authority whose rows are old is not found by walking the whole table. The other
    reaches are compiled once (`compiled_child_ids`). The rows are child_visibility's."""
    if not _is_signed_in(user):
        return Q(pk__in=[])
    profile = access_profile(user)
    if without_role is not None:
        profile = profile.without(without_role)
    authorities = profile.authority_ids
    if not authorities:
        # The reader's children first, then their rows through the table's child index
        # (decision 0028): as `IN (...)` PostgreSQL could walk the table in page order and
        # test each row against the children (a police force's 3,857: 15 s for the risk
        # assessments of 1,000,000 episodes, 11 ms this way; bench/pages.py).
        return any_of(f"{child}_id", compiled_child_ids(user, without_role=without_role))
    others = compiled_child_ids(user, without_role=without_role, whole_authorities=False)
    # `id = ANY(ARRAY(the other reaches))`, not `id IN (...)`: an array is indexable, so
    # PostgreSQL may also read the authority's children by two indexes (BitmapOr) and
    # their rows by the child index, when the authority is a small part of the table.
    children = Child.objects.filter(
        Q(responsible_authority_id__in=sorted(authorities))
        | Q(
            Func(
                F("pk"),
                others,
                arg_joiner=" = ANY(ARRAY",
                template="%(expressions)s)",
                output_field=BooleanField(),
            )
        )
    ).values("pk")
    if authority_share(authorities) < WALK_SHARE:
        # A small part of the country (a national or regional deployment): read the
        # authority's children first and the rows through the table's child index, then
        # sort the page. Walking the rows in page order would read every row newer than
        # the authority's page (402,623 episodes, 208 ms, for an authority whose episodes
        # are the oldest of 1,000,000: bench/pages.py), where this reads its own (7,176
        # episodes, 2 ms).
        return Q(EqualsAny(F(f"{child}_id"), Func(Subquery(children), function="ARRAY")))
    return Q(**{f"{child}_id__in": children})


# Below this share of all children, a whole-authority reader's rows are read from the
# authority's children (child_visibility_of_rows); above it, in page order.
WALK_SHARE = 0.05
# The share is PostgreSQL's estimate, kept per process for this long.
SHARE_SECONDS = 3600.0
_shares: dict[tuple[int, ...], tuple[float, float]] = {}


def authority_share(authorities) -> float:
    """The authorities' children as a share of every child: the count of their children
    (an index count) over the planner's estimate of the table (pg_class.reltuples; a
    table never analysed counts as theirs alone, 1.0). One query an hour per process."""
    key = tuple(sorted(authorities))
    now = time.monotonic()
    known = _shares.get(key)
    if known is not None and known[1] > now:
        return known[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM children_child WHERE responsible_authority_id = ANY(%s)),"
            " (SELECT reltuples FROM pg_class WHERE oid = 'children_child'::regclass)",
            [list(key)],
        )
        theirs, estimate = cursor.fetchone()
    share = 1.0 if not estimate or estimate <= 0 else min(1.0, theirs / estimate)
    _shares[key] = (share, now + SHARE_SECONDS)
    return share


def child_visibility_first(user, child_ref: str = "child_id") -> Q | Func:
    """`child_visibility`, written `child = ANY(ARRAY(<the reaches>))`: PostgreSQL reads
    the reader's children once, before the query (an InitPlan), and then drives from
    them through the case table's child index. For a list over a table far larger than
    what one reader sees (the live deadlines of every authority), where `IN (UNION...)`
    leaves the planner free to read the whole table first and hash the reaches."""
    if not _is_signed_in(user):
        return Q(**{f"{child_ref}__in": []})
    return EqualsAny(F(child_ref), Func(compiled_child_ids(user), function="ARRAY"))


def visible_children(user) -> QuerySet[Child]:
    """Every child `user` may see. The one door to children's records."""
    return Child.objects.filter(child_visibility(user))


def get_visible_child(user, child_id: int, *, annotations: dict | None = None) -> Child:
    """The child, or Child.DoesNotExist: a child you may not see does not exist for you.
    `annotations`: more columns the page needs of the child's row, read in the same query."""
    child = (
        visible_children(user)
        .select_related("responsible_authority")
        .annotate(**(annotations or {}))
        .get(pk=child_id)
    )
    note_record(child)  # the request's access event (core.audit)
    return child


def visible_child_or_404(user, child_id: int, *, annotations: dict | None = None) -> Child:
    """For pages: the child, or a 404 (never a 403: a child you may not see does not exist
    for you, and a 403 would say that it does)."""
    try:
        return get_visible_child(user, child_id, annotations=annotations)
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
    """Children `user` may see who are allocated to no team: the list of those to allocate.
    Read from the children the user may see (`child_visibility_first`): as `id IN (...)`
    PostgreSQL read every child of the country and hashed the reaches (issue 13)."""
    return Child.objects.filter(child_visibility_first(user, "pk")).filter(
        ~Exists(Allocation.objects.filter(child_id=OuterRef("pk"), ended_at__isnull=True))
    )


def find_children(user, query: str) -> QuerySet[Child]:
    """Visible children whose name, date of birth or police reference matches `query`.

    Names match without regard to case or accents and by trigram similarity, so "Zoe"
    finds "Zoë" and small misspellings still match. Each test is written on the stored
    folded names (`Child.*_folded`, `children.models.Fold`), which the trigram indexes
    hold, and the police reference through UPPER, as its index holds it: no test reads
    every child, and no candidate's name is folded again as it is tested.
    """
    import datetime as dt

    from django.contrib.postgres.lookups import TrigramSimilar
    from django.db.models import Value
    from django.db.models.lookups import Contains

    from children.models import Fold
    from episodes.models import Episode

    query = " ".join(query.split())
    if not query:
        return Child.objects.none()
    authorities = access_profile(user).authority_ids if _is_signed_in(user) else frozenset()
    if authorities and authority_share(authorities) >= WALK_SHARE:
        # Readers of a large part of the country: the names first (their trigram
        # indexes), each candidate then looked up in what the reader may see.
        children = visible_children(user)
    else:
        # Everyone else starts from the children they may see (a worker's 15, an
        # authority's thousand, a force's few thousand) and tests their stored folded
        # names: testing a trigram candidate costs about 3 microseconds, and a common
        # name has 17,000 candidates in the country (issue 13: the police liaison
        # officer's search took 89 ms of SQL from the names, 21 ms from the force's
        # children; bench/pages.py).
        children = Child.objects.filter(child_visibility_first(user, "pk"))
    conditions = Q()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            conditions |= Q(date_of_birth=dt.datetime.strptime(query, fmt).date())  # noqa: DTZ007
            break
        except ValueError:
            continue
    # Read first, as literal ids: an IN (subquery) inside the OR would stop PostgreSQL
    # from combining the name indexes (BitmapOr) and make it test every child.
    referenced = list(
        Episode.objects.exclude(police_reference="")
        .filter(police_reference__iexact=query)
        .order_by()
        .values_list("child_id", flat=True)[:100]
    )
    if referenced:
        conditions |= Q(pk__in=referenced)
    name_condition = Q()
    for word in query.split():
        folded = Fold(Value(word))
        name_condition &= (
            Q(Contains(F("given_name_folded"), folded))
            | Q(Contains(F("family_name_folded"), folded))
            | Q(Contains(F("known_as_folded"), folded))
            | Q(TrigramSimilar(F("family_name_folded"), folded))
            | Q(TrigramSimilar(F("given_name_folded"), folded))
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
