"""The service navigation, by role: each person is shown what their role uses, and only
links they may follow (issue 11: no "Rate risk" for someone who then meets a 403)."""

from __future__ import annotations

import dataclasses

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse

from agencies.models import PARTNER_ROLES, Role
from children.selectors import access_profile

MANAGERS = {Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}


@dataclasses.dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # The item is current on any page of these URL namespaces, or on these view names.
    namespaces: tuple[str, ...] = ()
    view_names: tuple[str, ...] = ()
    # Who is shown it: None for everyone signed in.
    roles: frozenset[str] | None = None
    staff_only: bool = False
    # Or those holding this permission (the records officer's, through a group).
    permission: str = ""


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Home", "home", view_names=("home",)),
    NavItem("Children", "children:index", namespaces=("children",)),
    NavItem(
        "MASH triage",
        "risk:index",
        namespaces=("risk",),
        roles=frozenset({Role.MASH_TRIAGE, Role.MISSING_COORDINATOR}),
    ),
    NavItem(
        "Return interviews",
        "returns:index",
        namespaces=("returns",),
        roles=frozenset(
            {
                Role.RETURN_INTERVIEW_OFFICER,
                Role.SOCIAL_WORKER,
                Role.TEAM_MANAGER,
                Role.MISSING_COORDINATOR,
            }
        ),
    ),
    NavItem(
        "Meetings",
        "panels:index",
        namespaces=("panels",),
        roles=frozenset(
            {
                Role.SOCIAL_WORKER,
                Role.TEAM_MANAGER,
                Role.MISSING_COORDINATOR,
                Role.SENIOR_MANAGER,
                Role.PANEL_MEMBER,
            }
        ),
    ),
    NavItem(
        "Hotspots",
        "contextual:hotspots",
        view_names=("contextual:hotspots",),
        roles=frozenset({Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER, Role.PANEL_MEMBER}),
    ),
    NavItem(
        "Escalations",
        "casework:escalations",
        view_names=("casework:escalations",),
        roles=frozenset(MANAGERS),
    ),
    # Issue 15 (HAR 18.5, 24.1): high-risk children missing now, for partner agencies.
    NavItem(
        "Alerts",
        "casework:alerts",
        view_names=("casework:alerts",),
        roles=frozenset({*PARTNER_ROLES, Role.INDEPENDENT_REVIEWING_OFFICER}),
    ),
    # Issue 15 (HAR 14.3): requests for safeguarding checks from other authorities.
    NavItem(
        "Checks asked of us",
        "episodes:checks_received",
        view_names=("episodes:checks_received", "episodes:check_request"),
        roles=frozenset({Role.MISSING_COORDINATOR}),
    ),
    NavItem("Notifications", "notifications:index", namespaces=("notifications",)),
    NavItem("Protocol", "protocol:index", view_names=("protocol:index",)),
    NavItem("Administration", "admin:index", namespaces=("admin",), staff_only=True),
    NavItem(
        "Retention",
        "casework:retention",
        view_names=("casework:retention",),
        roles=frozenset(),
        permission="children.review_retention",
    ),
)


@dataclasses.dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool
    # The current page itself (aria-current="page"), or a page within the section ("true").
    exact: bool


def _holds(user, permission: str) -> bool:
    """`user.has_perm(permission)` for a model permission, held directly or through a
    group, in one query (Django's ModelBackend reads the two in two queries, and the
    navigation is on every page)."""
    if not user.is_active:
        return False
    app_label, codename = permission.split(".", 1)
    return (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .filter(codename=codename, content_type__app_label=app_label)
        .exists()
    )


def navigation_for(user, view_name: str, namespace: str) -> list[NavLink]:
    roles = set(access_profile(user).roles)
    links = []
    for item in NAVIGATION:
        if item.staff_only and not user.is_staff:
            continue
        if item.permission:
            if user.is_superuser or not _holds(user, item.permission):
                continue
        elif item.roles is not None and not (roles & item.roles) and not user.is_superuser:
            continue
        exact = view_name in item.view_names or view_name == item.url_name
        current = exact or (bool(namespace) and namespace in item.namespaces)
        links.append(NavLink(item.label, reverse(item.url_name), current, exact))
    return links


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = request.resolver_match
    view_name = match.view_name if match else ""
    namespace = match.namespace if match else ""
    return {"navigation": navigation_for(user, view_name, namespace)}
