"""Forms for reporting an episode, recording the return and the safe and well check,
reclassifying, and marking an episode entered in error.

Times are asked as a GOV.UK date (day, month, year) and a 24-hour time, read as the
clocks in the UK showed them (Europe/London). A time the spring clock change skipped is
refused; a time the autumn change repeated is asked again with "BST or GMT".
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms

from agencies.models import Agency, AgencyKind
from children.forms import DateGroup, DateParts
from core.clock import AmbiguousLocalTime, NonExistentLocalTime, london_wall_time
from core.forms import BoundedForm, RecordVersionMixin
from episodes.models import (
    Category,
    HowFound,
    InformationKind,
    MissingFrom,
    MissingReason,
    PoliceRisk,
    ReturnConcern,
)

TIME = re.compile(r"^\s*(\d{1,2})[:.]?(\d{2})\s*$")
CLOCK_CHOICES = [
    ("bst", "BST (British Summer Time, the first time)"),
    ("gmt", "GMT (the second time, after the clocks went back)"),
]


class LondonTimesForm(BoundedForm):
    """A form with DateTimeParts: remembers which times must say BST or GMT."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clock_asked: set[str] = set()


class DateTimeParts(DateParts):
    """A GOV.UK date input plus a time box, and the BST / GMT question when it is needed."""

    def add_to(self, form: forms.Form) -> None:
        super().add_to(form)
        form.fields[f"{self.prefix}_time"] = forms.CharField(
            label="Time", required=False, max_length=5
        )
        form.fields[f"{self.prefix}_clock"] = forms.ChoiceField(
            label="The clocks went back that night: was this the first or the second time?",
            choices=CLOCK_CHOICES,
            required=False,
            widget=forms.RadioSelect,
        )

    def group(self, form: forms.Form) -> DateGroup:
        assert isinstance(form, LondonTimesForm)
        group = super().group(form)
        group.time = form[f"{self.prefix}_time"]
        # Asked only when the time happened twice (or the answer is being re-shown).
        asked = self.prefix in form.clock_asked or bool(
            form.is_bound and form.data.get(f"{self.prefix}_clock")
        )
        group.clock = form[f"{self.prefix}_clock"] if asked else None
        return group

    def clean_instant(self, form: LondonTimesForm, *, required: bool = True) -> dt.datetime | None:
        day = self.clean(form, required=required)
        raw_time = (form.cleaned_data.get(f"{self.prefix}_time") or "").strip()
        if day is None:
            return None
        if not raw_time:
            form.add_error(f"{self.prefix}_time", f"Enter the time of the {self.legend.lower()}")
            return None
        match = TIME.match(raw_time)
        hour, minute = (int(match.group(1)), int(match.group(2))) if match else (99, 99)
        if hour > 23 or minute > 59:
            form.add_error(
                f"{self.prefix}_time",
                "Enter the time in 24-hour hours and minutes, for example 14:30",
            )
            return None
        naive = dt.datetime(day.year, day.month, day.day, hour, minute)  # noqa: DTZ001 (London wall time, made aware below)
        clock = form.cleaned_data.get(f"{self.prefix}_clock") or ""
        try:
            return london_wall_time(naive, fold={"bst": 0, "gmt": 1}.get(clock))
        except NonExistentLocalTime as error:
            form.add_error(
                f"{self.prefix}_time",
                f"{str(error)[0].upper()}{str(error)[1:]} from 01:00 to 02:00. Check the time",
            )
        except AmbiguousLocalTime as error:
            form.clock_asked.add(self.prefix)
            form.add_error(f"{self.prefix}_clock", f"{error}")
        return None


def _text(label: str, required: bool = False, message: str = "", **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=300,
        error_messages={"required": message} if message else {},
        widget=forms.TextInput(attrs=attrs),
    )


def _reason_fields() -> dict[str, forms.Field]:
    """The coded reason for going missing (issue 12), on the report and return forms."""
    return {
        "reason": forms.ChoiceField(
            label="Reason for going missing (optional)",
            choices=[("", "Not known yet"), *MissingReason.choices],
            required=False,
            widget=forms.RadioSelect,
        ),
        "reason_other": _text("If other, what was the reason?"),
    }


def _clean_reason(form: forms.Form, data: dict) -> None:
    if data.get("reason") == MissingReason.OTHER and not (data.get("reason_other") or "").strip():
        form.add_error("reason_other", "Say what the other reason is")
    if (data.get("reason_other") or "").strip() and data.get("reason") != MissingReason.OTHER:
        form.add_error("reason_other", 'Choose "Other" to give the reason in words')


class ReportEpisodeForm(LondonTimesForm):
    last_seen_location = _text(
        "Where were they last seen?",
        required=True,
        message="Enter where the child was last seen",
    )
    # Optional: left empty, it follows the child's placement on the date last seen.
    missing_from = forms.ChoiceField(
        label="Missing from",
        choices=MissingFrom.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="Leave this empty to use the child's placement on the date last seen.",
    )
    circumstances = forms.CharField(
        label="Circumstances",
        required=False,
        help_text="What happened, who they may be with, and any risk you know of.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Philomena profile, Part 2 (with the circumstances): what police ask at the first call.
    clothing_when_last_seen = forms.CharField(
        label="Clothing when last seen (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    who_with = forms.CharField(
        label="Who they may be with (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    category = forms.ChoiceField(
        label="Is the child missing or absent?",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the child is missing or absent"},
    )
    reported_to_police = forms.ChoiceField(
        label="Has this been reported to the police?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether this has been reported to the police"},
    )
    police_force = forms.ModelChoiceField(
        label="Police force (optional)",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Not known",
    )
    police_reference = _text("Police reference (optional)", spellcheck="false")
    police_risk = forms.ChoiceField(
        label="Police risk grading (optional)",
        choices=[("", "Not graded yet"), *PoliceRisk.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text="As police graded it (College of Policing APP).",
    )

    last_seen_parts = DateTimeParts(
        "last_seen",
        "Date and time last seen",
        "For example, 27 3 2026 and 14:30, as UK clocks showed it",
    )

    def __init__(self, *args, child, age: int, is_looked_after: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_reason_fields())
        self.child = child
        self.last_seen_parts.add_to(self)
        police_force = self.fields["police_force"]
        assert isinstance(police_force, forms.ModelChoiceField)
        police_force.queryset = Agency.objects.filter(kind=AgencyKind.POLICE_FORCE).order_by("name")
        # Every category is accepted (so that a posted "absent" for a child aged 12 or under
        # reaches the service and is refused with its reason), but only the ones that can
        # apply are offered.
        offered = [(Category.MISSING, "Missing: whereabouts cannot be established")]
        if age >= 13:
            offered.append(
                (
                    Category.ABSENT,
                    "Absent: not where they should be, with no concern for their immediate safety",
                )
            )
        if is_looked_after:
            offered.append(
                (
                    Category.AWAY_WITHOUT_AUTHORISATION,
                    "Away from placement without authorisation: whereabouts known",
                )
            )
        self.fields["category"].widget.choices = offered
        self.absent_offered = age >= 13
        if not self.absent_offered:
            self.fields["category"].help_text = (
                f"{child.given_name} is {age}: a child aged 12 or under whose whereabouts are "
                "unknown is always missing, never absent."
            )
        order = [f"last_seen_{part}" for part in ("day", "month", "year", "time", "clock")]
        self.order_fields(order)

    @property
    def last_seen_group(self) -> DateGroup:
        return self.last_seen_parts.group(self)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["last_seen_at"] = self.last_seen_parts.clean_instant(self)
        if cleaned.get("reported_to_police") != "yes":
            cleaned["police_force"] = None
        _clean_reason(self, cleaned)
        return cleaned


SERVICE_FIELDS = {
    "last_seen_at": "last_seen_day",
    "reported_at": "last_seen_day",
    "returned_at": "returned_day",
    "checked_at": "checked_day",
    "reported_to_police_at": "reported_to_police",
}


class ReturnForm(RecordVersionMixin, LondonTimesForm):
    return_location = _text("Where were they found, or where did they return to?")
    how_found = forms.ChoiceField(
        label="How did they return?",
        choices=HowFound.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the child returned"},
    )
    how_found_details = forms.CharField(
        label="Where and how were they found? (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    found_with = forms.CharField(
        label="Who were they with? (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    return_concerns = forms.MultipleChoiceField(
        label="What is known of the time away?",
        choices=ReturnConcern.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply, known or believed. Where the council uses the "
        "Hertfordshire criteria, any of these means a return interview visit.",
    )
    returned_parts = DateTimeParts(
        "returned",
        "Date and time returned",
        "For example, 27 3 2026 and 09:15, as UK clocks showed it",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_reason_fields())
        self.returned_parts.add_to(self)
        self.order_fields(
            [f"returned_{part}" for part in ("day", "month", "year", "time", "clock")]
        )

    @property
    def returned_group(self) -> DateGroup:
        return self.returned_parts.group(self)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["returned_at"] = self.returned_parts.clean_instant(self)
        _clean_reason(self, cleaned)
        return cleaned


class SafeAndWellCheckForm(LondonTimesForm):
    officer_name = _text("Officer who carried out the check (optional)")
    concerns = forms.CharField(
        label="Concerns raised (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    checked_parts = DateTimeParts(
        "checked",
        "Date and time of the check",
        "For example, 27 3 2026 and 11:00, as UK clocks showed it",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked_parts.add_to(self)
        self.order_fields([f"checked_{part}" for part in ("day", "month", "year", "time", "clock")])

    @property
    def checked_group(self) -> DateGroup:
        return self.checked_parts.group(self)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["checked_at"] = self.checked_parts.clean_instant(self)
        return cleaned


class PoliceReportForm(LondonTimesForm):
    """police_report_check (Haringey protocol 12.4, 12.6, 19.1): when the child was
    reported to police, and the incident number if the worker has it."""

    police_reference = _text("Police incident number (if you have it)", spellcheck="false")
    reported_parts = DateTimeParts(
        "reported",
        "When the child was reported to police",
        "For example, 27 3 2026 and 11:00, as UK clocks showed it",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reported_parts.add_to(self)
        self.order_fields(
            [f"reported_{part}" for part in ("day", "month", "year", "time", "clock")]
            + ["police_reference"]
        )

    @property
    def reported_group(self) -> DateGroup:
        return self.reported_parts.group(self)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["reported_to_police_at"] = self.reported_parts.clean_instant(self)
        return cleaned


class HomeOfficeNoticeForm(LondonTimesForm):
    nrm_referral_considered = forms.BooleanField(
        label="A National Referral Mechanism referral has been considered",
        help_text="Haringey protocol 16.4: where trafficking is suspected.",
        required=False,
    )
    informed_parts = DateTimeParts(
        "informed",
        "When the Home Office was informed",
        "For example, 27 3 2026 and 11:00, as UK clocks showed it",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.informed_parts.add_to(self)
        self.order_fields(
            [f"informed_{part}" for part in ("day", "month", "year", "time", "clock")]
        )

    @property
    def informed_group(self) -> DateGroup:
        return self.informed_parts.group(self)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["informed_at"] = self.informed_parts.clean_instant(self)
        return cleaned


class EpisodeInformationForm(BoundedForm):
    kind = forms.ChoiceField(
        label="What is it?",
        choices=InformationKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say what kind of information this is"},
    )
    details = forms.CharField(
        label="What was learnt",
        help_text="Where and when, who with, who told you; for a safe and well check, who will do it and when.",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say what was learnt"},
    )


class ReclassifyForm(RecordVersionMixin, BoundedForm):
    category = forms.ChoiceField(
        label="Reclassify the episode as",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the new category"},
    )
    reason = forms.CharField(
        label="Why is the episode being reclassified?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Give the reason for the reclassification"},
    )

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.choices = [
            choice for choice in Category.choices if choice[0] != current
        ]


class EnteredInErrorForm(BoundedForm):
    reason = forms.CharField(
        label="Why was this episode entered in error?",
        help_text="Its deadlines will be cancelled. The episode stays in the record's history.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the episode was entered in error"},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why is the return being cleared?",
        help_text="For a return recorded in error: the child is missing again within this "
        "episode, and its deadlines open again. The cleared return stays in the history.",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the return is being cleared"},
    )


class PhilomenaPartTwoForm(forms.Form):
    """Philomena profile, Part 2: what is known at the time of the report."""

    clothing_when_last_seen = forms.CharField(
        label="Clothing when last seen",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    who_with = forms.CharField(
        label="Who they may be with",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    circumstances = forms.CharField(
        label="Circumstances",
        required=False,
        max_length=10000,
        help_text="What happened, and any risk you know of.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SafeguardingCheckRequestForm(BoundedForm):
    """HAR 14.3: ask another local authority for safeguarding checks."""

    to_authority = forms.ModelChoiceField(
        label="Which authority are you asking?",
        queryset=Agency.objects.none(),
        empty_label="Choose an authority",
        error_messages={
            "required": "Choose the local authority to ask",
            "invalid_choice": "Choose the local authority to ask",
        },
    )
    asked = forms.CharField(
        label="What are you asking them to check?",
        help_text="For example: whether the child or their family is known to them, any addresses or associates there.",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say what you are asking the authority to check"},
    )

    def __init__(self, *args, episode=None, **kwargs):
        super().__init__(*args, **kwargs)
        authorities = Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY).order_by("name")
        if episode is not None:
            authorities = authorities.exclude(pk=episode.child.responsible_authority_id)
        self.fields["to_authority"].queryset = authorities  # type: ignore[attr-defined]


class SafeguardingCheckAnswerForm(BoundedForm):
    answer = forms.CharField(
        label="What the checks found",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Say what the checks found"},
    )
