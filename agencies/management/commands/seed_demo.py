"""Synthetic demo data: a local authority, two police forces, partners, two social work
teams, about fifty children with placements and episodes in every state.

Every name is invented. Idempotent: a second run finds the demo authority and changes
nothing (beyond making sure the demo users can sign in with the demo password).
"""

from __future__ import annotations

import base64
import datetime as dt
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, AgencyKind, Membership, Role, Team, User
from casework.services import report_episode
from children.models import Child, Ethnicity, LegalStatusKind, PlacementKind, Sex
from children.services import create_child, start_placement
from episodes.services import (
    mark_entered_in_error,
    reclassify_episode,
    record_return,
    record_safe_and_well_check,
)
from panels.services import record_strategy_meeting, refer_to_panel
from returns.services import record_return_interview
from risk.models import MashReferral
from risk.services import record_mash_triage, record_risk_assessment

DEMO_PASSWORD = "homeward-demo"
# Every demo user's authenticator key, public like the password (demo only; README):
# add it to any authenticator app as "Homeward demo", or `oathtool --totp -b KEY`.
# seed_demo refuses to run in production, so no real account ever has it.
DEMO_TOTP_SECRET = "HOMEWARDDEMOONLYHOMEWARDDEMOONLY"
DEMO_AUTHENTICATOR = "Demo authenticator (key in README)"
DEMO_AUTHORITY = "Eastbridge Borough Council"

GIVEN = [
    "Ava",
    "Noah",
    "Maya",
    "Leo",
    "Isla",
    "Kai",
    "Zoë",
    "Ravi",
    "Amara",
    "Theo",
    "Freya",
    "Jayden",
    "Ines",
    "Oscar",
    "Priya",
    "Callum",
    "Nia",
    "Tomasz",
    "Leila",
    "Ezra",
    "Ruby",
    "Kofi",
    "Elif",
    "Harvey",
    "Sienna",
    "Mateo",
    "Aisha",
    "Finn",
    "Chloé",
    "Dev",
]
FAMILY = [
    "Ashdown",
    "Brackley",
    "Carrow",
    "Dunmore",
    "Elsworth",
    "Fenwick",
    "Garrow",
    "Hollis",
    "Iveson",
    "Jessop",
    "Kellaway",
    "Lindqvist",
    "Marlowe",
    "Northcott",
    "Okafor-Vale",
    "Pendry",
    "Quarrie",
    "Rowntree",
    "Sallow",
    "Thackeray",
    "Underhill",
    "Varga",
    "Whitlock",
    "Yardley",
    "Zielinski",
]
PLACES = [
    "Eastbridge bus station",
    "Riverside retail park",
    "a friend's flat in Millford",
    "Eastbridge Common",
    "the town centre",
    "Northgate skate park",
    "a relative's address in Southmere",
]


class Command(BaseCommand):
    help = "Load synthetic demo data (idempotent). No real data."

    def handle(self, *args, **options):
        # The demo users' password is public: never in a production database (issue 14).
        if settings.IS_PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run when DJANGO_ENV=production: it creates users "
                "with the public demo password. Create real users with createsuperuser "
                "and the admin."
            )
        with transaction.atomic():
            people = self._people()
            if Child.objects.filter(responsible_authority__name=DEMO_AUTHORITY).exists():
                self.stdout.write("Demo data already present; demo users refreshed.")
                return
            self._children(people)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded: {Child.objects.count()} children.")
        )

    # --- people -----------------------------------------------------------------------

    def _demo_authenticator(self, user: User) -> None:
        """The second factor every browser sign-in needs (decision 0015): the public
        demo key, so `make run` works with any authenticator app."""
        key = base64.b32decode(DEMO_TOTP_SECRET).hex()
        TOTPDevice.objects.filter(user=user).exclude(name=DEMO_AUTHENTICATOR).delete()
        TOTPDevice.objects.update_or_create(
            user=user, name=DEMO_AUTHENTICATOR, defaults={"key": key, "confirmed": True}
        )

    def _people(self) -> dict:
        council, _ = Agency.objects.get_or_create(
            name=DEMO_AUTHORITY, defaults={"kind": AgencyKind.LOCAL_AUTHORITY, "code": "990"}
        )
        neighbour, _ = Agency.objects.get_or_create(
            name="Millford City Council",
            defaults={"kind": AgencyKind.LOCAL_AUTHORITY, "code": "991"},
        )
        force, _ = Agency.objects.get_or_create(
            name="Eastbridge Police", defaults={"kind": AgencyKind.POLICE_FORCE, "code": "EB"}
        )
        force_2, _ = Agency.objects.get_or_create(
            name="Millford Constabulary", defaults={"kind": AgencyKind.POLICE_FORCE, "code": "MC"}
        )
        for name, kind in [
            ("Eastbridge Community Health Trust", AgencyKind.HEALTH),
            ("Eastbridge Academies Trust", AgencyKind.EDUCATION),
            ("Safe Journeys (return interview charity)", AgencyKind.VOLUNTARY),
        ]:
            Agency.objects.get_or_create(name=name, defaults={"kind": kind})

        def team(agency, name):
            return Team.objects.get_or_create(agency=agency, name=name)[0]

        teams = {
            "team_1": team(council, "Children in Care Team 1"),
            "team_2": team(council, "Assessment and Intervention Team 2"),
            "mash": team(council, "MASH"),
            "missing": team(council, "Missing and Exploitation Hub"),
            "returns": team(council, "Return Interview Service"),
            "panel": team(council, "MACE Panel"),
            "leadership": team(council, "Children's Services Leadership"),
            "police_1": team(force, "Missing Persons Unit"),
            "police_2": team(force_2, "Missing Persons Unit"),
        }
        specs = [
            ("social_worker", "Sally", "Walker", "team_1", Role.SOCIAL_WORKER),
            ("team_manager", "Tom", "Manning", "team_1", Role.TEAM_MANAGER),
            ("social_worker_2", "Sam", "Whitfield", "team_2", Role.SOCIAL_WORKER),
            ("team_manager_2", "Tara", "Mensah", "team_2", Role.TEAM_MANAGER),
            ("mash_triage", "Mo", "Ashby", "mash", Role.MASH_TRIAGE),
            ("missing_coordinator", "Mia", "Cole", "missing", Role.MISSING_COORDINATOR),
            ("return_officer", "Rhys", "Ogden", "returns", Role.RETURN_INTERVIEW_OFFICER),
            ("panel_member", "Pat", "Marsh", "panel", Role.PANEL_MEMBER),
            ("senior_manager", "Sian", "Adeyemi", "leadership", Role.SENIOR_MANAGER),
            ("police_liaison", "Paul", "Lyons", "police_1", Role.POLICE_LIAISON),
            ("police_liaison_2", "Petra", "Lund", "police_2", Role.POLICE_LIAISON),
            ("admin", "Ada", "Minster", "leadership", Role.ADMINISTRATOR),
        ]
        users = {}
        for username, first, last, team_key, role in specs:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@eastbridge.example",
                },
            )
            user.set_password(DEMO_PASSWORD)
            if username == "admin":
                user.is_staff = user.is_superuser = True
            user.save()
            Membership.objects.get_or_create(user=user, team=teams[team_key], role=role)
            self._demo_authenticator(user)
            users[username] = user
        return {
            "council": council,
            "neighbour": neighbour,
            "force": force,
            "force_2": force_2,
            **teams,
            **users,
        }

    # --- children ---------------------------------------------------------------------

    def _children(self, p: dict) -> None:
        rng = random.Random(20261121)  # noqa: S311 - synthetic demo data, not security
        now = timezone.now()
        today = timezone.localdate()
        hours = dt.timedelta(hours=1)

        def new_child(
            index: int, *, age: int, team_key: str, looked_after: bool, uasc: bool = False
        ) -> Child:
            team = p[team_key]
            worker = p["social_worker"] if team_key == "team_1" else p["social_worker_2"]
            born = today - dt.timedelta(days=age * 365 + rng.randint(10, 300))
            child = create_child(
                acting_user=worker,
                given_name=GIVEN[index % len(GIVEN)],
                family_name=FAMILY[(index * 7) % len(FAMILY)],
                date_of_birth=born,
                responsible_authority=p["council"],
                sex=rng.choice([Sex.FEMALE, Sex.MALE]),
                ethnicity=rng.choice([e for e in Ethnicity.values if e not in ("REFU", "NOBT")]),
                is_uasc=uasc,
                legal_status=LegalStatusKind.LOOKED_AFTER
                if looked_after
                else rng.choice(
                    [
                        LegalStatusKind.CHILD_IN_NEED,
                        LegalStatusKind.CHILD_PROTECTION,
                        LegalStatusKind.NONE,
                    ]
                ),
                legal_status_start=today - dt.timedelta(days=400),
                team=team,
                worker=worker,
                description=f"Slim build, about {150 + age * 2} cm, often wears a dark hooded top.",
                known_associates="Friends from school; an older peer group near the retail park.",
                places_frequented=", ".join(rng.sample(PLACES, 2)),
                clothing_style="Tracksuits and trainers; a black puffer jacket.",
                # The council's own id, as its case management system numbers children.
                local_child_id=f"{p['council'].code or 'LA'}-{index + 1:05d}",
                school="Northwick Academy" if age < 16 else "",
            )
            if looked_after:
                host = p["neighbour"] if index % 5 == 0 else p["council"]
                start_placement(
                    acting_user=worker,
                    child=child,
                    kind=rng.choice([PlacementKind.FOSTER, PlacementKind.RESIDENTIAL]),
                    placing_authority=p["council"],
                    host_authority=host,
                    start_date=today - dt.timedelta(days=200),
                    name=rng.choice(["Oak House", "Willow Lodge", "The Fernleys (foster carers)"]),
                    provider="Example Care Ltd",
                )
            return child

        def episode(
            child,
            worker,
            *,
            last_seen_hours_ago,
            category="missing",
            returned_hours_ago=None,
            force=1,
            police_risk="",
        ):
            last_seen = now - last_seen_hours_ago * hours
            ep = report_episode(
                acting_user=worker,
                police_force={1: p["force"], 2: p["force_2"]}.get(force),
                reported_to_police_at=last_seen + 2 * hours if force else None,
                child=child,
                category=category,
                last_seen_at=last_seen,
                reported_at=last_seen + 2 * hours,
                last_seen_location=rng.choice(PLACES),
                circumstances="Did not return after school; phone switched off.",
                police_reference=f"{'EB' if force == 1 else 'MC'}-{rng.randint(100000, 999999)}",
                police_risk=police_risk,
            )
            if returned_hours_ago is not None:
                ep = record_return(
                    acting_user=worker,
                    episode=ep,
                    returned_at=now - returned_hours_ago * hours,
                    return_location="Home address",
                    how_found="returned_themselves",
                )
            return ep

        index = 0
        sw, sw2 = p["social_worker"], p["social_worker_2"]

        # 1. Open missing episodes, looked after, past 24 hours (manager escalation; strategy meeting due).
        for _ in range(3):
            child = new_child(index, age=rng.randint(13, 16), team_key="team_1", looked_after=True)
            episode(child, sw, last_seen_hours_ago=rng.randint(26, 40), police_risk="high")
            index += 1
        # 2. Open missing, recent (< 24 hours): risk assessment due, escalation scheduled.
        for _ in range(4):
            child = new_child(
                index,
                age=rng.randint(11, 16),
                team_key=rng.choice(["team_1", "team_2"]),
                looked_after=rng.random() < 0.5,
            )
            worker = sw if child.allocations.filter(team=p["team_1"]).exists() else sw2
            episode(
                child,
                worker,
                last_seen_hours_ago=rng.randint(2, 12),
                police_risk="medium",
                force=rng.choice([1, 2]),
            )
            index += 1
        # 3. Absent now (aged 13+), within 24 hours.
        for _ in range(3):
            child = new_child(index, age=rng.randint(14, 16), team_key="team_2", looked_after=False)
            episode(child, sw2, last_seen_hours_ago=rng.randint(3, 15), category="absent", force=1)
            index += 1
        # 4. Missing six days: strategy discussion due.
        child = new_child(index, age=15, team_key="team_1", looked_after=True)
        episode(child, sw, last_seen_hours_ago=6 * 24, police_risk="high")
        index += 1
        # 5. Unaccompanied asylum-seeking child missing: Home Office notice due.
        child = new_child(index, age=16, team_key="team_1", looked_after=True, uasc=True)
        episode(child, sw, last_seen_hours_ago=10, police_risk="high")
        index += 1
        # 6. Returned recently, awaiting return interview and safe and well check.
        for _ in range(6):
            team_key = rng.choice(["team_1", "team_2"])
            child = new_child(
                index, age=rng.randint(12, 17), team_key=team_key, looked_after=rng.random() < 0.6
            )
            worker = sw if team_key == "team_1" else sw2
            episode(
                child,
                worker,
                last_seen_hours_ago=rng.randint(30, 60),
                returned_hours_ago=rng.randint(5, 20),
            )
            index += 1
        # 7. Returned, interview overdue (returned more than 72 hours ago, none held).
        for _ in range(3):
            child = new_child(index, age=rng.randint(13, 16), team_key="team_1", looked_after=True)
            episode(
                child,
                sw,
                last_seen_hours_ago=rng.randint(100, 130),
                returned_hours_ago=rng.randint(80, 95),
            )
            index += 1
        # 8. Repeat episodes: three in 90 days (strategy meeting), with full histories.
        for _ in range(4):
            child = new_child(index, age=rng.randint(13, 16), team_key="team_1", looked_after=True)
            for days_ago in (70, 35):
                ep = episode(
                    child,
                    sw,
                    last_seen_hours_ago=days_ago * 24,
                    returned_hours_ago=days_ago * 24 - 20,
                )
                record_safe_and_well_check(
                    acting_user=p["police_liaison"],
                    episode=ep,
                    checked_at=ep.returned_at + 5 * hours,
                    officer_name="PC Demo",
                )
                record_mash_triage(
                    acting_user=p["mash_triage"],
                    referral=MashReferral.objects.get(episode=ep),
                    rag="amber",
                    threshold_level=3,
                    triaged_at=ep.reported_at + 6 * hours - hours,
                )
                record_risk_assessment(
                    acting_user=p["mash_triage"],
                    child=child,
                    episode=ep,
                    rag="amber",
                    threshold_level=3,
                    indicators=["cce_county_lines"],
                    assessed_at=ep.reported_at + 6 * hours,
                )
                record_return_interview(
                    acting_user=p["return_officer"],
                    child=child,
                    episodes=[ep],
                    offered_at=ep.returned_at + 3 * hours,
                    interviewer=p["return_officer"],
                    outcome="held",
                    held_at=ep.returned_at + 30 * hours,
                    seen_alone=True,
                    push_factors=["placement_unsettled"],
                    pull_factors=["friends", "exploitation"],
                    disclosures="Spoke about older peers offering lifts and money.",
                    follow_ups="Referral to the exploitation team; safety plan reviewed.",
                )
            episode(child, sw, last_seen_hours_ago=30, returned_hours_ago=8)
            index += 1
        # 9. Rated Red, panel referral pending; one already referred and discussed.
        for referred in (False, True):
            child = new_child(index, age=15, team_key="team_1", looked_after=True)
            ep = episode(
                child, sw, last_seen_hours_ago=80, returned_hours_ago=50, police_risk="high"
            )
            record_mash_triage(
                acting_user=p["mash_triage"],
                referral=MashReferral.objects.get(episode=ep),
                rag="red",
                threshold_level=4,
                reason="Found in the company of adults of concern.",
                triaged_at=ep.reported_at + 2 * hours - hours,
            )
            record_risk_assessment(
                acting_user=p["mash_triage"],
                child=child,
                episode=ep,
                rag="red",
                threshold_level=4,
                indicators=["cse", "missing_with_others"],
                rationale="Found in the company of adults of concern.",
                assessed_at=ep.reported_at + 2 * hours,
            )
            if referred:
                refer_to_panel(
                    acting_user=p["team_manager"],
                    child=child,
                    reason="Red rating; CSE indicators",
                    referred_at=ep.reported_at + 30 * hours,
                )
                record_strategy_meeting(
                    acting_user=p["team_manager"],
                    child=child,
                    episode=ep,
                    held_at=ep.reported_at + 40 * hours,
                    trigger="missing_over_24_hours",
                    decisions="Safety plan; police intelligence sharing.",
                    attendees=[
                        {"agency": p["council"], "name": "Tom Manning", "role": "Chair"},
                        {"agency": p["force"], "name": "DS Demo", "role": "Police"},
                    ],
                    next_review_on=today + dt.timedelta(days=28),
                )
            index += 1
        # 10. Away from placement without authorisation (whereabouts known).
        child = new_child(index, age=16, team_key="team_1", looked_after=True)
        episode(child, sw, last_seen_hours_ago=5, category="away_without_authorisation", force=0)
        index += 1
        # 11. Absent reclassified to missing by the worker.
        child = new_child(index, age=14, team_key="team_2", looked_after=False)
        ep = episode(child, sw2, last_seen_hours_ago=20, category="absent", force=1)
        reclassify_episode(
            acting_user=sw2,
            episode=ep,
            category="missing",
            reason="No contact and a concern raised by school.",
        )
        index += 1
        # 12. An episode entered in error.
        child = new_child(index, age=13, team_key="team_2", looked_after=False)
        ep = episode(child, sw2, last_seen_hours_ago=40, force=2)
        mark_entered_in_error(
            acting_user=p["team_manager_2"], episode=ep, reason="Recorded against the wrong child."
        )
        index += 1
        # 13. Children with closed histories, and some with no episodes at all.
        while index < 50:
            team_key = rng.choice(["team_1", "team_2"])
            child = new_child(
                index, age=rng.randint(8, 17), team_key=team_key, looked_after=rng.random() < 0.4
            )
            if index % 2 == 0:
                # A short episode weeks ago, with everything the protocol asked done on time.
                worker = sw if team_key == "team_1" else sw2
                force = rng.choice([1, 2])
                last_seen = rng.randint(200, 2000)
                ep = episode(
                    child,
                    worker,
                    last_seen_hours_ago=last_seen,
                    returned_hours_ago=last_seen - rng.randint(3, 20),
                    force=force,
                )
                record_mash_triage(
                    acting_user=p["mash_triage"],
                    referral=MashReferral.objects.get(episode=ep),
                    rag="green",
                    threshold_level=2,
                    triaged_at=ep.reported_at + 1 * hours - hours,
                )
                record_risk_assessment(
                    acting_user=p["mash_triage"],
                    child=child,
                    episode=ep,
                    rag="green",
                    threshold_level=2,
                    assessed_at=ep.reported_at + 1 * hours,
                )
                record_safe_and_well_check(
                    acting_user=p["police_liaison"] if force == 1 else p["police_liaison_2"],
                    episode=ep,
                    checked_at=ep.returned_at + 4 * hours,
                    officer_name="PC Demo",
                )
                held = rng.random() < 0.7
                record_return_interview(
                    acting_user=p["return_officer"],
                    child=child,
                    episodes=[ep],
                    offered_at=ep.returned_at + 2 * hours,
                    interviewer=p["return_officer"],
                    outcome="held" if held else "declined",
                    held_at=ep.returned_at + 30 * hours if held else None,
                    seen_alone=True if held else None,
                    push_factors=["boundaries"] if held else [],
                    pull_factors=["friends"] if held else [],
                )
            index += 1
