"""Finding a child, adding one (with near-duplicate warnings), and the child's record.

Thin views: parse input, check access, call a selector or service, render. A child the
user may not see is a 404, never a 403: it does not exist for them.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import AgencyKind, Membership, Role, User
from agencies.selectors import creating_membership
from agencies.views import SignedInRequest
from casework.selectors import ChildRow, child_search_rows
from children import services
from children.forms import (
    AccessGrantForm,
    AllocationForm,
    ChildForm,
    ChildSearchForm,
    EndDateForm,
    IdentityForm,
    LegalStatusForm,
    MediaConsentForm,
    PhilomenaForm,
    PhotoForm,
    PlacementForm,
    PractitionerLinkForm,
)
from children.models import (
    Allocation,
    Child,
    ChildAccessGrant,
    ChildLink,
    LegalStatus,
    Placement,
)
from children.permissions import ACTION_ROLES, Action, may, may_edit_philomena
from children.selectors import (
    current_allocations,
    current_legal_status,
    current_placement,
    get_visible_child,
    philomena_child,
    possible_duplicates,
    unallocated_children,
    visible_children,
)
from core.audit import note_record
from core.clock import start_of_london_day
from core.errors import ServiceError
from core.forms import VERSION_FIELD, StaleForm, add_service_error
from episodes.models import Category, Episode

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
    shown = results[:SEARCH_LIMIT] if results is not None else None
    for row in shown or []:
        note_record(row.child)  # the search's access event names every child it showed
    return render(
        request,
        "children/index.html",
        {
            "form": form,
            "query": query,
            "results": shown,
            "more_results": results is not None and len(results) > SEARCH_LIMIT,
            "may_create": creating_membership(request.user, CREATING_ROLES) is not None,
            "may_allocate": may_allocate_anyone(request.user),
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


# --- Keeping the record true: identity, legal status, placements, allocation, Philomena,
# photo, access grants. Each page checks the action before showing its form, so a link
# is only drawn (on the child's record) for someone who may follow it.


def _user(request: SignedInRequest) -> User:
    """The signed-in person (every view here is login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _child(request: SignedInRequest, child_id: int, action: Action | None = None) -> Child:
    try:
        child = get_visible_child(request.user, child_id)
    except Child.DoesNotExist as error:
        raise Http404("No child found") from error
    if action is not None and not may(request.user, action, child):
        raise PermissionDenied(f"You may not {action.value.replace('_', ' ')} for this child.")
    return child


def _form_page(
    request: SignedInRequest,
    child: Child,
    form: forms.Form,
    *,
    heading: str,
    submit: str,
    intro: str = "",
    multipart: bool = False,
    back: str = "",
    warning: bool = False,
) -> HttpResponse:
    return render(
        request,
        "children/form_page.html",
        {
            "child": child,
            "form": form,
            "heading": heading,
            "intro": intro,
            "submit": submit,
            "multipart": multipart,
            "back": back or reverse("casework:child_record", args=[child.pk]),
            "warning": warning,
        },
    )


def _done(request: SignedInRequest, message: str, url: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(url)


def _record_url(child: Child) -> str:
    return reverse("casework:child_record", args=[child.pk])


@login_required
@require_http_methods(["GET", "POST"])
def identity(request: SignedInRequest, child_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.EDIT_CHILD)
    initial = {name: getattr(child, name) for name in IDENTITY_FORM_FIELDS}
    initial.update(IdentityForm.date_initial("date_of_birth", child.date_of_birth))
    form = IdentityForm(request.POST or None, initial=initial, record=child)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if form.refuse_if_stale(Child.objects.get(pk=child.pk)):
                raise StaleForm
            services.update_child(
                acting_user=_user(request),
                child=child,
                date_of_birth=data["date_of_birth"],
                **{name: data[name] for name in IDENTITY_FORM_FIELDS},
            )
        except ServiceError as error:
            add_service_error(form, error, {"date_of_birth": "date_of_birth_day"})
        except StaleForm:
            pass  # the form says who changed it, and when
        else:
            return _done(request, "Identity saved.", _record_url(child))
    return _form_page(
        request,
        child,
        form,
        heading="Identity",
        intro="Correct the child's names and date of birth, and record who they are for the "
        "statutory returns. Every change is kept in the record's history.",
        submit="Save identity",
    )


IDENTITY_FORM_FIELDS = (
    "given_name",
    "family_name",
    "known_as",
    "sex",
    "ethnicity",
    "disability",
    "disability_details",
    "is_uasc",
    "local_child_id",
    "upn",
    "school",
)
DATE_FIELDS = {
    "start_date": "start_date_day",
    "end_date": "end_date_day",
    "taken_on": "taken_on_day",
    "expires_at": "expires_on_day",
}


@login_required
@require_http_methods(["GET", "POST"])
def legal_status(request: SignedInRequest, child_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.EDIT_CHILD)
    form = LegalStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_legal_status(
                acting_user=_user(request),
                child=child,
                status=data["status"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
        except ServiceError as error:
            add_service_error(form, error, DATE_FIELDS)
        else:
            return _done(request, "Legal status recorded. Deadlines were re-checked.", request.path)
    return render(
        request,
        "children/legal_status.html",
        {
            "child": child,
            "form": form,
            "statuses": list(child.legal_statuses.order_by("-start_date")),
            "today": timezone.localdate(),
        },
    )


def _legal_status_of(child: Child, status_id: int) -> LegalStatus:
    try:
        return child.legal_statuses.get(pk=status_id)
    except LegalStatus.DoesNotExist as error:
        raise Http404("No such legal status") from error


@login_required
@require_http_methods(["GET", "POST"])
def legal_status_correct(request: SignedInRequest, child_id: int, status_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.EDIT_CHILD)
    period = _legal_status_of(child, status_id)
    initial: dict[str, object] = {"status": period.status}
    initial.update(LegalStatusForm.date_initial("start_date", period.start_date))
    initial.update(LegalStatusForm.date_initial("end_date", period.end_date))
    form = LegalStatusForm(request.POST or None, initial=initial, with_none=False, record=period)
    back = reverse("children:legal_status", args=[child.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if form.refuse_if_stale(LegalStatus.objects.get(pk=period.pk)):
                raise StaleForm
            services.correct_legal_status(
                acting_user=_user(request),
                legal_status=period,
                status=data["status"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
        except ServiceError as error:
            add_service_error(form, error, DATE_FIELDS)
        except StaleForm:
            pass  # the form says who changed it, and when
        else:
            return _done(request, "Legal status corrected. Deadlines were re-checked.", back)
    return _form_page(
        request,
        child,
        form,
        heading="Correct a legal status",
        intro="For a period recorded wrongly. A change of status from a date is a new legal "
        "status, not a correction.",
        submit="Save correction",
        back=back,
    )


@login_required
@require_http_methods(["GET", "POST"])
def legal_status_end(request: SignedInRequest, child_id: int, status_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.EDIT_CHILD)
    period = _legal_status_of(child, status_id)
    form = EndDateForm(request.POST or None)
    back = reverse("children:legal_status", args=[child.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.end_legal_status(
                acting_user=_user(request),
                legal_status=period,
                end_date=form.cleaned_data["end_date"],
            )
        except ServiceError as error:
            add_service_error(form, error, DATE_FIELDS)
        else:
            return _done(request, "Legal status ended. Deadlines were re-checked.", back)
    return _form_page(
        request,
        child,
        form,
        heading=f"End: {period.get_status_display()} from {period.start_date:%-d %B %Y}",
        submit="End legal status",
        back=back,
    )


@login_required
@require_http_methods(["GET", "POST"])
def placements(request: SignedInRequest, child_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.EDIT_CHILD)
    form = PlacementForm(
        request.POST or None,
        initial={
            "placing_authority": child.responsible_authority_id,
            "host_authority": child.responsible_authority_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.start_placement(
                acting_user=_user(request),
                child=child,
                **{name: data[name] for name in PLACEMENT_FORM_FIELDS},
            )
        except ServiceError as error:
            add_service_error(form, error, DATE_FIELDS)
        else:
            return _done(request, "Placement recorded.", request.path)
    return render(
        request,
        "children/placements.html",
        {
            "child": child,
            "form": form,
            "placements": list(
                child.placements.select_related("placing_authority", "host_authority").order_by(
                    "-start_date"
                )
            ),
        },
    )


PLACEMENT_FORM_FIELDS = (
    "kind",
    "name",
    "provider",
    "address",
    "postcode",
    "placing_authority",
    "host_authority",
    "start_date",
    "end_date",
)


def _placement_of(child: Child, placement_id: int) -> Placement:
    try:
        return child.placements.get(pk=placement_id)
    except Placement.DoesNotExist as error:
        raise Http404("No such placement") from error


@login_required
@require_http_methods(["GET", "POST"])
def placement_correct(request: SignedInRequest, child_id: int, placement_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.EDIT_CHILD)
    placement = _placement_of(child, placement_id)
    initial: dict[str, object] = {
        name: getattr(placement, name)
        for name in PLACEMENT_FORM_FIELDS
        if name not in ("start_date", "end_date")
    }
    initial.update(PlacementForm.date_initial("start_date", placement.start_date))
    initial.update(PlacementForm.date_initial("end_date", placement.end_date))
    form = PlacementForm(request.POST or None, initial=initial, record=placement)
    back = reverse("children:placements", args=[child.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if form.refuse_if_stale(Placement.objects.get(pk=placement.pk)):
                raise StaleForm
            services.correct_placement(
                acting_user=_user(request),
                placement=placement,
                **{name: data[name] for name in PLACEMENT_FORM_FIELDS},
            )
        except ServiceError as error:
            add_service_error(form, error, DATE_FIELDS)
        except StaleForm:
            pass  # the form says who changed it, and when
        else:
            return _done(request, "Placement corrected.", back)
    return _form_page(
        request, child, form, heading="Correct a placement", submit="Save correction", back=back
    )


@login_required
@require_http_methods(["GET", "POST"])
def placement_end(request: SignedInRequest, child_id: int, placement_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.EDIT_CHILD)
    placement = _placement_of(child, placement_id)
    form = EndDateForm(request.POST or None)
    back = reverse("children:placements", args=[child.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.end_placement(
                acting_user=_user(request),
                placement=placement,
                end_date=form.cleaned_data["end_date"],
            )
        except ServiceError as error:
            add_service_error(form, error, DATE_FIELDS)
        else:
            return _done(request, "Placement ended.", back)
    return _form_page(
        request,
        child,
        form,
        heading=f"End the placement: {placement.name or placement.get_kind_display()}",
        submit="End placement",
        back=back,
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation(request: SignedInRequest, child_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.ALLOCATE)
    teams = services.allocatable_teams(_user(request), child).select_related("agency")
    workers = (
        User.objects.filter(
            is_active=True,
            memberships__team__in=teams,
            memberships__is_active=True,
            memberships__role__in=services.ALLOCATABLE_WORKER_ROLES,
        )
        .distinct()
        .order_by("first_name", "last_name")
    )
    current = list(current_allocations(child).select_related("team__agency"))
    form = AllocationForm(request.POST or None, teams=teams, workers=workers, current=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.allocate_child(
                acting_user=_user(request),
                child=child,
                team=data["team"],
                worker=data["worker"],
                replacing=data["replacing"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            return _done(request, f"{child.full_name} allocated.", request.path)
    return render(
        request,
        "children/allocation.html",
        {
            "child": child,
            "form": form,
            "current": current,
            "history": list(
                child.allocations.filter(ended_at__isnull=False)
                .select_related("team__agency", "worker")
                .order_by("-ended_at")[:50]
            ),
        },
    )


@login_required
@require_http_methods(["POST"])
def allocation_end(request: SignedInRequest, child_id: int, allocation_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.ALLOCATE)
    try:
        ending = child.allocations.get(pk=allocation_id)
    except Allocation.DoesNotExist as error:
        raise Http404("No such allocation") from error
    back = reverse("children:allocation", args=[child.pk])
    try:
        services.end_allocation(acting_user=_user(request), allocation=ending)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(back)
    return _done(request, f"Allocation to {ending.team.name} ended.", back)


@login_required
def unallocated(request: SignedInRequest) -> HttpResponse:
    """Children allocated to no team, for the people who may allocate them."""
    if not may_allocate_anyone(request.user):
        raise PermissionDenied("Only team managers and Missing Co-ordinators allocate children.")
    today = timezone.localdate()
    rows = [
        ChildRow(child, age=child.age_on(today))
        for child in unallocated_children(request.user)
        .select_related("responsible_authority")
        .order_by("family_name", "given_name", "pk")[:SEARCH_LIMIT]
    ]
    return render(request, "children/unallocated.html", {"rows": rows})


def may_allocate_anyone(user) -> bool:
    return Membership.objects.filter(
        user=user,
        is_active=True,
        role__in=ACTION_ROLES[Action.ALLOCATE],
        team__agency__kind=AgencyKind.LOCAL_AUTHORITY,
    ).exists()


def _philomena_child(request: SignedInRequest, child_id: int) -> Child:
    try:
        return philomena_child(request.user, child_id)
    except Child.DoesNotExist as error:
        raise Http404("No child found") from error


@login_required
@require_http_methods(["GET", "POST"])
def philomena(request: SignedInRequest, child_id: int) -> HttpResponse:
    child = _philomena_child(request, child_id)
    if not may_edit_philomena(request.user, child):
        raise PermissionDenied("You may not change this child's Philomena profile.")
    form = PhilomenaForm(
        request.POST or None,
        initial={name: getattr(child, name) for name in services.PHILOMENA_FIELDS},
        record=child,
    )
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != VERSION_FIELD}
        try:
            if form.refuse_if_stale(Child.objects.get(pk=child.pk)):
                raise StaleForm
            services.update_philomena_profile(acting_user=_user(request), child=child, **fields)
        except ServiceError as error:
            add_service_error(form, error)
        except StaleForm:
            pass  # the form says who changed it, and when
        else:
            return _done(
                request,
                "Philomena profile saved.",
                reverse("children:philomena_sheet", args=[child.pk]),
            )
    return _form_page(
        request,
        child,
        form,
        heading="Philomena profile, Part 1",
        intro="Kept by the carer and the social worker, ready for police at the first call "
        "(Haringey protocol 12.1, 13.1). Part 2 is recorded on the episode when the child goes missing.",
        submit="Save profile",
        back=reverse("children:philomena_sheet", args=[child.pk]),
    )


@login_required
def philomena_sheet(request: SignedInRequest, child_id: int) -> HttpResponse:
    """The printable Philomena sheet for police: Part 1, the photo, the open episode's Part 2."""
    child = _philomena_child(request, child_id)  # logged (core.audit)
    episode = (
        Episode.objects.filter(child=child, entered_in_error=False)
        .order_by("-last_seen_at")
        .first()
    )
    return render(
        request,
        "children/philomena_sheet.html",
        {
            "child": child,
            "episode": episode,
            "placement": current_placement(child),
            "legal_status": current_legal_status(child),
            "may_edit": may_edit_philomena(request.user, child),
            "photo_shown": bool(child.photo),
            "printed_at": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def photo(request: SignedInRequest, child_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.RECORD_PHOTO)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["photo"]
        try:
            services.record_photo(
                acting_user=_user(request),
                child=child,
                upload=upload,
                size=upload.size,
                consent_given_by=data["consent_given_by"],
                child_agreement=data["child_agreement"],
                taken_on=data["taken_on"],
            )
        except ServiceError as error:
            add_service_error(form, error, DATE_FIELDS)
        else:
            return _done(request, "Photo saved, with the consent recorded.", _record_url(child))
    return _form_page(
        request,
        child,
        form,
        heading="Add a recent photo",
        intro="The photo is kept privately: it is shown only to people who may see this "
        "record, and each viewing is logged. A new photo replaces the one held.",
        submit="Save photo",
        multipart=True,
    )


@login_required
def photo_image(request: SignedInRequest, child_id: int) -> FileResponse:
    """The photo itself, only to someone who may see the child (or their carer), logged."""
    child = _philomena_child(request, child_id)
    if not child.photo:
        raise Http404("No photo held")
    response = FileResponse(child.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="photo.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def photo_media_consent(request: SignedInRequest, child_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.PHOTO_MEDIA_CONSENT)
    form = MediaConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_photo_media_consent(
                acting_user=_user(request), child=child, reason=form.cleaned_data["reason"]
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            return _done(
                request, "The local authority's consent to publish is recorded.", _record_url(child)
            )
    return _form_page(
        request,
        child,
        form,
        heading="Consent for police to publish the photo in the media",
        intro="Separate from the consent to hold the photo (Haringey protocol 7.4).",
        submit="Record consent to publish",
        warning=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def access(request: SignedInRequest, child_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.GRANT_ACCESS)
    form = AccessGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The access lasts to the end of the chosen day, as the person reads the calendar.
        expires_at = start_of_london_day(data["expires_on"] + dt.timedelta(days=1))
        try:
            services.grant_child_access(
                acting_user=_user(request),
                child=child,
                user=data["user"],
                expires_at=expires_at,
                reason=data["reason"],
            )
        except ServiceError as error:
            add_service_error(form, error, DATE_FIELDS)
        else:
            return _done(request, f"Access granted to {data['user']}.", request.path)
    return render(
        request,
        "children/access.html",
        {
            "child": child,
            "form": form,
            "grants": list(
                child.access_grants.select_related("user", "granted_by", "revoked_by").order_by(
                    "-granted_at"
                )[:50]
            ),
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["POST"])
def access_revoke(request: SignedInRequest, child_id: int, grant_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.GRANT_ACCESS)
    try:
        grant = child.access_grants.get(pk=grant_id)
    except ChildAccessGrant.DoesNotExist as error:
        raise Http404("No such grant") from error
    back = reverse("children:access", args=[child.pk])
    try:
        services.revoke_child_access(acting_user=_user(request), grant=grant)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(back)
    return _done(request, f"Access for {grant.user} revoked.", back)


@login_required
@require_http_methods(["GET", "POST"])
def links(request: SignedInRequest, child_id: int) -> HttpResponse:
    """The IRO and partner practitioners linked to the child (issue 15): they see this
    child, and only what their role needs."""
    child = _child(request, child_id, Action.LINK_PRACTITIONER)
    form = PractitionerLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.link_practitioner(
                acting_user=_user(request), child=child, user=data["user"], role=data["role"]
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            return _done(request, f"{data['user']} linked to this child.", request.path)
    return render(
        request,
        "children/links.html",
        {
            "child": child,
            "form": form,
            "links": list(
                child.links.select_related("user", "created_by").order_by("-started_at")[:50]
            ),
            "role_labels": dict(Role.choices),
        },
    )


@login_required
@require_http_methods(["POST"])
def link_end(request: SignedInRequest, child_id: int, link_id: int) -> HttpResponse:
    child = _child(request, child_id, Action.LINK_PRACTITIONER)
    try:
        link = child.links.get(pk=link_id)
    except ChildLink.DoesNotExist as error:
        raise Http404("No such link") from error
    back = reverse("children:links", args=[child.pk])
    try:
        services.end_practitioner_link(acting_user=_user(request), link=link)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(back)
    return _done(request, f"{link.user} is no longer linked to this child.", back)
