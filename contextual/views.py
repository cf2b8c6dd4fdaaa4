"""Pages: an episode's places and children missing together, a place, a child's
associates, hotspots (issue 12, decision 0013). Views parse, check, call, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from agencies.views import SignedInRequest
from children.permissions import Action, Sight, may_on_episode, sights_for
from children.selectors import visible_child_or_404
from contextual.forms import AssociateForm, EpisodePlaceForm, HotspotForm, MissingWithForm
from contextual.selectors import (
    associates_of,
    choosable_associates,
    choosable_places,
    episode_places,
    hotspot_authorities,
    hotspots,
    missing_with_choices,
    missing_with_on_episode,
    place_episodes,
    visible_place,
)
from contextual.services import (
    link_associate,
    link_episode_place,
    may_record_associates,
    record_missing_with,
    record_place,
)
from core.clock import start_of_london_day
from core.errors import NotAllowed, ServiceError
from core.forms import add_service_error
from episodes.selectors import visible_episode


def _episode_or_404(user, episode_id: int):
    episode = visible_episode(user, episode_id)
    if episode is None:
        raise Http404("No such episode")
    return episode


@login_required
def episode_context(request: SignedInRequest, episode_id: int) -> HttpResponse:
    """An episode's places and the children the child was missing with; the forms to add
    them for those who may write to the episode."""
    episode = _episode_or_404(request.user, episode_id)
    may_write = may_on_episode(
        request.user, Action.REPORT_EPISODE, episode.child, episode.police_force_id
    )
    places = choosable_places(request.user, episode.child.responsible_authority_id)
    place_form = EpisodePlaceForm(places=places, prefix="place")
    with_form = MissingWithForm(children=missing_with_choices(request.user, episode), prefix="with")
    status = 200
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied("You may not change this episode.")
        if "place-role" in request.POST:
            place_form = EpisodePlaceForm(request.POST, places=places, prefix="place")
            if place_form.is_valid() and _save_place(request, episode, place_form):
                return redirect("contextual:episode", episode.pk)
        else:
            with_form = MissingWithForm(
                request.POST, children=missing_with_choices(request.user, episode), prefix="with"
            )
            if with_form.is_valid() and _save_with(request, episode, with_form):
                return redirect("contextual:episode", episode.pk)
        status = 400
    return render(
        request,
        "contextual/episode.html",
        {
            "episode": episode,
            "child": episode.child,
            "places": episode_places(request.user, episode),
            "together": missing_with_on_episode(request.user, episode),
            "may_write": may_write,
            "place_form": place_form,
            "with_form": with_form,
        },
        status=status,
    )


def _save_place(request, episode, form) -> bool:
    data = form.cleaned_data
    try:
        place = data["place"] or record_place(
            acting_user=request.user,
            authority=episode.child.responsible_authority,
            name=data["name"],
            kind=data["kind"],
            postcode=data["postcode"],
        )
        link_episode_place(
            acting_user=request.user, episode=episode, place=place, role=data["role"]
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        add_service_error(form, error)
        return False
    messages.success(request, f"{place} recorded on the episode.")
    return True


def _save_with(request, episode, form) -> bool:
    data = form.cleaned_data
    try:
        record_missing_with(
            acting_user=request.user,
            episode=episode,
            other_child_id=data["other_child"].pk,
            certainty=data["certainty"],
            note=data["note"],
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        add_service_error(form, error)
        return False
    messages.success(request, f"Recorded: missing with {data['other_child'].full_name}.")
    return True


@login_required
def place(request: SignedInRequest, pk: int) -> HttpResponse:
    found = visible_place(request.user, pk)
    if found is None:
        raise Http404("No such place")
    links = list(place_episodes(request.user, found))
    return render(
        request,
        "contextual/place.html",
        {
            "place": found,
            "links": links,
            "children": sorted({link.child for link in links}, key=lambda c: c.full_name),
        },
    )


@login_required
def associates(request: SignedInRequest, child_id: int) -> HttpResponse:
    """A child's associates: people of concern or of support, each link with its source
    and 3x5x2 grading; unverified links are shown as unverified."""
    child = visible_child_or_404(request.user, child_id)
    if Sight.PANELS not in sights_for(request.user, child):
        raise PermissionDenied("Associates are for children's social care and panel members.")
    may_write = may_record_associates(request.user, child)
    form = AssociateForm(request.POST or None, associates=choosable_associates(child))
    status = 200
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied("You may not record associates for this child.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                link_associate(acting_user=request.user, child=child, **data)
            except NotAllowed as error:
                raise PermissionDenied(error.message) from error
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Associate recorded.")
                return redirect("contextual:associates", child.pk)
        status = 400
    return render(
        request,
        "contextual/associates.html",
        {"child": child, "rows": associates_of(child), "form": form, "may_write": may_write},
        status=status,
    )


@login_required
def hotspot_list(request: SignedInRequest) -> HttpResponse:
    """Hotspots for the Missing Co-ordinator, the Assistant Director and panel members."""
    authorities = hotspot_authorities(request.user)
    if not authorities.exists():
        # The navigation shows Hotspots by role; a panel seat held outside a local
        # authority's teams reaches no authority: say so rather than refuse.
        return render(request, "contextual/hotspots.html", {"form": None, "result": None})
    today = timezone.localdate()
    initial: dict[str, Any] = {
        "authority": authorities.first(),
        "start": today - dt.timedelta(days=90),
        "end": today,
    }
    form = HotspotForm(request.GET or None, authorities=authorities, initial=initial)
    result = None
    status = 200
    data: dict[str, Any] | None
    if not request.GET:
        data = initial
    elif form.is_valid():
        data = form.cleaned_data
    else:
        data = None
        status = 400
    if data is not None:
        result = hotspots(
            request.user,
            authority=data["authority"],
            start=start_of_london_day(data["start"]),
            end=start_of_london_day(data["end"] + dt.timedelta(days=1)),
        )
    return render(
        request, "contextual/hotspots.html", {"form": form, "result": result}, status=status
    )
