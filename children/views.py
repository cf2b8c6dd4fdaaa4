"""Finding a child, adding one (with near-duplicate warnings), and the child's record.

Thin views: parse input, check access, call a selector or service, render. A child the
user may not see is a 404, never a 403: it does not exist for them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.models import Role
from agencies.selectors import creating_membership
from agencies.views import SignedInRequest
from casework.selectors import ChildRow, child_search_rows
from children import services
from children.forms import ChildForm, ChildSearchForm
from children.models import Child
from children.selectors import (
    possible_duplicates,
    visible_children,
)
from core.errors import ServiceError
from episodes.models import Category

SEARCH_LIMIT = 50
CATEGORY_LABELS = dict(Category.choices)

# Who may add a child to Homeward: the people who open a case when a child first goes missing.
CREATING_ROLES = (
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.MISSING_COORDINATOR,
    Role.MASH_TRIAGE,
)


@login_required
def index(request: SignedInRequest) -> HttpResponse:
    form = ChildSearchForm(request.GET or None)
    results: list[ChildRow] | None = None
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            results = child_search_rows(request.user, query, limit=SEARCH_LIMIT + 1)
    return render(
        request,
        "children/index.html",
        {
            "form": form,
            "query": query,
            "results": results[:SEARCH_LIMIT] if results is not None else None,
            "more_results": results is not None and len(results) > SEARCH_LIMIT,
            "may_create": creating_membership(request.user, CREATING_ROLES) is not None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: SignedInRequest) -> HttpResponse:
    membership = creating_membership(request.user, CREATING_ROLES)
    if membership is None:
        raise PermissionDenied("Only social workers, their managers and MASH may add a child.")
    form = ChildForm(request.POST or None)
    duplicates_visible: list[Child] = []
    duplicates_hidden = 0
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["confirmed_not_duplicate"]:
            candidates = list(
                possible_duplicates(
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    date_of_birth=data["date_of_birth"],
                ).values_list("pk", flat=True)
            )
            if candidates:
                duplicates_visible = list(
                    visible_children(request.user)
                    .filter(pk__in=candidates)
                    .order_by("family_name", "given_name")
                )
                duplicates_hidden = len(candidates) - len(duplicates_visible)
        if not duplicates_visible and not duplicates_hidden:
            try:
                child = services.create_child(
                    acting_user=request.user,
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    known_as=data["known_as"].strip(),
                    date_of_birth=data["date_of_birth"],
                    sex=data["sex"],
                    is_uasc=data["is_uasc"],
                    legal_status=data["legal_status"],
                    responsible_authority=membership.team.agency,
                    team=membership.team if membership.role != Role.MASH_TRIAGE else None,
                    worker=request.user if membership.role == Role.SOCIAL_WORKER else None,
                )
            except ServiceError as error:
                field = "date_of_birth_day" if error.field == "date_of_birth" else error.field
                form.add_error(field if field in form.fields else None, error.message)
            else:
                messages.success(request, f"{child.full_name} added to Homeward.")
                return redirect("casework:child_record", child.pk)
    return render(
        request,
        "children/create.html",
        {
            "form": form,
            "duplicates_visible": duplicates_visible,
            "duplicates_hidden": duplicates_hidden,
            "has_duplicates": bool(duplicates_visible or duplicates_hidden),
        },
    )
