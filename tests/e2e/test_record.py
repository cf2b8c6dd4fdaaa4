"""Browser journeys keeping the record true: a back-dated legal status that opens the
escalation, a placement, a photo, the Philomena sheet, and a manager allocating a child
police reported. axe finds no serious or critical violation on any of these pages."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from casework.services import report_episode
from children.models import Child
from core.clock import LONDON
from protocol.models import Deadline
from tests.factories import ChildFactory


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_the_social_worker_keeps_the_record_true(
    page, e2e_world, signed_in, axe_check, url, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    world = e2e_world
    last_seen = timezone.now() - dt.timedelta(hours=30)
    report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=last_seen,
    )
    assert not Deadline.objects.filter(child=world.child, rule="manager_escalation").exists()
    signed_in(page, world.social_worker)
    page.goto(url("casework:child_record", world.child.pk))
    page.get_by_role("link", name="Change legal status").click()
    axe_check(page)
    page.get_by_label("Looked after (CLA)").check()
    day = last_seen.astimezone(LONDON).date() - dt.timedelta(days=1)
    fieldset = page.get_by_role("group", name="Start date")
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))
    page.get_by_role("button", name="Record legal status").click()
    expect(page.locator("#legal-statuses")).to_contain_text("Looked after (CLA)")
    assert Deadline.objects.filter(child=world.child, rule="manager_escalation").exists()

    page.goto(url("children:placements", world.child.pk))
    axe_check(page)
    page.get_by_label("Residential children's home").check()
    page.get_by_label("Provider (optional)").fill("Example Care Ltd")
    page.get_by_label("Postcode (optional)").fill("n22 8hq")
    fieldset = page.get_by_role("group", name="Start date")
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))
    page.get_by_role("button", name="Record placement").click()
    expect(page.locator("#placements")).to_contain_text("N22 8HQ")

    page.goto(url("casework:child_record", world.child.pk))
    page.get_by_role("link", name="Add a photo").click()
    axe_check(page)
    page.get_by_label("Photo", exact=True).set_input_files(
        files=[{"name": "jamie.jpg", "mimeType": "image/jpeg", "buffer": _png()}]
    )
    page.get_by_label("Person with parental responsibility who consented").fill("Pat Fictional")
    page.get_by_label("The child agreed").check()
    page.get_by_role("button", name="Save photo").click()
    expect(page.locator("#photo-consent")).to_contain_text("Pat Fictional")
    assert Child.objects.get(pk=world.child.pk).photo
    axe_check(page)

    page.get_by_role("link", name="Philomena sheet for police").click()
    expect(page.locator("#protective-marking")).to_have_text("OFFICIAL-SENSITIVE")
    expect(page.get_by_role("img", name="Photo of Jamie Fictional")).to_be_visible()
    axe_check(page)


def test_a_team_manager_allocates_a_child_from_the_unallocated_list(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    child = ChildFactory(
        given_name="Robin", family_name="Madeup", responsible_authority=world.council
    )
    signed_in(page, world.team_manager)
    page.goto(url("children:index"))
    page.get_by_role("link", name="Unallocated children").click()
    axe_check(page)
    page.get_by_role("link", name="Allocate Robin Madeup").click()
    axe_check(page)
    page.get_by_label("Team").select_option(label=str(world.team))
    page.get_by_label("Allocated worker (optional)").select_option(label="Alice Tester")
    page.get_by_role("button", name="Allocate").click()
    expect(page.locator("#current-allocations")).to_contain_text("Alice Tester")
    assert child.allocations.get().worker == world.social_worker
