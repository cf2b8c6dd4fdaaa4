"""The protocol's numbers, in one typed object (PROTOCOL.md: "Every number below is a default").

`protocol_settings()` reads `settings.PROTOCOL` each call, so a test's `settings` fixture
or a local authority's configuration changes behaviour with no code change. An unknown
key or a value of the wrong type fails loudly, naming the key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class ProtocolSettings:
    # risk_assessment: reported + 4 h Red, 24 h Amber, 72 h Green or unrated (HAR 6.1, 14.1, 15.3)
    risk_assessment_red_hours: float = 4
    risk_assessment_amber_hours: float = 24
    risk_assessment_green_hours: float = 72
    risk_assessment_unrated_hours: float = 72
    # absent_review: absent becomes missing after 24 h without contact (HAR 6.2)
    absent_review_hours: float = 24
    # manager_escalation: a looked-after child missing 24 h (HAR 15.1, 18.6)
    manager_escalation_hours: float = 24
    # strategy_meeting: missing over 24 h -> within 24 h; 3rd episode in 90 days -> 5 days (PBO 4.10)
    strategy_meeting_missing_hours: float = 24
    strategy_meeting_after_missing_hours: float = 24
    repeat_episode_count: int = 3
    repeat_window_days: int = 90
    strategy_meeting_repeat_days: int = 5
    # strategy_discussion: missing 5 successive days (120 h) -> within 24 h (HAR 14.6)
    strategy_discussion_missing_hours: float = 120
    strategy_discussion_within_hours: float = 24
    # strategy_review: every 42 days while still missing (HAR 18.3)
    strategy_review_days: int = 42
    # mash_threshold: 3+ episodes in 6 months -> threshold level 3 or above (HAR 14.5)
    mash_threshold_episode_count: int = 3
    mash_threshold_window_months: int = 6
    mash_threshold_minimum_level: int = 3
    # safe_and_well_check: returned + 24 h (local default; HAR 21.1)
    safe_and_well_check_hours: float = 24
    # return_interview: returned + 72 h (HAR 22.2; DfE 2014)
    return_interview_hours: float = 72
    return_interview_scope: Literal["every_episode", "criteria"] = "every_episode"
    # With scope "criteria" (HERTS), one criterion is an episode longer than this.
    return_interview_criteria_missing_hours: float = 24
    # panel_referral: rated Red -> referred to the exploitation panel within 7 days (HAR 18.5)
    panel_referral_days: int = 7
    # senior_review: missing 3 calendar months (HAR 18.6)
    senior_review_months: int = 3
    # home_office_notice: UASC missing -> reported + 24 h (HAR 16.1-16.4)
    home_office_notice_hours: float = 24
    # police_report_check: a missing-from-home episode recorded with no report to police is
    # checked within 1 hour of being recorded (local default; HAR 12.4, 12.6, 19.1)
    police_report_check_hours: float = 1
    # A child placed out of area is seen by the host authority's Missing Co-ordinator and
    # Assistant Director while an episode is open and this many days after it closes
    # (a local default; HAR 17.2-17.4 expect the host to act while the child is missing).
    host_authority_sight_days: int = 7
    # The due-soon warning, as the share of the window that has passed (0.75: three quarters).
    due_soon_fraction: float = 0.75

    def hours(self, name: str) -> dt.timedelta:
        return dt.timedelta(hours=float(getattr(self, name)))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_FIELDS = {field.name: field for field in dataclasses.fields(ProtocolSettings)}
# The declared type of each setting (annotations are strings here: `from __future__`);
# a float field whose default is written `4` still takes 4.5. Choices (Literal) are text.
_TYPES: dict[str, type] = {
    name: {"int": int, "float": float}.get(str(field.type), str) for name, field in _FIELDS.items()
}


def build_protocol_settings(overrides: Any) -> ProtocolSettings:
    """The defaults with `overrides` applied; ImproperlyConfigured names any bad key."""
    if not isinstance(overrides, dict):
        raise ImproperlyConfigured(
            f"PROTOCOL must be a mapping of setting names to values, not {type(overrides).__name__}"
        )
    unknown = sorted(str(key) for key in set(overrides) - set(_FIELDS))
    if unknown:
        raise ImproperlyConfigured(f"PROTOCOL has unknown settings: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in overrides.items():
        expected = _TYPES[name]
        # bool is an int to Python, but `True` is never a number of hours.
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if expected is float and numeric:
            value = float(value)
        elif expected is int and not (numeric and isinstance(value, int)):
            raise ImproperlyConfigured(f"PROTOCOL[{name!r}] must be a whole number, not {value!r}")
        elif expected is float and not numeric:
            raise ImproperlyConfigured(f"PROTOCOL[{name!r}] must be a number, not {value!r}")
        elif expected is str and not isinstance(value, str):
            raise ImproperlyConfigured(f"PROTOCOL[{name!r}] must be text, not {value!r}")
        if expected in (int, float) and not (math.isfinite(value) and value > 0):
            raise ImproperlyConfigured(f"PROTOCOL[{name!r}] must be positive, not {value!r}")
        values[name] = value
    if values.get("return_interview_scope", "every_episode") not in ("every_episode", "criteria"):
        raise ImproperlyConfigured(
            "PROTOCOL['return_interview_scope'] must be 'every_episode' or 'criteria', not "
            f"{values['return_interview_scope']!r}"
        )
    if not 0 < values.get("due_soon_fraction", 0.75) < 1:
        raise ImproperlyConfigured(
            f"PROTOCOL['due_soon_fraction'] must be between 0 and 1, not {values['due_soon_fraction']!r}"
        )
    if not 1 <= values.get("mash_threshold_minimum_level", 3) <= 4:
        raise ImproperlyConfigured(
            "PROTOCOL['mash_threshold_minimum_level'] is a threshold level, 1 to 4, not "
            f"{values['mash_threshold_minimum_level']!r}"
        )
    return dataclasses.replace(ProtocolSettings(), **values)


def protocol_settings() -> ProtocolSettings:
    return build_protocol_settings(getattr(settings, "PROTOCOL", None) or {})
