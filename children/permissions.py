"""State-dependent action checks: may this user do this to this child's record?

`roles_for_child` answers "through which roles does this user reach this child"; each
action lists the roles that may take it. Seeing a child is `children.selectors`; these
predicates are asked only about a child the user can already see.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from django.db.models import BooleanField, ExpressionWrapper

from agencies.models import Actor, Role
from children.models import Child
from children.selectors import (
    access_profile,
    current_placement_of,
    grant_condition,
    relationship_condition,
    visible_child_or_404,
)
from core import request_cache
from core.actors import is_engine
from core.errors import NotAllowed


class Action(enum.StrEnum):
    EDIT_CHILD = "edit_child"
    REPORT_EPISODE = "report_episode"
    RECORD_RETURN = "record_return"
    SAFE_AND_WELL_CHECK = "safe_and_well_check"
    RECLASSIFY = "reclassify"
    MARK_ENTERED_IN_ERROR = "mark_entered_in_error"
    ASSESS_RISK = "assess_risk"
    RETURN_INTERVIEW = "return_interview"
    STRATEGY_MEETING = "strategy_meeting"
    PANEL = "panel"
    REFER_TO_PANEL = "refer_to_panel"
    GRANT_ACCESS = "grant_access"
    ALLOCATE = "allocate"
    EDIT_PHILOMENA = "edit_philomena"
    RECORD_PHOTO = "record_photo"
    PHOTO_MEDIA_CONSENT = "photo_media_consent"
    REOPEN_EPISODE = "reopen_episode"
    CONFIRM_MATCH = "confirm_match"
    TRIAGE_REFERRAL = "triage_referral"
    LINK_PRACTITIONER = "link_practitioner"
    ADD_INFORMATION = "add_information"


ACTION_ROLES: dict[Action, frozenset[str]] = {
    # The MASH RAG rating of a referral is MASH's triage decision (Haringey protocol 14.1;
    # decision 0012); the Missing Co-ordinator works the same queue.
    Action.TRIAGE_REFERRAL: frozenset({Role.MASH_TRIAGE, Role.MISSING_COORDINATOR}),
    # What someone learnt while the child is missing (a sighting, a place, a safe and well
    # check arranged): the child's social care, and the host authority's Missing
    # Co-ordinator who reaches an out-of-area child in that role (issue 15).
    Action.ADD_INFORMATION: frozenset(
        {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
    # The child's social worker or manager links the IRO and partner practitioners (issue 15).
    Action.LINK_PRACTITIONER: frozenset(
        {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
    Action.EDIT_CHILD: frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}),
    Action.REPORT_EPISODE: frozenset(
        {
            Role.SOCIAL_WORKER,
            Role.TEAM_MANAGER,
            Role.MISSING_COORDINATOR,
            Role.MASH_TRIAGE,
            Role.POLICE_LIAISON,
        }
    ),
    Action.RECORD_RETURN: frozenset(
        {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.POLICE_LIAISON}
    ),
    Action.SAFE_AND_WELL_CHECK: frozenset(
        {Role.POLICE_LIAISON, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
    Action.RECLASSIFY: frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}),
    # Marking a record as entered in error cancels its deadlines: a manager's decision.
    Action.MARK_ENTERED_IN_ERROR: frozenset({Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}),
    Action.ASSESS_RISK: frozenset(
        {Role.MASH_TRIAGE, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
    Action.RETURN_INTERVIEW: frozenset(
        {
            Role.RETURN_INTERVIEW_OFFICER,
            Role.SOCIAL_WORKER,
            Role.TEAM_MANAGER,
            Role.MISSING_COORDINATOR,
        }
    ),
    Action.STRATEGY_MEETING: frozenset(
        {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
    ),
    Action.PANEL: frozenset(
        {Role.PANEL_MEMBER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
    ),
    # Issue 12: a referral to a panel can come from any agency that knows the child.
    Action.REFER_TO_PANEL: frozenset(
        {
            Role.SOCIAL_WORKER,
            Role.TEAM_MANAGER,
            Role.MASH_TRIAGE,
            Role.MISSING_COORDINATOR,
            Role.RETURN_INTERVIEW_OFFICER,
            Role.POLICE_LIAISON,
            Role.PANEL_MEMBER,
            Role.SENIOR_MANAGER,
        }
    ),
    Action.GRANT_ACCESS: frozenset(
        {Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
    ),
    # Allocation is a manager's decision: the team manager, or the Missing Co-ordinator
    # for the whole authority.
    Action.ALLOCATE: frozenset({Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}),
    # Philomena Part 1 is kept by the carer (the placement's staff: `is_current_carer`)
    # and the social worker.
    Action.EDIT_PHILOMENA: frozenset(
        {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
    Action.RECORD_PHOTO: frozenset(
        {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
    # Haringey protocol 7.4: the local authority consents before police publish a photo
    # in the media: a manager's decision.
    Action.PHOTO_MEDIA_CONSENT: frozenset(
        {Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
    ),
    # Clearing a return re-opens every deadline of a missing child: children's social
    # care staff only, never police (a PATCH by a police key cannot clear a return).
    Action.REOPEN_EPISODE: frozenset(
        {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
    # A police report by name and date of birth is confirmed as this child by the council
    # (the MASH that triages the referral it opened, or the child's social care).
    Action.CONFIRM_MATCH: frozenset(
        {Role.MASH_TRIAGE, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
}


def roles_by_child(user, child_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """The roles through which `user` reaches each of `child_ids` (a child they cannot
    reach is absent or maps to an empty set).

    A role counts when the user's memberships in that role alone make the child visible,
    by the same rules as `children.selectors` (never a second copy of them); a named
    grant lets the person act in every role they hold (an out-of-area social worker, a
    panel member, an independent return interviewer). Two queries, whatever the roles
    and however many children: a queue of 200 deadlines asks once, not 200 times.
    """
    ids = sorted(set(child_ids))
    if not ids or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    return _read_roles(user, ids)


def _role_flags(user, profile) -> tuple[dict[str, ExpressionWrapper], dict[str, str]]:
    """One boolean column per role the user holds (true where that role alone reaches
    the child), and one for a named grant; and the role each column stands for."""
    flags: dict[str, ExpressionWrapper] = {
        "granted_to_reader": ExpressionWrapper(grant_condition(user), output_field=BooleanField())
    }
    by_flag: dict[str, str] = {}
    for index, role in enumerate(sorted(profile.roles)):
        condition = relationship_condition(user, profile.only(role))
        if condition is not None:
            flag = f"reached_as_{index}"
            flags[flag] = ExpressionWrapper(condition, output_field=BooleanField())
            by_flag[flag] = role
    return flags, by_flag


def _roles_of(row: dict, profile, by_flag: dict[str, str]) -> frozenset[str]:
    if row["granted_to_reader"]:
        return profile.roles
    return frozenset(role for flag, role in by_flag.items() if row[flag])


def _read_roles(user, ids: list[int]) -> dict[int, frozenset[str]]:
    profile = access_profile(user)
    flags, by_flag = _role_flags(user, profile)
    rows = Child.objects.filter(pk__in=ids).annotate(**flags).values("pk", *flags)
    return {row["pk"]: _roles_of(row, profile, by_flag) for row in rows}


def visible_child_with_roles_or_404(user, child_id: int) -> Child:
    """`children.selectors.visible_child_or_404`, reading the user's roles for the child
    (roles_for_child) in the same query: a page about one child asks them anyway."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return visible_child_or_404(user, child_id)
    profile = access_profile(user)
    flags, by_flag = _role_flags(user, profile)
    child = visible_child_or_404(user, child_id, annotations=flags)
    roles = _roles_of({flag: getattr(child, flag) for flag in flags}, profile, by_flag)
    request_cache.memo(("roles_for_child", user.pk, child.pk), lambda: roles)
    return child


def roles_for_child(user, child: Child) -> frozenset[str]:
    """The roles through which `user` reaches `child` (empty: no relationship); read once
    per page (core.request_cache), however many links and sights ask."""
    return request_cache.memo(
        ("roles_for_child", getattr(user, "pk", None), child.pk),
        lambda: roles_by_child(user, [child.pk]).get(child.pk, frozenset()),
    )


def may(user, action: Action, child: Child) -> bool:
    return bool(roles_for_child(user, child) & ACTION_ROLES[action])


def allowed_actions(user, child: Child) -> frozenset[Action]:
    """Every action `user` may take on `child`, from one reading of their roles: what a
    page asks to decide which links to draw."""
    roles = roles_for_child(user, child)
    return frozenset(action for action, allowed in ACTION_ROLES.items() if roles & allowed)


def is_current_carer(user, child: Child) -> bool:
    """Whether `user` is the carer named on the child's current placement (its staff)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return current_placement_of(child, carer=user)


def may_edit_philomena(user, child: Child) -> bool:
    return is_current_carer(user, child) or may(user, Action.EDIT_PHILOMENA, child)


def allows(roles: frozenset[str], action: Action) -> bool:
    """Whether someone reaching a child through `roles` (from `roles_by_child`) may act."""
    return bool(roles & ACTION_ROLES[action])


def require(user: Actor, action: Action, child: Child) -> None:
    """Raise NotAllowed unless `user` may take `action` on `child`. The engine acts on the
    protocol's own clock and is not a person: it is the one actor not checked."""
    if is_engine(user):
        return
    if not may(user, action, child):
        raise NotAllowed(f"You may not {action.value.replace('_', ' ')} for this child.")


def require_on_episode(
    user: Actor, action: Action, child: Child, police_force_id: int | None
) -> None:
    """`require`, for a write to one episode: police write only to their own force's.

    A police liaison officer may take a police action on an episode their force reported
    or was told of (also one awaiting the council's confirmation of the child, whose
    record they do not see), and never, as police, on one another force or the council
    reported (issue 14). Other roles are as `require`."""
    if is_engine(user):
        return
    if (
        Role.POLICE_LIAISON in ACTION_ROLES[action]
        and police_force_id is not None
        and police_force_id in access_profile(user).force_ids
    ):
        return
    through = roles_for_child(user, child) & ACTION_ROLES[action]
    if through == {Role.POLICE_LIAISON}:
        raise NotAllowed("A police force changes only the episodes it reported or was told of.")
    if not through:
        raise NotAllowed(f"You may not {action.value.replace('_', ' ')} for this child.")


def may_on_episode(user: Actor, action: Action, child: Child, police_force_id: int | None) -> bool:
    try:
        require_on_episode(user, action, child, police_force_id)
    except NotAllowed:
        return False
    return True


class Sight(enum.StrEnum):
    """The social-care-only parts of a child's record (issue 14, decision 0002)."""

    DISCLOSURES = "disclosures"  # a return interview's disclosures and follow-up actions
    MEETING_CONTENT = "meeting_content"  # a strategy meeting's decisions
    PANELS = "panels"  # the exploitation panel's discussion and actions
    ACCESS_LOG = "access_log"  # who opened the record
    HISTORY = "history"  # the change history


_SOCIAL_CARE = frozenset(
    {
        Role.SOCIAL_WORKER,
        Role.TEAM_MANAGER,
        Role.MISSING_COORDINATOR,
        Role.SENIOR_MANAGER,
        Role.HEAD_OF_SERVICE,
    }
)

# The one definition of who sees which restricted part, for pages and API alike. Police
# liaison, MASH triage and return interview officers see none of them: police see the
# child's identity, Philomena profile and photo, and their force's episodes with returns
# and safe and well checks (episodes.selectors.visible_episodes).
# Issue 15: the IRO (or child protection adviser) reviews the child's plan, so sees what
# the child disclosed and what strategy meetings decided; the commissioned return
# interview provider holds the disclosures it recorded. Health, school and youth justice
# practitioners see the child's identity, Philomena profile and episodes, none of these.
SIGHT_ROLES: dict[Sight, frozenset[str]] = {
    Sight.DISCLOSURES: _SOCIAL_CARE
    | {Role.INDEPENDENT_REVIEWING_OFFICER, Role.RETURN_INTERVIEW_PROVIDER},
    Sight.MEETING_CONTENT: _SOCIAL_CARE | {Role.INDEPENDENT_REVIEWING_OFFICER},
    Sight.PANELS: _SOCIAL_CARE | {Role.PANEL_MEMBER},
    Sight.ACCESS_LOG: _SOCIAL_CARE,
    Sight.HISTORY: _SOCIAL_CARE,
}


def sights_of(roles: frozenset[str]) -> frozenset[Sight]:
    return frozenset(sight for sight, allowed in SIGHT_ROLES.items() if roles & allowed)


def sights_by_child(user, child_ids: Iterable[int]) -> dict[int, frozenset[Sight]]:
    """The restricted parts `user` sees of each child's record (absent: none)."""
    return {pk: sights_of(roles) for pk, roles in roles_by_child(user, child_ids).items()}


def sights_for(user, child: Child) -> frozenset[Sight]:
    return sights_of(roles_for_child(user, child))
