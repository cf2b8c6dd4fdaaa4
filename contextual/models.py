"""Contextual safeguarding: places, children missing together, associates (issue 12).

Children who go missing are exploited by people and in places, often with other children
(Peterborough 2018 4.30-4.34, 4.43; Haringey 2016 2.6.2-2.6.4; Haringey protocol 5.0,
9.1, 18.4-18.5). These records are written once and linked, so the panel joins the dots
without retyping them per child (decision 0013).
"""

from __future__ import annotations

import re

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from agencies.models import Agency
from children.models import Child
from episodes.models import Episode

# A UK postcode: outward code (area, district) and inward code (sector digit, unit).
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9])([A-Z]{2})?$")


def normalise_postcode(value: str) -> tuple[str, str] | None:
    """(postcode or sector as written, its sector), e.g. "n176ab" -> ("N17 6AB", "N17 6");
    a sector alone ("N17 6") is accepted. None if it is neither."""
    text = " ".join(value.upper().split())
    match = POSTCODE.match(text.replace(" ", "")) if text else None
    if match is None:
        return None
    outward, sector_digit, unit = match.groups()
    sector = f"{outward} {sector_digit}"
    return (f"{sector}{unit}" if unit else sector), sector


class PlaceKind(models.TextChoices):
    ADDRESS = "address", "Address"
    PARK = "park", "Park or open space"
    STATION = "station", "Station or transport hub"
    SHOP = "shop", "Shop"
    FAST_FOOD = "fast_food", "Fast food outlet"
    HOTEL = "hotel", "Hotel or short-let"
    CAR_WASH = "car_wash", "Car wash"
    SCHOOL = "school", "School or college"
    OTHER = "other", "Other"


@pghistory.track()
class Place(models.Model):
    """A location, recorded once by an authority and chosen again for other episodes."""

    authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="places")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PlaceKind.choices)
    # A full postcode or only its sector ("N17 6"); blank where neither is known.
    postcode = models.CharField(max_length=10, blank=True)
    postcode_sector = models.CharField(max_length=8, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "postcode"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "name", "postcode"], name="place_once_per_authority"
            )
        ]
        indexes = [
            models.Index(fields=["authority", "postcode_sector"], name="place_authority_sector"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.postcode}" if self.postcode else self.name


class PlaceRole(models.TextChoices):
    LAST_SEEN = "last_seen", "Last seen"
    FOUND = "found", "Found"
    WHEREABOUTS = "whereabouts", "Reported whereabouts while missing"


@pghistory.track()
class EpisodePlace(models.Model):
    """A place in an episode: where the child was last seen, found, or reported to be."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="places")
    # The episode's child, kept on the row so the place page and hotspots filter by the
    # reader's visibility and the authority with one indexed join.
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="episode_links")
    role = models.CharField(max_length=20, choices=PlaceRole.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "place", "role"], name="episode_place_once_per_role"
            )
        ]
        indexes = [
            models.Index(fields=["place", "child"], name="episode_place_place_child"),
            models.Index(fields=["child"], name="episode_place_child"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.place}"


class Certainty(models.TextChoices):
    KNOWN = "known", "Known"
    BELIEVED = "believed", "Believed"


@pghistory.track()
class MissingWith(models.Model):
    """During `episode`, its child was known or believed to be with `other_child`."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="missing_with")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    other_child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    certainty = models.CharField(max_length=10, choices=Certainty.choices)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "other_child"], name="missing_with_once_per_episode"
            ),
            models.CheckConstraint(
                condition=~Q(child=F("other_child")), name="missing_with_another_child"
            ),
        ]
        indexes = [
            models.Index(fields=["child"], name="missing_with_child"),
            models.Index(fields=["other_child"], name="missing_with_other_child"),
        ]

    def __str__(self) -> str:
        return f"Missing with another child ({self.get_certainty_display()})"


class AgeGroup(models.TextChoices):
    ADULT = "adult", "Adult"
    CHILD = "child", "Child"
    UNKNOWN = "unknown", "Not known"


@pghistory.track()
class Associate(models.Model):
    """A person linked to one or more children, recorded once by an authority."""

    authority = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="associates")
    name = models.CharField(max_length=200)
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices)
    description = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["authority", "name"], name="associate_authority_name")]

    def __str__(self) -> str:
        return self.name


class Nature(models.TextChoices):
    CONCERN = "concern", "Of concern"
    SUPPORT = "support", "Of support"


class SourceEvaluation(models.TextChoices):
    """The 3x5x2 model's source evaluation (College of Policing APP, intelligence)."""

    RELIABLE = "1", "1: Reliable"
    UNTESTED = "2", "2: Untested"
    NOT_RELIABLE = "3", "3: Not reliable"


class IntelligenceAssessment(models.TextChoices):
    """The 3x5x2 model's intelligence assessment."""

    KNOWN_DIRECTLY = "A", "A: Known directly to the source"
    KNOWN_INDIRECTLY_CORROBORATED = "B", "B: Known indirectly, corroborated"
    KNOWN_INDIRECTLY = "C", "C: Known indirectly, not corroborated"
    NOT_KNOWN = "D", "D: Not known"
    SUSPECTED_FALSE = "E", "E: Suspected to be false"


# A link graded 1A or 1B is treated as established; everything else is unverified and is
# shown as such (decision 0013).
VERIFIED_GRADES = frozenset({("1", "A"), ("1", "B")})


@pghistory.track()
class AssociateLink(models.Model):
    """What one source says links a child and an associate, graded 3x5x2 (decision 0013)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="associate_links")
    associate = models.ForeignKey(Associate, on_delete=models.PROTECT, related_name="links")
    nature = models.CharField(max_length=10, choices=Nature.choices)
    role = models.CharField(max_length=200, help_text="e.g. older boyfriend, 'uncle', youth worker")
    how_known = models.CharField(max_length=500)
    source = models.CharField(max_length=200, help_text="who said so, e.g. police intelligence")
    source_evaluation = models.CharField(max_length=1, choices=SourceEvaluation.choices)
    intelligence_assessment = models.CharField(max_length=1, choices=IntelligenceAssessment.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [
            models.Index(fields=["child"], name="associate_link_child"),
            models.Index(fields=["associate"], name="associate_link_associate"),
        ]

    def __str__(self) -> str:
        return f"{self.associate} ({self.grade})"

    @property
    def grade(self) -> str:
        return f"{self.source_evaluation}{self.intelligence_assessment}"

    @property
    def is_verified(self) -> bool:
        return (self.source_evaluation, self.intelligence_assessment) in VERIFIED_GRADES
