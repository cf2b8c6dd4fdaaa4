"""The pages people work from, which read across every app: home, a child's record, the
manager's escalation queue. Thin views: the read models are in `casework.selectors`.

A child the user may not see is a 404, never a 403: it does not exist for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import AUTHORITY_WIDE_ROLES, Role
from agencies.views import SignedInRequest
from casework import alerts as alert_selectors
from casework import deadlines, selectors
from casework.erasure import erase_child_record
from casework.retention import may_review_retention, records_past_retention, retention_rules
from casework.services import confirm_police_match
from children.models import Child
from children.permissions import (
    Action,
    Sight,
    allowed_actions,
    is_current_carer,
    sights_for,
    visible_child_with_roles_or_404,
)
from children.selectors import active_memberships
from core.errors import NotAllowed, ServiceError
from core.numbers import whole_number
from episodes.selectors import visible_episode
from protocol.models import Rule

# Who sees the escalation queue: team managers, and authority-wide the Missing
# Co-ordinator and Assistant Director.
MANAGING_ROLES = (Role.TEAM_MANAGER, *AUTHORITY_WIDE_ROLES)


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """Home, by role: my children, my deadlines, my team's escalations, the triage queue."""
    user = request.user
    # The same read as the access rules' (once per request).
    memberships = active_memberships(user)
    deadlines = selectors.my_deadlines(user)
    manages = any(m.role in MANAGING_ROLES for m in memberships)
    return render(
        request,
        "casework/home.html",
        {
            "memberships": memberships,
            "children": selectors.my_children_rows(user),
            "deadlines": deadlines,
            "deadline_tables": [
                ("Overdue", deadlines.overdue, "my-deadlines-overdue"),
                ("Due soon", deadlines.due_soon, "my-deadlines-due-soon"),
            ],
            "escalations": selectors.escalation_summary(user) if manages else None,
            "triage_count": selectors.triage_queue_count(user)
            if any(m.role == Role.MASH_TRIAGE for m in memberships)
            else None,
            "unread_count": selectors.unread_notification_count(user),
        },
    )


@login_required
def child_record(request: SignedInRequest, child_id: int) -> HttpResponse:
    """A child's record: summary, profile, deadlines, episodes, timeline, and links to its
    change history and access log for those who may see them."""
    # logged (core.audit); the reader's roles for the child read with it
    child = visible_child_with_roles_or_404(request.user, child_id)
    record = selectors.child_record(request.user, child)
    today = timezone.localdate()
    actions = allowed_actions(request.user, child)
    return render(
        request,
        "casework/child.html",
        {
            "child": child,
            "record": record,
            "age": child.age_on(today),
            "may_report": Action.REPORT_EPISODE in actions,
            # Each link to a page that keeps the record true, drawn only for those who may.
            "may_edit": Action.EDIT_CHILD in actions,
            "may_allocate": Action.ALLOCATE in actions,
            "may_edit_philomena": Action.EDIT_PHILOMENA in actions
            or is_current_carer(request.user, child),
            "may_record_photo": Action.RECORD_PHOTO in actions,
            "may_consent_to_publish": Action.PHOTO_MEDIA_CONSENT in actions
            and bool(child.photo)
            and child.photo_media_consent_at is None,
            "may_grant_access": Action.GRANT_ACCESS in actions,
            "may_link_practitioners": Action.LINK_PRACTITIONER in actions,
            "photo_shown": bool(child.photo and child.photo_consent_recorded_at),
        },
    )


def _audit_page(
    request: SignedInRequest,
    child_id: int,
    sight: Sight,
    template: str,
    rows: Callable[[Child], Sequence[object]],
    **page: str | tuple[str, ...],
) -> HttpResponse:
    """A restricted part of a child's record on a page of its own (decision 0025): a 404
    for a child the user may not see, and for one they see without that sight (the
    record draws the link only for those who have it). `rows` reads the part."""
    child = visible_child_with_roles_or_404(request.user, child_id)
    if sight not in sights_for(request.user, child):
        raise Http404("No such page")
    return render(
        request,
        template,
        {**page, "child": child, "rows": rows(child), "limit": selectors.RECORD_LIST_LIMIT},
    )


@login_required
def child_history(request: SignedInRequest, child_id: int) -> HttpResponse:
    """Every change to the child's record, newest first (Sight.HISTORY): a page of its own,
    so the record does not read and draw it for everyone who opens it."""
    return _audit_page(
        request,
        child_id,
        Sight.HISTORY,
        "casework/child_history.html",
        heading="Change history",
        table_id="change-history",
        caption="Every change to this record",
        columns=("When", "What", "Who"),
        rows=selectors.child_history,
    )


@login_required
def child_access_log(request: SignedInRequest, child_id: int) -> HttpResponse:
    """Who opened the child's record, newest first (Sight.ACCESS_LOG)."""
    return _audit_page(
        request,
        child_id,
        Sight.ACCESS_LOG,
        "casework/child_access_log.html",
        heading="Who opened this record",
        table_id="access-log",
        caption="The access log",
        columns=("When", "Who", "Through"),
        rows=selectors.child_accesses,
    )


@login_required
def escalations(request: SignedInRequest) -> HttpResponse:
    """The manager's escalation queue: breached and due-soon deadlines for their teams."""
    queue = deadlines.escalations(
        request.user,
        rule=request.GET.get("rule", ""),
        team=request.GET.get("team", ""),
        page=request.GET.get("page", ""),
    )
    return render(
        request,
        "casework/escalations.html",
        {
            "deadlines": queue.deadlines,
            "teams": queue.teams,
            "rules": Rule.choices,
            "selected_rule": queue.selected_rule,
            "selected_team": queue.selected_team,
            "page": queue.page,
            "has_next": queue.has_next,
            "previous_url": _page_url(request, queue.page - 1) if queue.page > 1 else "",
            "next_url": _page_url(request, queue.page + 1) if queue.has_next else "",
            "manages_teams": bool(queue.teams),
        },
    )


def _page_url(request: HttpRequest, page: int) -> str:
    """This page's URL with its filters, at another page."""
    query = request.GET.copy()
    query["page"] = str(page)
    return f"{request.path}?{query.urlencode()}"


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (public: a person may need it before they can sign in)."""
    return render(request, "casework/accessibility.html")


def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice (public, as the accessibility statement)."""
    return render(request, "casework/privacy.html")


@login_required
@require_POST
def confirm_match(request: SignedInRequest, episode_id: int) -> HttpResponse:
    """The council confirms the child a force reported by name and date of birth."""
    episode = visible_episode(request.user, episode_id)
    if episode is None:
        raise Http404("No episode found")
    try:
        confirm_police_match(acting_user=request.user, episode=episode)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Confirmed: {episode.police_force} now sees this child.")
    return redirect("episodes:detail", episode.pk)


@login_required
@require_http_methods(["GET", "POST"])
def retention(request: SignedInRequest) -> HttpResponse:
    """Records past retention, for the records officer to review and erase (decision 0016).
    The list names each record by reference: reviewing it is not reading the case."""
    if not may_review_retention(request.user):
        raise PermissionDenied("Only a records officer reviews records past retention.")
    if request.method == "POST":
        child_id = request.POST.get("child", "")
        number = whole_number(child_id)
        child = Child.objects.filter(pk=number).first() if number is not None else None
        if child is None:
            raise Http404("No such record")
        try:
            erasure = erase_child_record(
                acting_user=request.user, child=child, reason=request.POST.get("reason", "")
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            messages.error(request, f"Record {child.pk} was not erased: {error.message}")
        else:
            messages.success(
                request, f"Record {child.pk} erased ({erasure.record_kind.replace('_', ' ')})."
            )
        return redirect("casework:retention")
    rows = records_past_retention(request.user)
    return render(request, "casework/retention.html", {"rows": rows, "rules": retention_rules()})


def alerts(request: SignedInRequest) -> HttpResponse:
    """High-risk children missing now (HAR 18.5, 24.1), among the children the reader may
    see: a partner agency's practitioner sees those linked to them. Gone on return."""
    rows = [
        (episode, alert_selectors.alert_reason(episode))
        for episode in alert_selectors.high_risk_missing_now(request.user).order_by(
            "-last_seen_at"
        )[:500]
    ]
    return render(request, "casework/alerts.html", {"rows": rows})
