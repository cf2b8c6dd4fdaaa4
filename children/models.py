"""The child: identity, profile, legal status over time, placements, allocation, access."""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Func, Q
from guardian.models import UserObjectPermissionBase

from agencies.models import Agency, Team
from core.clock import age_on


class DateRange(Func):
    """daterange(start, end, '[]'): an open-ended period has a NULL end (infinite)."""

    function = "DATERANGE"
    output_field = DateRangeField()


def _period(start: str, end: str) -> DateRange:
    # Periods include both end dates: a placement ending 3 May and one starting 3 May
    # overlap by a day, which the SSDA903 return also refuses.
    return DateRange(start, end, models.Value("[]"))


class Fold(Func):
    """A name as search compares it: without accents, in lower case ("Zoë" is "zoe").

    `homeward_fold` is an IMMUTABLE SQL wrapper of `unaccent` (children migration 0006;
    unaccent itself is only STABLE, so no index or generated column may use it). The
    child's names are kept folded in stored generated columns (`Child.*_folded`), whose
    trigram indexes serve the search's LIKE and similarity tests (issue 13)."""

    function = "homeward_fold"
    output_field = models.TextField()


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class Disability(models.TextChoices):
    """Whether the child has a disability, as the children in need census asks it."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known"


class ChildAgreement(models.TextChoices):
    """The child's own view of a photo being held (Haringey protocol 7.3: "if possible")."""

    AGREED = "agreed", "The child agreed"
    DID_NOT_AGREE = "did_not_agree", "The child did not agree"
    NOT_POSSIBLE = "not_possible", "It was not possible to ask the child"


class Ethnicity(models.TextChoices):
    """The DfE census ethnicity groups, as the SSDA903 return codes them."""

    WHITE_BRITISH = "WBRI", "White British"
    WHITE_IRISH = "WIRI", "White Irish"
    WHITE_OTHER = "WOTH", "Any other White background"
    TRAVELLER_IRISH = "WIRT", "Traveller of Irish heritage"
    ROMA = "WROM", "Gypsy / Roma"
    MIXED_WHITE_CARIBBEAN = "MWBC", "White and Black Caribbean"
    MIXED_WHITE_AFRICAN = "MWBA", "White and Black African"
    MIXED_WHITE_ASIAN = "MWAS", "White and Asian"
    MIXED_OTHER = "MOTH", "Any other mixed background"
    INDIAN = "AIND", "Indian"
    PAKISTANI = "APKN", "Pakistani"
    BANGLADESHI = "ABAN", "Bangladeshi"
    ASIAN_OTHER = "AOTH", "Any other Asian background"
    CARIBBEAN = "BCRB", "Caribbean"
    AFRICAN = "BAFR", "African"
    BLACK_OTHER = "BOTH", "Any other Black background"
    CHINESE = "CHNE", "Chinese"
    OTHER = "OOTH", "Any other ethnic group"
    REFUSED = "REFU", "Refused"
    NOT_OBTAINED = "NOBT", "Information not yet obtained"


# The folded names are derived columns, not facts: they have no history of their own.
@pghistory.track(exclude=["given_name_folded", "family_name_folded", "known_as_folded"])
class Child(models.Model):
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    known_as = models.CharField(max_length=100, blank=True)
    # The names as search compares them (`Fold`), kept by PostgreSQL itself on every write
    # (stored generated columns): a search tests thousands of rows, and folding each name
    # as it goes cost 2 to 4 microseconds a call (issue 13: the police liaison officer's
    # family-name search spent 120 ms folding 9,700 candidates).
    given_name_folded = models.GeneratedField(
        expression=Fold("given_name"), output_field=models.TextField(), db_persist=True
    )
    family_name_folded = models.GeneratedField(
        expression=Fold("family_name"), output_field=models.TextField(), db_persist=True
    )
    known_as_folded = models.GeneratedField(
        expression=Fold("known_as"), output_field=models.TextField(), db_persist=True
    )
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=20, choices=Sex.choices, default=Sex.NOT_KNOWN)
    ethnicity = models.CharField(
        max_length=4, choices=Ethnicity.choices, default=Ethnicity.NOT_OBTAINED
    )
    is_uasc = models.BooleanField(
        "unaccompanied asylum-seeking child",
        default=False,
        help_text="Haringey protocol 16: the Home Office is told within 24 hours of a missing episode.",
    )
    responsible_authority = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="children_responsible_for"
    )
    # The council's own id for the child (its case management system's): the SSDA903
    # return's CHILD column. Unique within the responsible authority, blank until known.
    local_child_id = models.CharField("council's child ID", max_length=20, blank=True)
    disability = models.CharField(
        max_length=10, choices=Disability.choices, default=Disability.NOT_KNOWN
    )
    disability_details = models.CharField(max_length=500, blank=True)
    # Children missing education (HERTS; Haringey protocol 20): the DfE unique pupil number
    # and the school the child attends.
    upn = models.CharField("unique pupil number (UPN)", max_length=13, blank=True)
    school = models.CharField(max_length=200, blank=True)
    # Philomena profile, Part 1, kept by the carer: what police need at the first call
    # (Haringey protocol 12.1, 13.1).
    description = models.TextField("physical description", blank=True)
    clothing_style = models.TextField("usual clothing style", blank=True)
    known_associates = models.TextField(blank=True)
    places_frequented = models.TextField(blank=True)
    phone_numbers = models.TextField(blank=True)
    social_media = models.TextField(blank=True)
    health_needs = models.TextField("medical and health needs", blank=True)
    previous_episodes_summary = models.TextField("previous missing episodes", blank=True)
    # A recent photo, held only with the recorded consent of a person with parental
    # responsibility and the child's view (Haringey protocol 7.3). The file lives in
    # private storage (MEDIA_ROOT, never under static) and is served only by an
    # access-checked view that logs each viewing.
    photo = models.FileField(upload_to="child-photos/", blank=True)
    photo_consent_given_by = models.CharField(max_length=200, blank=True)
    photo_consent_recorded_at = models.DateTimeField(null=True, blank=True)
    photo_child_agreement = models.CharField(
        max_length=20, choices=ChildAgreement.choices, blank=True
    )
    photo_taken_on = models.DateField(null=True, blank=True)
    photo_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Haringey protocol 7.4: police publish a photo in the media only with the local
    # authority's consent, recorded separately from the consent to hold it.
    photo_media_consent_at = models.DateTimeField(null=True, blank=True)
    photo_media_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    photo_media_consent_reason = models.CharField(max_length=500, blank=True)
    # Set by the audited erasure past retention (casework.erasure, decision 0016): the
    # identifying details are gone; what the statistics count (date of birth, sex,
    # ethnicity, the episodes' dates and categories) stays.
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name_plural = "children"
        ordering = ["family_name", "given_name"]
        permissions = [
            ("view_child_record", "May view this child's record (ad-hoc grant)"),
            # The records officer (information governance), given through a group in the
            # admin: reviews records past retention and erases them (decision 0016).
            ("review_retention", "May review records past retention and erase them"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(photo="") | Q(photo_consent_recorded_at__isnull=False),
                name="child_photo_requires_consent",
                violation_error_message="A photo may be held only with recorded consent.",
            ),
            models.UniqueConstraint(
                fields=["responsible_authority", "local_child_id"],
                condition=~Q(local_child_id=""),
                name="child_local_id_unique_in_authority",
                violation_error_message="Another child of this authority has this ID.",
            ),
        ]
        indexes = [
            models.Index(fields=["date_of_birth"], name="child_date_of_birth"),
            GinIndex(
                name="child_name_trigram",
                fields=["family_name", "given_name"],
                opclasses=["gin_trgm_ops", "gin_trgm_ops"],
            ),
            # Search by name (children.selectors.find_children) tests these columns.
            GinIndex(
                fields=["family_name_folded"],
                opclasses=["gin_trgm_ops"],
                name="child_family_folded_trgm",
            ),
            GinIndex(
                fields=["given_name_folded"],
                opclasses=["gin_trgm_ops"],
                name="child_given_folded_trgm",
            ),
            GinIndex(
                fields=["known_as_folded"],
                opclasses=["gin_trgm_ops"],
                name="child_known_as_folded_trgm",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: dt.date) -> int:
        return age_on(self.date_of_birth, day)


class LegalStatusKind(models.TextChoices):
    LOOKED_AFTER = "looked_after", "Looked after (CLA)"
    CHILD_PROTECTION = "child_protection", "Child protection plan"
    CHILD_IN_NEED = "child_in_need", "Child in need"
    # Haringey protocol 2.2, 18.6: a care leaver who goes missing is still the council's.
    CARE_LEAVER = "care_leaver", "Care leaver"
    NONE = "none", "None"


@pghistory.track()
class LegalStatus(models.Model):
    """A child's legal status for a period. Periods of one child never overlap."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="legal_statuses")
    status = models.CharField(max_length=30, choices=LegalStatusKind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["child", "-start_date"]
        verbose_name_plural = "legal statuses"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="legal_status_ends_after_start",
            ),
            ExclusionConstraint(
                name="legal_status_periods_do_not_overlap",
                expressions=[
                    ("child", RangeOperators.EQUAL),
                    (_period("start_date", "end_date"), RangeOperators.OVERLAPS),
                ],
                violation_error_message="A child has one legal status at a time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} from {self.start_date}"


class PlacementKind(models.TextChoices):
    HOME = "home", "Living at home"
    FOSTER = "foster", "Foster care"
    RESIDENTIAL = "residential", "Residential children's home"
    SEMI_INDEPENDENT = "semi_independent", "Semi-independent"
    OTHER = "other", "Other"


@pghistory.track()
class Placement(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placements")
    kind = models.CharField(max_length=30, choices=PlacementKind.choices)
    placing_authority = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="placements_made"
    )
    host_authority = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="placements_hosted"
    )
    name = models.CharField("placement or carer", max_length=200, blank=True)
    provider = models.CharField("provider", max_length=200, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    carer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placements_cared_for",
        help_text="The carer, where they use Homeward (a return interview by them is not independent).",
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["child", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="placement_ends_after_start",
            ),
            ExclusionConstraint(
                name="placements_do_not_overlap",
                expressions=[
                    ("child", RangeOperators.EQUAL),
                    (_period("start_date", "end_date"), RangeOperators.OVERLAPS),
                ],
                violation_error_message="A child has one placement at a time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.start_date}"

    @property
    def is_out_of_area(self) -> bool:
        return self.placing_authority_id != self.host_authority_id


@pghistory.track()
class Allocation(models.Model):
    """A child allocated to a team, with a named worker. The team's members see the child."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="allocations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="allocations")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["child", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "team"],
                condition=Q(ended_at__isnull=True),
                name="allocation_one_current_per_team",
                violation_error_message="The child is already allocated to this team.",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="allocation_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["team", "child"],
                condition=Q(ended_at__isnull=True),
                name="allocation_current_by_team",
            ),
            models.Index(
                fields=["worker", "child"],
                condition=Q(ended_at__isnull=True),
                name="allocation_current_by_worker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} → {self.team}"


@pghistory.track()
class ChildLink(models.Model):
    """A practitioner linked to a child: the child's IRO (or child protection adviser) or a
    partner agency's practitioner (health, school, youth justice, the commissioned return
    interview provider). They see this child, and only what their role needs
    (children.permissions.SIGHT_ROLES); made and ended by the child's social worker or
    manager (children.services.link_practitioner), with history."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="child_links"
    )
    role = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["child", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "user", "role"],
                condition=Q(ended_at__isnull=True),
                name="child_link_one_current",
                violation_error_message="This person is already linked to the child in this role.",
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "child"],
                condition=Q(ended_at__isnull=True),
                name="child_link_current_by_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} linked to child {self.child_id} as {self.role}"


@pghistory.track()
class ChildAccessGrant(UserObjectPermissionBase):
    """An ad-hoc grant of one child's record to one named person, until it expires.

    django-guardian's direct foreign-key table (never the generic one): an out-of-area
    social worker, a panel member, an independent return interviewer.
    """

    content_object = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="access_grants"
    )
    expires_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    # A revoked grant keeps its row (and its history): it expires at the revocation.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [
            models.Index(fields=["user", "content_object", "expires_at"], name="grant_lookup")
        ]


class RecordAccess(models.Model):
    """An access event: who opened which child's record, when, and through what."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="record_accesses"
    )
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="record_accesses")
    accessed_at = models.DateTimeField(db_index=True)
    via = models.CharField(max_length=300, help_text="The page or endpoint, e.g. GET /children/12/")
    channel = models.CharField(max_length=10, choices=[("web", "Web"), ("api", "API")])
    # What of the child's record the page or endpoint showed: "episode:12", "child:3"
    # (an API list names every id it returned).
    records = ArrayField(models.CharField(max_length=60), default=list, blank=True)

    class Meta:
        ordering = ["-accessed_at"]
        indexes = [models.Index(fields=["child", "-accessed_at"], name="record_access_by_child")]

    def __str__(self) -> str:
        # The child by reference: this is what the admin shows (no case data there).
        return f"{self.user} opened child {self.child_id} at {self.accessed_at:%Y-%m-%d %H:%M}"


class Erasure(models.Model):
    """The audit of an erasure past retention: who erased which record, when, why, under
    which retention rule. Append-only for the application's database role (decision 0016)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="erasures")
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    erased_at = models.DateTimeField()
    record_kind = models.CharField(max_length=40)
    retention_until = models.DateField()
    reason = models.CharField(max_length=500)
    # How many rows of each table were anonymised, e.g. {"episodes.Episode": 3}.
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Child {self.child_id} erased by {self.erased_by} on {self.erased_at:%Y-%m-%d}"
