"""Forms for strategy meetings, panel referrals, and the exploitation panel's agenda and actions."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from agencies.models import Agency
from core.forms import BoundedForm, GovukDateField, LondonDateTimeField
from episodes.models import Episode
from panels.models import (
    Attendance,
    Cadence,
    MeetingKind,
    MeetingTrigger,
    PanelKind,
    ParentalConsent,
    StrategyItemKind,
)
from risk.models import Indicator

ATTENDEE_ROWS = 4


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, agency) -> str:
        return agency.name


class AgencyListField(forms.TypedChoiceField):
    """An agency chosen from a list read once per page (many rows of a form share it)."""

    def __init__(self, *, agencies: dict[int, Agency], empty_label: str, **kwargs):
        self.agencies = agencies
        choices = [("", empty_label), *((pk, agency.name) for pk, agency in agencies.items())]
        super().__init__(
            choices=choices,
            coerce=lambda value: self.agencies[int(value)],
            empty_value=None,
            **kwargs,
        )


def _episode_label(episode: Episode) -> str:
    last_seen = timezone.localtime(episode.last_seen_at)
    return f"{episode.get_category_display()}, last seen {last_seen:%d %B %Y}"


class StrategyMeetingForm(BoundedForm):
    kind = forms.ChoiceField(
        label="Kind of meeting", choices=MeetingKind.choices, widget=forms.RadioSelect
    )
    trigger = forms.ChoiceField(
        label="Why the meeting was held",
        choices=[("", "Choose why"), *MeetingTrigger.choices],
        error_messages={"required": "Choose why the meeting was held"},
    )
    episode = forms.ModelChoiceField(
        label="Episode",
        queryset=Episode.objects.none(),
        required=False,
        empty_label="Not about one episode",
    )
    held_at = LondonDateTimeField(
        label="When the meeting was held",
        error_messages={"required": "Enter when the meeting was held"},
    )
    decisions = forms.CharField(
        label="Decisions", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    next_review_on = GovukDateField(
        allow_future=True,
        label="Next review date",
        required=False,
        help_text="Until the concern is resolved: within 42 days.",
    )
    concern_resolved = forms.BooleanField(
        label="The meeting is confident the concern is resolved",
        required=False,
        help_text="Stops the six-weekly strategy reviews (Haringey protocol 18.3). A return "
        "alone does not.",
    )
    concern_resolved_reason = forms.CharField(
        label="Why the concern is resolved",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, episodes, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        episode_field = self.fields["episode"]
        assert isinstance(episode_field, forms.ModelChoiceField)
        episode_field.queryset = episodes
        episode_field.label_from_instance = _episode_label  # type: ignore[method-assign,assignment]
        for row in range(1, ATTENDEE_ROWS + 1):
            self.fields[f"attendee_{row}_name"] = forms.CharField(
                label=f"Attendee {row}: name", required=False
            )
            self.fields[f"attendee_{row}_agency"] = AgencyListField(
                label=f"Attendee {row}: agency",
                agencies=agencies,
                required=False,
                empty_label="No agency (a parent or carer)",
            )
            self.fields[f"attendee_{row}_role"] = forms.CharField(
                label=f"Attendee {row}: role", required=False
            )

    def attendee_rows(self):
        return [
            (
                self[f"attendee_{row}_name"],
                self[f"attendee_{row}_agency"],
                self[f"attendee_{row}_role"],
            )
            for row in range(1, ATTENDEE_ROWS + 1)
        ]

    def clean(self):
        data = super().clean() or self.cleaned_data
        for row in range(1, ATTENDEE_ROWS + 1):
            name, agency = data.get(f"attendee_{row}_name"), data.get(f"attendee_{row}_agency")
            role = data.get(f"attendee_{row}_role")
            if name and not agency and not role:
                self.add_error(
                    f"attendee_{row}_agency",
                    f"Choose attendee {row}'s agency, or give their role (a parent or carer)",
                )
            if agency and not name:
                self.add_error(f"attendee_{row}_name", f"Enter attendee {row}'s name")
        return data

    def attendees(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "name": data[f"attendee_{row}_name"],
                "agency": data[f"attendee_{row}_agency"],
                "role": data[f"attendee_{row}_role"],
            }
            for row in range(1, ATTENDEE_ROWS + 1)
            if data.get(f"attendee_{row}_name")
        ]


class StrategyItemForm(BoundedForm):
    """One item of HAR 18.4, added to a meeting's record."""

    kind = forms.ChoiceField(
        label="What was considered",
        choices=[("", "Choose"), *StrategyItemKind.choices],
        error_messages={"required": "Choose what was considered"},
    )
    decision = forms.CharField(
        label="What was decided or agreed",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what was decided or agreed"},
    )
    owner_name = forms.CharField(
        label="Owner (for an action)", required=False, help_text="Who will do it."
    )
    due_on = GovukDateField(label="Due date (for an action)", required=False)
    parental_consent = forms.ChoiceField(
        label="Parental consent (missing persons desk)",
        choices=[("", "Not applicable"), *ParentalConsent.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text="Required where the child is not looked after.",
    )
    photo_publication_consent = forms.TypedChoiceField(
        label="Does the local authority consent to police publishing the photograph? "
        "(media strategy)",
        choices=[("", "Not decided"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class PanelReferralForm(BoundedForm):
    panel_kind = forms.ChoiceField(
        label="Which panel",
        choices=PanelKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the panel"},
    )
    indicators = forms.MultipleChoiceField(
        label="Exploitation indicators (optional)",
        choices=Indicator.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(
        label="Why refer to the panel",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the child is referred to the panel"},
    )


class PanelSetUpForm(BoundedForm):
    authority = AgencyChoiceField(
        label="Local authority", queryset=Agency.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label="Panel", choices=PanelKind.choices, widget=forms.RadioSelect)
    cadence = forms.ChoiceField(
        label="How often it meets", choices=Cadence.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        authority_field = self.fields["authority"]
        assert isinstance(authority_field, forms.ModelChoiceField)
        authority_field.queryset = authorities


class PanelMemberForm(BoundedForm):
    name = forms.CharField(
        label="Member's name", max_length=200, error_messages={"required": "Enter the name"}
    )
    role = forms.CharField(label="Role (optional)", max_length=200, required=False)

    def __init__(self, *args, agencies: dict[int, Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = AgencyListField(
            label="Agency",
            agencies=agencies,
            empty_label="Choose the agency they speak for",
            error_messages={"required": "Choose the member's agency"},
        )


class AttendanceForm(BoundedForm):
    """One row of radios per member of the panel."""

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=f"{member.name} ({member.agency.name})",
                choices=Attendance.choices,
                widget=forms.RadioSelect,
                required=False,
            )

    def statuses(self) -> dict[int, str]:
        return {
            member.pk: self.cleaned_data[f"member_{member.pk}"]
            for member in self.members
            if self.cleaned_data.get(f"member_{member.pk}")
        }


class DiscussionForm(BoundedForm):
    discussion = forms.CharField(
        label="What the panel discussed and decided",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Record what the panel discussed"},
    )


class IntelligenceForm(BoundedForm):
    record = forms.ChoiceField(
        label="Record to link", error_messages={"required": "Choose a record to link"}
    )
    note = forms.CharField(label="What was shared (optional)", max_length=500, required=False)

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        record = self.fields["record"]
        assert isinstance(record, forms.ChoiceField)
        record.choices = [("", "Choose a record"), *choices]


class PanelMeetingForm(BoundedForm):
    authority = AgencyChoiceField(
        label="Local authority", queryset=Agency.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label="Panel", choices=PanelKind.choices, widget=forms.RadioSelect)
    meets_at = LondonDateTimeField(
        label="When the panel meets",
        error_messages={"required": "Enter when the panel meets"},
        allow_future=True,
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        authority_field = self.fields["authority"]
        assert isinstance(authority_field, forms.ModelChoiceField)
        authority_field.queryset = authorities


class PanelCaseForm(BoundedForm):
    child = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(widget=forms.HiddenInput, max_length=300)


class PanelActionForm(BoundedForm):
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Describe the action"},
    )
    due_on = GovukDateField(
        label="Due date", error_messages={"required": "Enter the due date"}, allow_future=True
    )

    def __init__(self, *args, agencies: dict[int, Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"] = AgencyListField(
            label="Owner",
            agencies=agencies,
            empty_label="Choose the agency that owns it",
            error_messages={"required": "Choose who owns the action"},
        )
        self.order_fields(["description", "owner_agency", "due_on"])
