"""No dead ends: every persona follows every link they are shown, and every one works.

Each persona signs in, starts at home and visits, breadth first, every same-site page a
link on a page they reached points to (bounded, so a paginated list cannot run forever).
Every link rendered must answer 200, or redirect to a page that answers 200: a link that
leads a person to a 403, a 404 or a 500 is a defect, whoever they are (issue 11, "a link
is only shown to someone who may follow it").

The world is seeded through the real services so that every kind of page is reachable:
a child missing now, a child back home with a return interview and a strategy meeting,
a MASH referral (open and rated), an exploitation panel with a child on its agenda and
an action, and the notifications the sweep owes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import time_machine
from django.test import Client

from agencies.models import Role
from casework.services import report_episode
from episodes.services import record_return
from notifications.outbox import write_owed_notifications
from panels.services import (
    add_panel_action,
    record_strategy_meeting,
    refer_to_panel,
    schedule_panel_meeting,
)
from protocol.services import sweep
from returns.services import record_return_interview
from risk.models import MashReferral
from risk.services import record_mash_triage, record_risk_assessment
from tests.factories import AllocationFactory, ChildFactory, UserFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
PAGE_LIMIT = 400
# Leaving these is not following a page link: the API's JSON and schema pages are for
# machines, and static files are not pages.
NOT_PAGES = ("/static/", "/media/")


def ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_on(base: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        absolute, _fragment = urldefrag(urljoin(base, href))
        parts = urlsplit(absolute)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue  # another site: not ours to crawl
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path and not path.startswith(NOT_PAGES):
            found.append(path)
    return found


@dataclasses.dataclass
class Crawl:
    visited: dict[str, int]
    dead_ends: list[str]


def crawl(client: Client, start: str = "/", limit: int = PAGE_LIMIT) -> Crawl:
    """Breadth first from `start`; a dead end is a link whose answer is not 200 (after at
    most one redirect to a page that answers 200)."""
    client.raise_request_exception = False  # a 500 is a dead end to report, not a crash
    visited: dict[str, int] = {}
    dead_ends: list[str] = []
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    while queue and len(visited) < limit:
        path, found_on = queue.popleft()
        if path in visited:
            continue
        response = client.get(path)
        status = response.status_code
        if status in (301, 302):
            target = response["Location"]
            followed = client.get(target)
            status = followed.status_code
            response = followed
            path_for_links = target
        else:
            path_for_links = path
        visited[path] = status
        if status != 200:
            dead_ends.append(f"{path} -> {status} (linked from {found_on})")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in links_on(path_for_links, response.content.decode()):
            if link.startswith("/admin/") and "?" in link:
                # Django's admin draws a sorting and filtering link per column and value:
                # one of each page is enough to show the admin's pages work.
                link = link.split("?", 1)[0]
            if link not in visited:
                queue.append((link, path))
    return Crawl(visited=visited, dead_ends=dead_ends)


@pytest.fixture
def seeded(world):
    """A day's worth of case work, through the real services, at NOW."""
    with time_machine.travel(NOW, tick=False):
        # Jamie (allocated to Alice): missing now, reported by the police force, rated Red.
        missing = report_episode(
            acting_user=world.social_worker,
            child=world.child,
            category="missing",
            last_seen_at=ago(30),
            reported_at=ago(29),
            police_force=world.force,
            police_reference="NW/123",
            circumstances="Did not come home from school.",
        )
        referral = MashReferral.objects.get(episode=missing)
        record_mash_triage(
            acting_user=world.mash_triage,
            referral=referral,
            rag="red",
            threshold_level=4,
            reason="Police grade high; seen with older men.",
        )
        record_risk_assessment(
            acting_user=world.mash_triage,
            child=world.child,
            rag="red",
            threshold_level=4,
            indicators=["cse"],
            rationale="Seen with older men near the station.",
            referral=referral,
        )
        # Sam: back home, interviewed, a strategy meeting held, on the panel's agenda.
        sam = ChildFactory(
            given_name="Sam",
            family_name="Sample",
            date_of_birth=dt.date(2011, 3, 4),
            responsible_authority=world.council,
        )
        AllocationFactory(
            child=sam, team=world.team, worker=world.social_worker, started_at=ago(9000)
        )
        back = report_episode(
            acting_user=world.social_worker,
            child=sam,
            category="missing",
            last_seen_at=ago(80),
            reported_at=ago(79),
            police_force=world.force,
        )
        back = record_return(acting_user=world.social_worker, episode=back, returned_at=ago(50))
        record_return_interview(
            acting_user=world.return_officer,
            child=sam,
            episodes=[back],
            offered_at=ago(40),
            interviewer=world.return_officer,
        )
        record_strategy_meeting(
            acting_user=world.team_manager,
            child=sam,
            held_at=ago(60),
            episode=back,
            attendees=[{"agency": world.force, "name": "PC Evan Tester"}],
            decisions="Search known addresses.",
        )
        refer_to_panel(acting_user=world.social_worker, child=sam, reason="Repeat episodes.")
        panel = schedule_panel_meeting(
            acting_user=world.missing_coordinator, authority=world.council, meets_at=ago(-48)
        )
        # The referral waiting for the MACE panel is on its agenda as it is scheduled.
        case = panel.cases.get(child=sam)
        add_panel_action(
            acting_user=world.missing_coordinator,
            case=case,
            description="Disruption visit to the park.",
            due_on=dt.date(2026, 6, 20),
            owner_agency=world.force,
        )
        # Kim: a fresh referral awaiting triage.
        kim = ChildFactory(
            given_name="Kim", family_name="Queue", responsible_authority=world.council
        )
        AllocationFactory(child=kim, team=world.other_team, started_at=ago(9000))
        report_episode(
            acting_user=world.other_social_worker,
            child=kim,
            category="missing",
            last_seen_at=ago(3),
            reported_at=ago(2),
        )
        sweep(NOW)
        write_owed_notifications(now=NOW)
    return world


# Each persona's crawl must reach the pages their day is made of (a crawl that found no
# dead end because it found nothing would prove nothing).
REACHES = {
    "social_worker": [
        "/children/", "/episodes/", "/return-interviews/interviews/", "/meetings/strategy/",
        "/meetings/panels/", "/notifications/", "/protocol/",
    ],
    "team_manager": ["/escalations/", "/meetings/children/", "/episodes/", "/meetings/panels/"],
    "other_social_worker": ["/children/", "/episodes/"],
    "mash_triage": ["/mash/children/", "/children/"],
    "police_liaison": ["/episodes/", "/children/"],
    "other_police_liaison": ["/children/"],
    "missing_coordinator": ["/mash/children/", "/escalations/", "/meetings/panels/", "/episodes/"],
    "senior_manager": ["/escalations/", "/meetings/panels/", "/meetings/strategy/"],
    "return_officer": ["/return-interviews/interviews/", "/return-interviews/"],
    "panel_member": ["/meetings/panels/", "/children/"],
    "outsider": ["/children/", "/protocol/"],
}  # fmt: skip


@pytest.mark.parametrize("persona", REACHES)
def test_every_link_a_persona_is_shown_works_for_them(client, seeded, persona):
    client.force_login(getattr(seeded, persona))
    with time_machine.travel(NOW, tick=False):
        result = crawl(client)
    assert result.dead_ends == [], f"{persona} met dead ends:\n" + "\n".join(result.dead_ends)
    assert len(result.visited) < PAGE_LIMIT, "the crawl was cut short: raise the limit"
    unreached = [
        prefix
        for prefix in REACHES[persona]
        if not any(p.startswith(prefix) for p in result.visited)
    ]
    assert unreached == [], f"{persona} never reached {unreached}"


def test_every_link_the_administrator_is_shown_works(client, seeded):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    with time_machine.travel(NOW, tick=False):
        result = crawl(client)
    assert result.dead_ends == [], "admin met dead ends:\n" + "\n".join(result.dead_ends)


def test_the_crawler_reports_a_link_that_answers_404(client, seeded):
    """The other side: a dead link is found, so a clean crawl means something."""
    client.force_login(seeded.social_worker)
    result = crawl(client, start="/children/999999/")
    assert result.dead_ends == ["/children/999999/ -> 404 (linked from (start))"]


def test_a_role_with_no_team_still_finds_no_dead_end(client, seeded):
    """Someone signed in with a role but nothing yet to work on."""
    lonely = UserFactory(username="newstarter")
    from tests.factories import MembershipFactory

    MembershipFactory(user=lonely, team=seeded.mash_team, role=Role.MASH_TRIAGE)
    client.force_login(lonely)
    with time_machine.travel(NOW, tick=False):
        result = crawl(client)
    assert result.dead_ends == []
