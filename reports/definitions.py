"""The columns, bands and labels of the committee tables, named once for every output."""

from __future__ import annotations

from children.models import LegalStatusKind, PlacementKind, Sex
from core.numbers import whole_number
from protocol.models import Rule

AgeBand = tuple[int, int]

# Peterborough 2023 4.1 and 4.3 band ages at last seen so; a council may choose others.
AGE_BANDS: tuple[AgeBand, ...] = ((0, 9), (10, 12), (13, 15), (16, 17))

# The category columns of the committee tables, by the episode's category at period end.
CATEGORY_COLUMNS: dict[str, str] = {
    "missing_from_home": "Missing from home",
    "missing_from_placement": "Missing from placement",
    "away_without_authorisation": "Away from placement without authorisation",
    "absent": "Absent",
}

DURATION_BANDS: dict[str, str] = {
    "under_24_hours": "Under 24 hours",
    "one_day": "1 day (24 to under 48 hours)",
    "two_days": "2 days (48 to under 72 hours)",
    "three_days_or_more": "3 days or more",
    "still_missing": "Still missing at period end",
}

# Children by number of episodes in the period (Peterborough 2023 4.9): label, low, high.
EPISODE_COUNT_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4", 4, 4),
    ("5-9", 5, 9),
    ("10+", 10, None),
)

# Exploitation concerns: the risk assessment indicator, and the return interview pull
# factor that records the same concern (if any).
EXPLOITATION: dict[str, tuple[str, str]] = {
    "cse": ("cse", "exploitation"),
    "cce_county_lines": ("cce_county_lines", ""),
    "gangs": ("gangs", "gang"),
    "trafficking": ("trafficking", ""),
    "radicalisation": ("radicalisation", ""),
}
EXPLOITATION_LABELS: dict[str, str] = {
    "cse": "Child sexual exploitation (CSE) or exploitation recorded at interview",
    "cce_county_lines": "Child criminal exploitation (CCE) and county lines",
    "gangs": "Gang association",
    "trafficking": "Trafficking or modern slavery",
    "radicalisation": "Radicalisation",
    "any": "Any of these",
}

# A returned episode's interview, in order of precedence when several interviews cover it.
RETURN_INTERVIEW_OUTCOMES: dict[str, str] = {
    "held_within_72_hours": "Held within 72 hours",
    "held_late": "Held late",
    "declined": "Declined",
    "no_engagement": "No engagement",
    "awaiting_outcome": "Offered, outcome not yet recorded",
    "not_offered": "Not offered",
}

COMPLIANCE_OUTCOMES: dict[str, str] = {
    "met_on_time": "Met on time",
    "met_late": "Met late",
    "breached": "Breached",
    "open": "Still open",
    "cancelled": "Cancelled",
}

SEX_LABELS: dict[str, str] = dict(Sex.choices)
LEGAL_STATUS_LABELS: dict[str, str] = dict(LegalStatusKind.choices)
PLACEMENT_LABELS: dict[str, str] = {**dict(PlacementKind.choices), "none": "No placement recorded"}
RULE_LABELS: dict[str, str] = dict(Rule.choices)


def parse_age_bands(text: str) -> tuple[AgeBand, ...]:
    """ "0-9, 10-12" -> ((0, 9), (10, 12)); ValueError with a sentence if it is not that."""
    bands: list[AgeBand] = []
    for part in text.split(","):
        low, sep, high = part.strip().partition("-")
        low_age, high_age = (
            whole_number(low.strip(), max_digits=3),
            whole_number(high.strip(), max_digits=3),
        )
        if not sep or low_age is None or high_age is None:
            raise ValueError("Enter age bands like 0-9, 10-12, 13-15, 16-17")
        band = (low_age, high_age)
        if band[0] > band[1] or (bands and band[0] <= bands[-1][1]):
            raise ValueError("Age bands must go up and must not overlap, like 0-9, 10-12")
        bands.append(band)
    return tuple(bands)
