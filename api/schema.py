"""OpenAPI for /api/v1/: operation docs with examples, the Api-Key scheme, problem+json.

`add_problem_responses` (a drf-spectacular postprocessing hook) gives every operation
its error responses, the `Idempotency-Key` and `If-Match` headers and the `ETag` and
`Retry-After` response headers, so each view does not repeat them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from api.serializers import (
    AccessGrantSerializer,
    AllocationSerializer,
    ChildSerializer,
    ChildUpdateSerializer,
    EmptySerializer,
    EndDateSerializer,
    EpisodeCreateSerializer,
    EpisodeSerializer,
    EpisodeUpdateSerializer,
    LegalStatusCorrectionSerializer,
    LegalStatusSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    PlacementCorrectionSerializer,
    PlacementSerializer,
    SafeAndWellCheckSerializer,
)

TAG_CHILDREN, TAG_EPISODES, TAG_RISK, TAG_RETURNS, TAG_MEETINGS, TAG_DEADLINES = (
    "children",
    "episodes",
    "risk assessments",
    "return interviews",
    "strategy meetings",
    "deadlines",
)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Api-Key <key>`. Create a key with "
            "`python manage.py create_api_key USERNAME`; it is printed once.",
        }


def _example(
    name: str, value, *, request: bool = False, status: int | None = None, summary: str = ""
) -> OpenApiExample:
    return OpenApiExample(
        name,
        value=value,
        request_only=request,
        response_only=not request,
        status_codes=[str(status)] if status else None,
        summary=summary or name,
    )


CHILD = {
    "id": 12,
    "given_name": "Jamie",
    "family_name": "Fictional",
    "date_of_birth": "2010-06-01",
    "sex": "female",
    "legal_status": "looked_after",
    "is_uasc": False,
    "responsible_authority": 3,
    "known_as": "",
    "local_child_id": "NW-00042",
    "ethnicity": "WBRI",
    "disability": "no",
    "upn": "R801200101001",
    "school": "Northwick Academy",
    "updated_at": "2026-03-28T09:15:00Z",
}
PHILOMENA = {
    "description": "5 ft 4, slim, short dark hair, scar above the left eyebrow.",
    "clothing_style": "Tracksuits, a black puffer jacket.",
    "known_associates": "A friend from school, Sam (16), lives on the Northwick estate.",
    "places_frequented": "Northwick bus station, the retail park.",
    "phone_numbers": "07700 900123",
    "social_media": "Snapchat: jamie_f_10",
    "health_needs": "Asthma: carries an inhaler.",
    "previous_episodes_summary": "Found twice at the bus station, once with Sam.",
}
PHOTO = {
    "content_type": "image/jpeg",
    "image": "/9j/4AAQSkZJRgABAQAAAQABAAD...",
    "taken_on": "2026-03-01",
    "consent_given_by": "Pat Fictional (mother)",
    "child_agreement": "agreed",
    "consent_recorded_at": "2026-03-02T10:00:00Z",
    "media_consent_at": None,
    "media_consent_reason": "",
}
LEGAL_STATUS = {
    "id": 7,
    "child": 12,
    "status": "looked_after",
    "start_date": "2026-03-27",
    "end_date": None,
}
PLACEMENT = {
    "id": 5,
    "child": 12,
    "kind": "residential",
    "name": "Oak House",
    "provider": "Example Care Ltd",
    "address": "1 Example Road, Southmere",
    "postcode": "N22 8HQ",
    "placing_authority": 3,
    "host_authority": 4,
    "start_date": "2026-01-10",
    "end_date": None,
}
ALLOCATION = {
    "id": 21,
    "child": 12,
    "team": 2,
    "worker": 8,
    "started_at": "2026-03-28T09:15:00Z",
    "ended_at": None,
}
ACCESS_GRANT = {
    "id": 3,
    "child": 12,
    "user": "s.worker.southmere",
    "expires_at": "2026-06-30T23:00:00Z",
    "reason": "Host authority social worker while the child is placed in Southmere.",
    "granted_by": "bob",
    "granted_at": "2026-03-28T09:15:00Z",
    "revoked_at": None,
}
EPISODE = {
    "id": 41,
    "child": 12,
    "category": "missing",
    "missing_from": "placement",
    "last_seen_at": "2026-03-28T21:30:00+00:00",
    "reported_at": "2026-03-28T23:05:00+00:00",
    "police_reference": "NP-2026-004512",
    "police_risk": "medium",
    "returned_at": None,
    "status": "open",
    "last_seen_location": "Northwick bus station",
    "circumstances": "Did not return from college.",
    "entered_in_error": False,
    "updated_at": "2026-03-28T23:05:01Z",
}
RETURNED = {**EPISODE, "returned_at": "2026-03-29T10:00:00+01:00", "status": "closed"}
RISK_ASSESSMENT = {
    "id": 7,
    "child": 12,
    "episode": 41,
    "rag": "amber",
    "threshold_level": 3,
    "indicators": ["cce_county_lines"],
    "referral": 9,
    "rationale": "Seen with older males; phone credit unexplained.",
    "plan": "Daily contact by the social worker; police to check the bus station.",
    "assessed_at": "2026-03-29T08:40:00Z",
}
MASH_TRIAGE = {
    "id": 3,
    "referral": 9,
    "child": 12,
    "episode": 41,
    "rag": "amber",
    "threshold_level": 3,
    "reason": "Third episode in six months; seen with older males.",
    "police_risk_seen": "medium",
    "triaged_at": "2026-03-28T23:30:00Z",
    "triaged_by": 4,
}
MASH_REFERRAL = {
    "id": 9,
    "child": 12,
    "episode": 41,
    "status": "triaged",
    "received_at": "2026-03-28T23:05:00Z",
    "police_risk": "medium",
    "triage": 3,
}
RETURN_INTERVIEW = {
    "id": 5,
    "child": 12,
    "episodes": [41],
    "offered_at": "2026-03-29T12:00:00+01:00",
    "outcome": "held",
    "held_at": "2026-03-30T16:00:00+01:00",
    "seen_alone": True,
    "push_factors": ["placement_unsettled"],
    "pull_factors": ["friends"],
    "interviewer_name": "Independent Return Service",
    "updated_at": "2026-03-30T17:00:00Z",
}
STRATEGY_MEETING = {
    "id": 3,
    "child": 12,
    "episode": 41,
    "kind": "strategy_meeting",
    "trigger": "missing_over_24_hours",
    "held_at": "2026-03-29T22:00:00+01:00",
    "attendees": [
        {"agency": 3, "name": "Bob Tester", "role": "Team manager"},
        {"agency": 5, "name": "PC Evan Tester", "role": "Missing Persons Unit"},
    ],
    "decisions": "Police to review CCTV; social worker to visit placement.",
    "next_review_on": "2026-05-10",
    "updated_at": "2026-03-29T22:30:00Z",
}
DEADLINE = {
    "id": 88,
    "rule": "return_interview",
    "child": 12,
    "episode": 41,
    "opens_at": "2026-03-29T09:00:00Z",
    "due_at": "2026-04-01T09:00:00Z",
    "status": "open",
    "met_at": None,
    "breached_at": None,
    "cancelled_at": None,
    "updated_at": "2026-03-29T09:00:01Z",
}


def _strip(record: dict, *names: str) -> dict:
    return {name: value for name, value in record.items() if name not in names}


children = extend_schema_view(
    list=extend_schema(
        tags=[TAG_CHILDREN],
        summary="List the children you may see",
        description="Newest first. `updated_since` (with an offset) returns the children changed since your last sync.",
        examples=[_example("A page of children", CHILD, status=200)],
    ),
    retrieve=extend_schema(
        tags=[TAG_CHILDREN],
        summary="A child's record",
        description="Opening a record is audited (an access event naming this endpoint). "
        "A child you may not see is a 404, like one that does not exist.",
        examples=[_example("A child", CHILD, status=200)],
    ),
    create=extend_schema(
        tags=[TAG_CHILDREN],
        summary="Create a child's record",
        description="Council social workers, team managers and Missing Co-ordinators only. A social "
        "worker's or team manager's new child is allocated to their team (and a social worker's to "
        "them by name); police liaison officers get 403: see docs/api.md.",
        examples=[
            _example(
                "New child",
                _strip(CHILD, "id", "updated_at"),
                request=True,
            ),
            _example("Created", CHILD, status=201),
        ],
    ),
    partial_update=extend_schema(
        tags=[TAG_CHILDREN],
        summary="Correct who the child is",
        description="Names, date of birth, sex, ethnicity (DfE codes), disability, the council's "
        "child id (unique within the authority: 409 if another child has it), UPN (its check "
        "letter is checked) and school. Children's social care staff only (403 otherwise). Send "
        "`If-Match` with the ETag you read. Every change is kept in the record's history.",
        request=ChildUpdateSerializer,
        responses={200: ChildSerializer},
        examples=[
            _example(
                "Record the council's id and the school",
                {"local_child_id": "NW-00042", "upn": "R801200101001"},
                request=True,
            ),
            _example("Corrected", CHILD, status=200),
        ],
    ),
    photo=extend_schema(
        tags=[TAG_CHILDREN],
        summary="The child's photo",
        description="For police looking for the child: base64 JPEG, with the consents held. "
        "Each read is audited. `media_consent_at` null: the local authority has not consented "
        "to publication in the media (Haringey protocol 7.4). 404 when no photo is held.",
        examples=[_example("Photo", PHOTO, status=200)],
    ),
    photo_media_consent=extend_schema(
        tags=[TAG_CHILDREN],
        summary="The local authority consents to police publishing the photo",
        description="Haringey protocol 7.4: separate from the consent to hold it; a team manager, "
        "Missing Co-ordinator or Assistant Director. 409 when no photo is held.",
        responses={200: PhotoSerializer},
        examples=[
            _example(
                "Consent", {"reason": "Significant risk; police request of 28 March."}, request=True
            ),
            _example(
                "Consented",
                {
                    **PHOTO,
                    "media_consent_at": "2026-03-28T10:00:00Z",
                    "media_consent_reason": "Significant risk; police request of 28 March.",
                },
                status=200,
            ),
        ],
    ),
    philomena=extend_schema(
        tags=[TAG_CHILDREN],
        summary="The child's Philomena profile, Part 1",
        description="What police need at the first call (Haringey protocol 12.1, 13.1): kept by the "
        "carer of the current placement and by the child's social worker; anyone who may see the "
        "child reads it (the read is audited). Part 2 is on the episode (`clothing_when_last_seen`, "
        "`who_with`, `circumstances`).",
        examples=[
            _example("Update the places", {"places_frequented": "The retail park."}, request=True),
            _example("Profile", PHILOMENA, status=200),
        ],
    ),
)

episodes = extend_schema_view(
    list=extend_schema(
        tags=[TAG_EPISODES],
        summary="List episodes of the children you may see",
        examples=[_example("A page of episodes", EPISODE, status=200)],
    ),
    retrieve=extend_schema(
        tags=[TAG_EPISODES],
        summary="An episode",
        description="The `ETag` response header goes in `If-Match` on a later PATCH.",
        examples=[_example("An open episode", EPISODE, status=200)],
    ),
    create=extend_schema(
        tags=[TAG_EPISODES],
        summary="Report an episode",
        description="For a child by id (`child`) or, from a police liaison officer's key, by who "
        "the child is (`child_details`): exactly one of the two (400 otherwise). With "
        "`child_details` the child is matched among the responsible authority's children by "
        "name and date of birth (case and accents ignored) or created if the authority has no "
        "record that may be them; if the council must confirm which child it is, 409 and nothing "
        "changes; any other key gets 403. The episode names your force, so the child (its id is in "
        "the response) is visible to you from then on. A child aged 12 or under is always missing, "
        "never absent (400); a child with an open episode cannot have a second (409). Send an "
        "`Idempotency-Key` so a retry reports once.",
        request=EpisodeCreateSerializer,
        responses={201: EpisodeSerializer},
        examples=[
            _example(
                "Police report a missing child",
                {
                    "child": 12,
                    "category": "missing",
                    "last_seen_at": "2026-03-28T21:30:00+00:00",
                    "police_reference": "NP-2026-004512",
                    "police_risk": "medium",
                    "last_seen_location": "Northwick bus station",
                },
                request=True,
            ),
            _example(
                "Police report a child new to the force",
                {
                    "child_details": {
                        "given_name": "Jamie",
                        "family_name": "Fictional",
                        "date_of_birth": "2010-06-01",
                        "responsible_authority": 3,
                    },
                    "category": "missing",
                    "last_seen_at": "2026-03-28T21:30:00+00:00",
                    "police_reference": "NP-2026-004512",
                    "police_risk": "medium",
                    "last_seen_location": "Northwick bus station",
                },
                request=True,
            ),
            _example("Reported", EPISODE, status=201),
        ],
    ),
    partial_update=extend_schema(
        tags=[TAG_EPISODES],
        summary="Correct an episode",
        description="Send `If-Match` with the ETag you read: if the episode changed since, 412 and "
        "nothing changes. Deadlines follow the corrected times. The category changes through reclassify.",
        request=EpisodeUpdateSerializer,
        responses={200: EpisodeSerializer},
        examples=[
            _example(
                "Correct the police reference", {"police_reference": "NP-2026-004513"}, request=True
            ),
            _example("Corrected", {**EPISODE, "police_reference": "NP-2026-004513"}, status=200),
        ],
    ),
    record_return=extend_schema(
        tags=[TAG_EPISODES],
        summary="Record the child's return",
        description="Closes the episode; the safe and well check (24 h) and return interview (72 h) "
        "fall due. A return before the child was last seen is refused (400).",
        examples=[
            _example(
                "Returned",
                {"returned_at": "2026-03-29T10:00:00+01:00", "how_found": "found_by_police"},
                request=True,
            ),
            _example("Closed episode", RETURNED, status=200),
        ],
    ),
    safe_and_well_check=extend_schema(
        tags=[TAG_EPISODES],
        summary="Record a police safe and well check",
        description="After the return: meets the safe_and_well_check deadline (24 h).",
        responses={201: SafeAndWellCheckSerializer},
        examples=[
            _example(
                "Check",
                {
                    "checked_at": "2026-03-29T11:30:00+01:00",
                    "officer_name": "PC 1234 Tester",
                    "concerns": "",
                },
                request=True,
            ),
            _example(
                "Recorded",
                {
                    "id": 9,
                    "episode": 41,
                    "checked_at": "2026-03-29T10:30:00Z",
                    "officer_name": "PC 1234 Tester",
                    "concerns": "",
                },
                status=201,
            ),
        ],
    ),
    reopen=extend_schema(
        tags=[TAG_EPISODES],
        summary="Re-open a returned episode",
        description="Clears a return recorded in error, with the reason (kept, with the cleared "
        "return, in the episode's history). Children's social care staff only: a police key gets "
        "403, and a PATCH never clears a return (409). Refused (409) once a safe and well check or "
        "return interview is recorded against the return.",
        responses={200: EpisodeSerializer},
        examples=[
            _example(
                "Return recorded in error",
                {"reason": "The carer confirmed the young person seen was not Jamie."},
                request=True,
            ),
            _example("Open again", EPISODE, status=200),
        ],
    ),
    confirm_match=extend_schema(
        tags=[TAG_EPISODES],
        summary="Confirm a police force's match of the child",
        description="A force that reported by name and date of birth (`child_details`) sees "
        "only the episode it sent, without the child, until the council confirms the "
        "child is the one on this record. MASH triage and the child's social care confirm it; "
        "from then the force sees the child as for any episode it reported. 409 if the "
        "episode is not awaiting a match; 403 for anyone else who sees the episode. Send "
        "`If-Match` with the episode's ETag.",
        request=None,
        responses={200: EpisodeSerializer},
        examples=[_example("Confirmed", EPISODE, status=200)],
    ),
    reclassify=extend_schema(
        tags=[TAG_EPISODES],
        summary="Reclassify an episode",
        description="Absent to missing, say, with the reason; the history is kept.",
        responses={200: EpisodeSerializer},
        examples=[
            _example(
                "Absent becomes missing",
                {"category": "missing", "reason": "No contact for 6 hours."},
                request=True,
            ),
            _example("Reclassified", EPISODE, status=200),
        ],
    ),
)

mash_referrals = extend_schema_view(
    list=extend_schema(
        tags=[TAG_RISK],
        summary="List MASH referrals",
        description="Open (awaiting triage), triaged, closed. `police_risk` is police's grading, "
        "context for MASH's rating, never the rating.",
        examples=[_example("A page of referrals", MASH_REFERRAL, status=200)],
    ),
    retrieve=extend_schema(
        tags=[TAG_RISK],
        summary="One MASH referral",
        examples=[_example("A referral", MASH_REFERRAL, status=200)],
    ),
)

mash_triages = extend_schema_view(
    list=extend_schema(
        tags=[TAG_RISK],
        summary="List MASH triages",
        examples=[_example("A page of triages", MASH_TRIAGE, status=200)],
    ),
    retrieve=extend_schema(
        tags=[TAG_RISK],
        summary="One MASH triage, with its ETag",
        examples=[_example("A triage", MASH_TRIAGE, status=200)],
    ),
    create=extend_schema(
        tags=[TAG_RISK],
        summary="Triage a MASH referral (RAG rating, threshold level, reason)",
        description="Sets the risk_assessment deadline: reported + 4 h if Red, 24 h Amber, 72 h "
        "Green (Haringey protocol 14.1, 15.3). One triage per referral; correct it with PATCH. "
        "Red needs a reason. MASH triage staff and the Missing Co-ordinator only.",
        examples=[
            _example(
                "Amber",
                _strip(MASH_TRIAGE, "id", "child", "episode", "police_risk_seen", "triaged_by"),
                request=True,
            ),
            _example("Recorded", MASH_TRIAGE, status=201),
        ],
    ),
    partial_update=extend_schema(
        tags=[TAG_RISK],
        summary="Correct a triage (its maker, while the referral is open)",
        description="Send If-Match with the ETag of a GET. The deadline moves with the rating.",
        examples=[
            _example("Now Red", {"rag": "red", "reason": "Seen with older males."}, request=True),
            _example("Corrected", {**MASH_TRIAGE, "rag": "red"}, status=200),
        ],
    ),
)

risk_assessments = extend_schema_view(
    list=extend_schema(
        tags=[TAG_RISK],
        summary="List risk assessments",
        examples=[_example("A page of assessments", RISK_ASSESSMENT, status=200)],
    ),
    create=extend_schema(
        tags=[TAG_RISK],
        summary="Record the missing child risk assessment",
        description="Indicators, analysis (`rationale`), plan and the rating it concludes. Meets "
        "the risk_assessment deadline the MASH triage set; `assessed_at` back-dates it. A child "
        "missing 3 or more times in 6 months needs threshold level 3 or above (Haringey "
        "protocol 14.5).",
        examples=[
            _example(
                "Amber", _strip(RISK_ASSESSMENT, "id", "assessed_at", "referral"), request=True
            ),
            _example("Recorded", RISK_ASSESSMENT, status=201),
        ],
    ),
    retrieve=extend_schema(
        tags=[TAG_RISK],
        summary="One risk assessment, with its ETag",
        examples=[_example("An assessment", RISK_ASSESSMENT, status=200)],
    ),
    partial_update=extend_schema(
        tags=[TAG_RISK],
        summary="Amend an assessment (its assessor, while the referral is open)",
        description="Send If-Match with the ETag of a GET. `assessed_at` corrects the time it "
        "was completed; the deadline it met follows.",
        examples=[
            _example("New plan", {"plan": "Daily contact; police patrol."}, request=True),
            _example(
                "Amended", {**RISK_ASSESSMENT, "plan": "Daily contact; police patrol."}, status=200
            ),
        ],
    ),
)

return_interviews = extend_schema_view(
    list=extend_schema(
        tags=[TAG_RETURNS],
        summary="List return interviews",
        examples=[_example("A page of interviews", RETURN_INTERVIEW, status=200)],
    ),
    create=extend_schema(
        tags=[TAG_RETURNS],
        summary="Record a return interview",
        description="One interview may cover several episodes. `no_engagement` needs the attempts made.",
        examples=[
            _example("Held", _strip(RETURN_INTERVIEW, "id", "updated_at"), request=True),
            _example("Recorded", RETURN_INTERVIEW, status=201),
        ],
    ),
)

strategy_meetings = extend_schema_view(
    list=extend_schema(
        tags=[TAG_MEETINGS],
        summary="List strategy meetings",
        examples=[_example("A page of meetings", STRATEGY_MEETING, status=200)],
    ),
    create=extend_schema(
        tags=[TAG_MEETINGS],
        summary="Record a strategy meeting or discussion",
        examples=[
            _example("Meeting", _strip(STRATEGY_MEETING, "id", "updated_at"), request=True),
            _example("Recorded", STRATEGY_MEETING, status=201),
        ],
    ),
)

deadlines = extend_schema_view(
    list=extend_schema(
        tags=[TAG_DEADLINES],
        summary="List protocol deadlines",
        description="`rule` is a rule id of the protocol (PROTOCOL.md). Filter by child, episode, rule, status.",
        examples=[_example("A page of deadlines", DEADLINE, status=200)],
    ),
)

STRATEGY_ITEM = {
    "kind": "health_alert",
    "decision": "Missing child health alert sent to the GP and school nurse.",
    "owner_name": "Bob Tester",
    "owner_agency": 3,
    "due_on": "2026-03-30",
}

# On the POST mapped to strategy-meetings/{id}/items/{item_pk}/done/.
strategy_item_done = extend_schema(
    tags=[TAG_MEETINGS],
    summary="Record an action of the meeting as done (now)",
    request=None,
    examples=[_example("Done", STRATEGY_ITEM, status=200)],
)

PANEL_REFERRAL = {
    "id": 4,
    "child": 12,
    "panel_kind": "mace",
    "indicators": ["cce_county_lines"],
    "reason": "Seen with older males at the bus station; unexplained phone credit.",
    "referred_at": "2026-03-29T10:00:00Z",
}
panel_referrals = extend_schema_view(
    list=extend_schema(
        summary="List panel referrals",
        examples=[_example("A page of referrals", PANEL_REFERRAL, status=200)],
    ),
    create=extend_schema(
        summary="Refer a child to a panel",
        examples=[
            _example("MACE", _strip(PANEL_REFERRAL, "id", "referred_at"), request=True),
            _example("Referred", PANEL_REFERRAL, status=201),
        ],
    ),
)

MISSING_WITH = {
    "id": 6,
    "episode": 41,
    "other_child": 13,
    "certainty": "believed",
    "note": "Seen together at the bus station.",
    "recorded_at": "2026-03-29T08:00:00Z",
}
missing_with = extend_schema_view(
    list=extend_schema(
        summary="List children missing together",
        examples=[_example("A page of links", MISSING_WITH, status=200)],
    ),
    create=extend_schema(
        summary="Record that another child is missing with this one",
        examples=[
            _example("Believed", _strip(MISSING_WITH, "id", "recorded_at"), request=True),
            _example("Recorded", MISSING_WITH, status=201),
        ],
    ),
)

EPISODE_PLACE = {
    "id": 8,
    "episode": 41,
    "role": "last_seen",
    "place": 5,
    "place_name": "Northwick bus station",
    "place_kind": "station",
    "postcode": "N22 8HQ",
}
episode_places = extend_schema_view(
    list=extend_schema(
        summary="List places in episodes",
        examples=[_example("A page of places", EPISODE_PLACE, status=200)],
    ),
    create=extend_schema(
        summary="Link a place to an episode",
        examples=[
            _example("New place", _strip(EPISODE_PLACE, "id", "place"), request=True),
            _example("Linked", EPISODE_PLACE, status=201),
        ],
    ),
)


# On the POST mapped to children/{id}/photo/ (a mapped method is decorated itself).
upload_photo = extend_schema(
    tags=[TAG_CHILDREN],
    summary="Hold a recent photo of the child",
    description="Base64 JPEG or PNG (judged by content), up to 10 MB; re-encoded as a JPEG so "
    "no metadata survives. The consent of a person with parental responsibility and the "
    "child's view are required (Haringey protocol 7.3). Replaces any photo held, and any "
    "media consent given for it. Children's social care staff only.",
    request=PhotoUploadSerializer,
    responses={201: PhotoSerializer},
    examples=[
        _example(
            "Photo with consent",
            {
                "image": "iVBORw0KGgo...",
                "consent_given_by": "Pat Fictional (mother)",
                "child_agreement": "agreed",
                "taken_on": "2026-03-01",
            },
            request=True,
        ),
        _example("Held", PHOTO, status=201),
    ],
)


TAG_RECORD = "the child's record"


def _record_part(
    noun: str,
    record: dict,
    *,
    create: str,
    serializer,
    correction=None,
    correct: str = "",
    end: str = "",
    end_serializer=EndDateSerializer,
    end_example: dict | None = None,
    end_name: str = "end",
):
    """List, add, correct and end one part of the record kept over time."""
    views = {
        "list": extend_schema(
            tags=[TAG_RECORD],
            summary=f"List {noun} of the children you may see",
            description="Filter by `child`.",
            examples=[_example(f"A page of {noun}", record, status=200)],
        ),
        "retrieve": extend_schema(
            tags=[TAG_RECORD],
            summary=f"Read one of the {noun}, with its ETag",
            description="The ETag is what If-Match names to correct or end it.",
            responses={200: serializer},
            examples=[_example("One", record, status=200)],
        ),
        "create": extend_schema(
            tags=[TAG_RECORD],
            summary=f"Record {noun}",
            description=create,
            request=serializer,
            responses={201: serializer},
            examples=[
                _example(
                    "New",
                    _strip(
                        record,
                        "id",
                        "started_at",
                        "ended_at",
                        "granted_by",
                        "granted_at",
                        "revoked_at",
                    ),
                    request=True,
                ),
                _example("Recorded", record, status=201),
            ],
        ),
        end_name: extend_schema(
            tags=[TAG_RECORD],
            summary=f"End {noun}",
            description=end,
            request=end_serializer,
            responses={200: serializer},
            examples=[
                _example(
                    "End",
                    end_example if end_example is not None else {"end_date": "2026-03-30"},
                    request=True,
                ),
                _example("Ended", record, status=200),
            ],
        ),
    }
    if correction is not None:
        views["partial_update"] = extend_schema(
            tags=[TAG_RECORD],
            summary=f"Correct {noun}",
            description=correct,
            request=correction,
            responses={200: serializer},
            examples=[
                _example("Correct the start date", {"start_date": "2026-03-26"}, request=True),
                _example("Corrected", record, status=200),
            ],
        )
    return extend_schema_view(**views)


legal_statuses = _record_part(
    "legal statuses",
    LEGAL_STATUS,
    create="A legal status from `start_date`, back-dated too: the status open then ends the day "
    "before. Deadlines are re-run: a looked-after status dated back before an episode opens the "
    "escalations it implies (Haringey protocol 15.1, 18.6). Overlapping another period: 409.",
    serializer=LegalStatusSerializer,
    correction=LegalStatusCorrectionSerializer,
    correct="Correct a period's status or dates; deadlines are re-run.",
    end="End the period on `end_date` (today or earlier).",
)
placements = _record_part(
    "placements",
    PLACEMENT,
    create="A placement from `start_date`, back-dated too: the placement open then ends the day "
    "before. An episode is missing from the placement the child was in on the day last seen.",
    serializer=PlacementSerializer,
    correction=PlacementCorrectionSerializer,
    correct="Correct the kind, provider, address, postcode, authorities or dates.",
    end="End the placement on `end_date` (today or earlier).",
)
allocations = _record_part(
    "allocations",
    ALLOCATION,
    create="Allocate the child to a team (and a worker of it): team managers to their own teams, "
    "the Missing Co-ordinator to any team of the authority (403 otherwise). `replacing` names the "
    "allocation a reallocation ends. History is kept: allocations end, they are not changed.",
    serializer=AllocationSerializer,
    end="End the allocation now.",
    end_serializer=EmptySerializer,
    end_example={},
)
access_grants = _record_part(
    "access grants",
    ACCESS_GRANT,
    create="A manager gives one named person access to one child's record until `expires_at` "
    "(within a year), with the reason. Shown on the child's record; every change is audited.",
    serializer=AccessGrantSerializer,
    end="Revoke the access now; the grant stays on record, with who revoked it.",
    end_serializer=EmptySerializer,
    end_example={},
    end_name="revoke",
)


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "application/problem+json (RFC 9457).",
    "properties": {
        "type": {
            "type": "string",
            "format": "uri",
            "description": "A URI naming the kind of problem.",
        },
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages by field name (non_field_errors for the request as a whole).",
        },
    },
    "required": ["type", "title", "status", "detail", "errors"],
}
PROBLEM_EXAMPLES = {
    400: (
        "Refused by the protocol",
        {
            "type": "https://homeward.invalid/problems/absent_under_13",
            "title": "Your request has errors",
            "status": 400,
            "detail": "Jamie was 12 when last seen: a child aged 12 or under whose whereabouts are "
            "unknown is always missing, never absent.",
            "errors": {"category": ["Jamie was 12 when last seen: …"]},
        },
    ),
    401: (
        "No key",
        {
            "type": "https://homeward.invalid/problems/not_authenticated",
            "title": "Authentication required",
            "status": 401,
            "detail": "Authentication credentials were not provided.",
            "errors": {},
        },
    ),
    403: (
        "Not allowed",
        {
            "type": "https://homeward.invalid/problems/not_allowed",
            "title": "Not allowed",
            "status": 403,
            "detail": "You may not reclassify for this child.",
            "errors": {},
        },
    ),
    404: (
        "Not found (or not yours to see)",
        {
            "type": "https://homeward.invalid/problems/not_found",
            "title": "Not found",
            "status": 404,
            "detail": "No Episode matches the given query.",
            "errors": {},
        },
    ),
    409: (
        "Second open episode",
        {
            "type": "https://homeward.invalid/problems/open_episode_exists",
            "title": "Conflict",
            "status": 409,
            "detail": "Jamie already has an open episode (last seen 28 March 2026 at 21:30). Record the return before reporting a new episode.",
            "errors": {"last_seen_at": ["Jamie already has an open episode …"]},
        },
    ),
    412: (
        "Stale If-Match",
        {
            "type": "https://homeward.invalid/problems/precondition_failed",
            "title": "Precondition failed",
            "status": 412,
            "detail": "The record has changed since you read it: fetch it again, then reapply your change.",
            "errors": {},
        },
    ),
    413: (
        "Body too large",
        {
            "type": "https://homeward.invalid/problems/payload_too_large",
            "title": "Request body too large",
            "status": 413,
            "detail": "The request body is too large.",
            "errors": {},
        },
    ),
    428: (
        "No If-Match",
        {
            "type": "https://homeward.invalid/problems/precondition_required",
            "title": "Precondition required",
            "status": 428,
            "detail": "Send If-Match with the record's ETag (from GET on the record) to change "
            "it, so a change made since you read it is not overwritten.",
            "errors": {},
        },
    ),
    415: (
        "Not JSON",
        {
            "type": "https://homeward.invalid/problems/unsupported_media_type",
            "title": "Unsupported media type",
            "status": 415,
            "detail": 'Unsupported media type "text/plain" in request.',
            "errors": {},
        },
    ),
    422: (
        "Idempotency-Key reused",
        {
            "type": "https://homeward.invalid/problems/idempotency_key_reused",
            "title": "Idempotency key reused",
            "status": 422,
            "detail": "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
            "errors": {},
        },
    ),
    429: (
        "Throttled",
        {
            "type": "https://homeward.invalid/problems/throttled",
            "title": "Too many requests",
            "status": 429,
            "detail": "Too many requests for this key. Retry after 30 seconds.",
            "errors": {},
        },
    ),
}
DESCRIPTIONS = {
    400: "Invalid input, or refused by the protocol (the detail says why). Nothing changed.",
    401: "No API key, or a key that is not valid or revoked.",
    403: "You may see this record but not make this change.",
    404: "No such record, or one you may not see.",
    406: "The Accept header names no type this API can send.",
    409: "Conflicts with the record as it stands (a second open episode, a return already "
    "recorded), or a request with this Idempotency-Key is still running. Nothing changed.",
    412: "If-Match does not match the record's current ETag. Nothing changed.",
    413: "The body is larger than the API takes. Nothing changed.",
    415: "The body is not JSON.",
    422: "The Idempotency-Key was used before with a different request.",
    428: "If-Match is missing: a change of an existing record names the ETag it was read at. "
    "Nothing changed.",
    429: "Too many requests for this key: wait for Retry-After seconds.",
}


def _problem_response(code: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[code],
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }
    if code in PROBLEM_EXAMPLES:
        name, value = PROBLEM_EXAMPLES[code]
        response["content"]["application/problem+json"]["examples"] = {
            name.replace(" ", ""): {"summary": name, "value": value}
        }
    if code == 429:
        response["headers"] = {
            "Retry-After": {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before retrying.",
            }
        }
    return response


def add_problem_responses(result, generator, request, public):
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in result.get("paths", {}).items():
        is_detail = "{id}" in path
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = [400, 401, 406, 429]
            if is_detail:
                codes.append(404)
            if method in ("post", "patch"):
                codes += [403, 409, 413, 415]
            if path.startswith("/api/v1/reports/"):
                # Reports are for managers, over the authorities they cover.
                codes.append(403)
            if method == "post":
                codes.append(422)
                operation.setdefault("parameters", []).append(
                    {
                        "in": "header",
                        "name": "Idempotency-Key",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 255},
                        "description": "A unique key (a UUID) per request: a retry with the same key and "
                        "body returns the first response and changes nothing.",
                    }
                )
            if method in ("patch", "put", "delete") or (method == "post" and is_detail):
                # A change of an existing record (api.etags.changes_existing_record).
                codes += [412, 428]
                operation.setdefault("parameters", []).append(
                    {
                        "in": "header",
                        "name": "If-Match",
                        "required": True,
                        "schema": {"type": "string"},
                        "description": "The ETag from your last GET of the record (of this URL "
                        "for a PATCH; of the record the action acts on for a POST): a change "
                        "made since then is refused with 412. Without it: 428. `*` means "
                        "whatever the record is now.",
                    }
                )
            for code in codes:
                responses.setdefault(str(code), _problem_response(code))
            if path.startswith("/api/v1/reports/"):
                responses["403"]["description"] = (
                    "You do not read reports (police, social workers), or you do not cover "
                    "this authority."
                )
            for success in ("200", "201"):
                # Success is application/json; problem+json is for errors only.
                if success in responses:
                    responses[success].get("content", {}).pop("application/problem+json", None)
                if success in responses and (is_detail or method == "post"):
                    responses[success].setdefault("headers", {})["ETag"] = {
                        "schema": {"type": "string"},
                        "description": "The record's version, for If-Match.",
                    }
    return result
