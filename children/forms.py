"""Forms for finding and adding a child, and the GOV.UK date input the casework forms share.

GOV.UK asks for dates as three boxes (day, month, year) rather than a date picker: it is
quicker to type, works with any keyboard and screen reader, and is what people expect on
a public-sector form. `DateParts` adds the three fields to a form and cleans them into one
date, with the Design System's error messages ("Date of birth must include a month").
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django import forms
from django.db.models import QuerySet

from agencies.models import LINKED_ROLES, Agency, AgencyKind, Team, User
from children.models import (
    Allocation,
    ChildAgreement,
    Disability,
    Ethnicity,
    LegalStatusKind,
    PlacementKind,
    Sex,
)
from core.forms import BoundedForm, RecordVersionMixin, date_range_error
from core.numbers import is_digits


def _number(label: str, width: int, autocomplete: str = "") -> forms.CharField:
    attrs = {"inputmode": "numeric"}
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    return forms.CharField(
        label=label, required=False, max_length=4, widget=forms.TextInput(attrs=attrs)
    )


@dataclasses.dataclass
class DateGroup:
    """What templates/children/includes/date_input.html draws for one GOV.UK date input."""

    prefix: str
    legend: str
    hint: str
    day: forms.BoundField
    month: forms.BoundField
    year: forms.BoundField
    time: forms.BoundField | None = None
    clock: forms.BoundField | None = None

    @property
    def errors(self) -> list[str]:
        parts = [self.day, self.month, self.year, self.time, self.clock]
        return [str(error) for part in parts if part is not None for error in part.errors]

    @property
    def date_has_error(self) -> bool:
        return bool(self.day.errors)


class DateParts:
    """Add day, month and year fields called `<prefix>_day` etc. to a form.

    Errors are attached to the day box (the first input), so the error summary links there
    as the Design System asks.
    """

    def __init__(
        self,
        prefix: str,
        legend: str,
        hint: str = "",
        autocomplete: str = "",
        *,
        allow_future: bool = False,
    ):
        self.prefix = prefix
        self.legend = legend
        self.hint = hint
        self.autocomplete = autocomplete
        # Dates from 1990; a past fact not after tomorrow (core.forms.date_range_error).
        self.allow_future = allow_future

    def add_to(self, form: forms.Form) -> None:
        bday = "bday-" if self.autocomplete == "bday" else ""
        form.fields[f"{self.prefix}_day"] = _number("Day", 2, f"{bday}day" if bday else "")
        form.fields[f"{self.prefix}_month"] = _number("Month", 2, f"{bday}month" if bday else "")
        form.fields[f"{self.prefix}_year"] = _number("Year", 4, f"{bday}year" if bday else "")

    def group(self, form: forms.Form) -> DateGroup:
        return DateGroup(
            prefix=self.prefix,
            legend=self.legend,
            hint=self.hint,
            day=form[f"{self.prefix}_day"],
            month=form[f"{self.prefix}_month"],
            year=form[f"{self.prefix}_year"],
        )

    def clean(self, form: forms.Form, *, required: bool = True) -> dt.date | None:
        data = form.cleaned_data
        values = {
            part: (data.get(f"{self.prefix}_{part}") or "").strip()
            for part in ("day", "month", "year")
        }
        name = self.legend[0].upper() + self.legend[1:]
        if not any(values.values()):
            if required:
                form.add_error(f"{self.prefix}_day", f"Enter the {self.legend.lower()}")
            return None
        missing = [part for part, value in values.items() if not value]
        if missing:
            form.add_error(f"{self.prefix}_day", f"{name} must include a {' and a '.join(missing)}")
            return None
        if not all(is_digits(value) for value in values.values()) or len(values["year"]) != 4:
            form.add_error(f"{self.prefix}_day", f"{name} must be a real date")
            return None
        try:
            day = dt.date(int(values["year"]), int(values["month"]), int(values["day"]))
        except ValueError:
            form.add_error(f"{self.prefix}_day", f"{name} must be a real date")
            return None
        out_of_range = date_range_error(day, name, allow_future=self.allow_future)
        if out_of_range:
            form.add_error(f"{self.prefix}_day", out_of_range)
            return None
        return day


class ChildSearchForm(BoundedForm):
    q = forms.CharField(
        label="Search by name, date of birth or police reference",
        required=False,
        max_length=200,
        help_text="For example, Jamie Fictional, 01/06/2010 or NW-2026-1234",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )


LEGAL_STATUS_CHOICES = [
    (LegalStatusKind.LOOKED_AFTER, "Looked after (CLA)"),
    (LegalStatusKind.CHILD_PROTECTION, "Child protection plan"),
    (LegalStatusKind.CHILD_IN_NEED, "Child in need"),
    (LegalStatusKind.NONE, "None of these"),
]


class ChildForm(BoundedForm):
    """A new child. The date of birth is three GOV.UK boxes; duplicates are checked after."""

    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        error_messages={"required": "Enter the child's given name"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    family_name = forms.CharField(
        label="Family name",
        max_length=100,
        error_messages={"required": "Enter the child's family name"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    known_as = forms.CharField(
        label="Known as (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    sex = forms.ChoiceField(
        label="Sex", choices=Sex.choices, initial=Sex.NOT_KNOWN, widget=forms.RadioSelect
    )
    legal_status = forms.ChoiceField(
        label="Legal status",
        choices=LEGAL_STATUS_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the child's legal status, or none of these"},
    )
    is_uasc = forms.BooleanField(
        label="Unaccompanied asylum-seeking child",
        required=False,
        help_text="The Home Office is told within 24 hours of a missing episode (Haringey protocol 16).",
    )
    confirmed_not_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    date_of_birth_parts = DateParts(
        "date_of_birth", "Date of birth", "For example, 27 3 2012", autocomplete="bday"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.date_of_birth_parts.add_to(self)
        # The date boxes after the names, as the page reads.
        order = ["given_name", "family_name", "known_as"]
        order += [f"date_of_birth_{part}" for part in ("day", "month", "year")]
        self.order_fields(order)

    @property
    def date_of_birth_group(self) -> DateGroup:
        return self.date_of_birth_parts.group(self)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["date_of_birth"] = self.date_of_birth_parts.clean(self)
        return cleaned


# --- Keeping the record true ----------------------------------------------------------------


class LaidOutForm(forms.Form):
    """A form drawn by templates/children/form_page.html, in `layout` order: field names,
    and date groups named by their DateParts prefix."""

    layout_order: tuple[str, ...] = ()
    date_parts: tuple[DateParts, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for parts in self.date_parts:
            parts.add_to(self)

    def date_group(self, prefix: str) -> DateGroup:
        parts = next(parts for parts in self.date_parts if parts.prefix == prefix)
        return parts.group(self)

    @property
    def layout(self) -> list[forms.BoundField | DateGroup]:
        prefixes = {parts.prefix for parts in self.date_parts}
        return [
            self.date_group(name) if name in prefixes else self[name] for name in self.layout_order
        ]

    def clean_date(self, prefix: str, *, required: bool = True) -> dt.date | None:
        parts = next(parts for parts in self.date_parts if parts.prefix == prefix)
        return parts.clean(self, required=required)

    @staticmethod
    def date_initial(prefix: str, day: dt.date | None) -> dict[str, str]:
        if day is None:
            return {}
        return {
            f"{prefix}_day": str(day.day),
            f"{prefix}_month": str(day.month),
            f"{prefix}_year": str(day.year),
        }


def _line(label: str, max_length: int = 200, required: bool = False, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off", **attrs}),
    )


def _paragraph(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=5000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class IdentityForm(RecordVersionMixin, LaidOutForm):
    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        error_messages={"required": "Enter the child's given name"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    family_name = forms.CharField(
        label="Family name",
        max_length=100,
        error_messages={"required": "Enter the child's family name"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    known_as = _line("Known as (optional)", 100)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect)
    ethnicity = forms.ChoiceField(
        label="Ethnicity",
        choices=[(code, f"{label} ({code})") for code, label in Ethnicity.choices],
        help_text="The DfE census codes, as the SSDA903 return uses them.",
    )
    disability = forms.ChoiceField(
        label="Does the child have a disability?",
        choices=Disability.choices,
        widget=forms.RadioSelect,
    )
    disability_details = _line("Disability: details (optional)", 500)
    is_uasc = forms.BooleanField(
        label="Unaccompanied asylum-seeking child",
        required=False,
        help_text="The Home Office is told within 24 hours of a missing episode (Haringey protocol 16).",
    )
    local_child_id = _line("Council's child ID (optional)", 20)
    upn = _line("Unique pupil number (UPN) (optional)", 20)
    school = _line("School (optional)", 200)

    date_parts = (DateParts("date_of_birth", "Date of birth", "For example, 27 3 2012"),)
    layout_order = (
        "given_name",
        "family_name",
        "known_as",
        "date_of_birth",
        "sex",
        "ethnicity",
        "disability",
        "disability_details",
        "is_uasc",
        "local_child_id",
        "upn",
        "school",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "local_child_id"
        ].help_text = (
            "The ID in the council's case management system, as the SSDA903 return reports it."
        )
        self.fields[
            "upn"
        ].help_text = "13 characters: a check letter, then 12 digits (the last may be a letter)."

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["date_of_birth"] = self.clean_date("date_of_birth")
        return cleaned


def legal_status_choices(*, with_none: bool) -> list[tuple[str, str]]:
    return [
        (value, label)
        for value, label in LegalStatusKind.choices
        if with_none or value != LegalStatusKind.NONE
    ]


class LegalStatusForm(RecordVersionMixin, LaidOutForm):
    """A new legal status from a date (back-dated too), or a correction of one."""

    status = forms.ChoiceField(
        label="Legal status",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the legal status"},
    )
    date_parts = (
        DateParts("start_date", "Start date", "For example, 27 3 2026. It may be in the past."),
        DateParts("end_date", "End date (optional)", "Leave empty if it has not ended."),
    )
    layout_order = ("status", "start_date", "end_date")

    def __init__(self, *args, with_none: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = legal_status_choices(with_none=with_none)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["start_date"] = self.clean_date("start_date")
        cleaned["end_date"] = self.clean_date("end_date", required=False)
        return cleaned


class EndDateForm(LaidOutForm):
    date_parts = (DateParts("end_date", "End date", "For example, 27 3 2026"),)
    layout_order = ("end_date",)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["end_date"] = self.clean_date("end_date")
        return cleaned


class PlacementForm(RecordVersionMixin, LaidOutForm):
    kind = forms.ChoiceField(
        label="Kind of placement",
        choices=PlacementKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of placement"},
    )
    name = _line("Placement or carer's name (optional)")
    provider = _line("Provider (optional)")
    address = forms.CharField(
        label="Address (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    postcode = _line("Postcode (optional)", 10, autocomplete="postal-code")
    placing_authority = forms.ModelChoiceField(
        label="Placing authority",
        queryset=Agency.objects.none(),
        error_messages={"required": "Choose the placing authority"},
    )
    host_authority = forms.ModelChoiceField(
        label="Host authority (where the placement is)",
        queryset=Agency.objects.none(),
        error_messages={"required": "Choose the host authority"},
    )
    date_parts = (
        DateParts("start_date", "Start date", "For example, 27 3 2026. It may be in the past."),
        DateParts("end_date", "End date (optional)", "Leave empty if it has not ended."),
    )
    layout_order = (
        "kind",
        "name",
        "provider",
        "address",
        "postcode",
        "placing_authority",
        "host_authority",
        "start_date",
        "end_date",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        authorities = Agency.objects.filter(kind=AgencyKind.LOCAL_AUTHORITY).order_by("name")
        for name in ("placing_authority", "host_authority"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = authorities

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["start_date"] = self.clean_date("start_date")
        cleaned["end_date"] = self.clean_date("end_date", required=False)
        return cleaned


class AllocationForm(forms.Form):
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        error_messages={"required": "Choose the team"},
    )
    worker = forms.ModelChoiceField(
        label="Allocated worker (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="No named worker yet",
        help_text="A social worker or team manager of the team.",
    )

    replacing = forms.TypedChoiceField(
        label="Is this instead of a current allocation?",
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args,
        teams: QuerySet[Team],
        workers: QuerySet[User],
        current: list[Allocation],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.current = {allocation.pk: allocation for allocation in current}
        replacing = self.fields["replacing"]
        assert isinstance(replacing, forms.TypedChoiceField)
        replacing.choices = [
            ("", "No: in addition to any current allocation"),
            *((allocation.pk, f"Yes: instead of {allocation.team.name}") for allocation in current),
        ]
        if not current:
            self.fields["replacing"].widget = forms.HiddenInput()
        team = self.fields["team"]
        worker = self.fields["worker"]
        assert isinstance(team, forms.ModelChoiceField)
        assert isinstance(worker, forms.ModelChoiceField)
        team.queryset = teams
        worker.queryset = workers

    def clean_replacing(self) -> Allocation | None:
        chosen = self.cleaned_data.get("replacing")
        return self.current.get(chosen) if chosen is not None else None


class PhilomenaForm(RecordVersionMixin, forms.Form):
    description = _paragraph(
        "Physical description", "Height, build, hair, eyes, marks, scars and tattoos."
    )
    clothing_style = _paragraph("Usual clothing style")
    known_associates = _paragraph("Known associates", "Names, addresses, how they know them.")
    places_frequented = _paragraph("Places frequented")
    phone_numbers = _paragraph("Phone numbers")
    social_media = _paragraph("Social media accounts")
    health_needs = _paragraph("Medical and health needs", "Medication, conditions, allergies.")
    previous_episodes_summary = _paragraph(
        "Previous missing episodes", "Where they were found, and who with."
    )


class PhotoForm(LaidOutForm):
    photo = forms.FileField(
        label="Photo",
        help_text="A recent photo, as a JPEG or PNG of up to 10 MB.",
        error_messages={"required": "Choose a photo", "empty": "The file is empty"},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    consent_given_by = _line(
        "Person with parental responsibility who consented",
        required=True,
    )
    child_agreement = forms.ChoiceField(
        label="Did the child agree?",
        choices=ChildAgreement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the child agreed"},
    )
    date_parts = (DateParts("taken_on", "Date taken (optional)", "For example, 27 3 2026"),)
    layout_order = ("photo", "taken_on", "consent_given_by", "child_agreement")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_given_by"].error_messages["required"] = (
            "Enter the name of the person with parental responsibility who consented"
        )
        self.fields["consent_given_by"].help_text = (
            "Haringey protocol 7.3: a photo is held with the consent of a person with "
            "parental responsibility and, if possible, the child's agreement."
        )

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["taken_on"] = self.clean_date("taken_on", required=False)
        return cleaned


class MediaConsentForm(forms.Form):
    reason = forms.CharField(
        label="Why may police publish the photo?",
        max_length=500,
        help_text="Haringey protocol 7.4: in very serious cases, where the child is believed "
        "to be at significant risk.",
        error_messages={"required": "Say why the photo may be published"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AccessGrantForm(LaidOutForm):
    username = _line("Username of the person", 150, required=True)
    reason = forms.CharField(
        label="Why do they need access?",
        max_length=300,
        error_messages={"required": "Say why this person needs access"},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    date_parts = (
        DateParts(
            "expires_on",
            "Access until",
            "The access ends at midnight after this date.",
            allow_future=True,
        ),
    )
    layout_order = ("username", "reason", "expires_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter the person's username"
        self.fields["username"].help_text = "As they sign in to Homeward."

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        cleaned["expires_on"] = self.clean_date("expires_on")
        username = (cleaned.get("username") or "").strip()
        if username:
            user = User.objects.filter(username__iexact=username, is_active=True).first()
            if user is None:
                self.add_error("username", "There is no active Homeward user with this username")
            cleaned["user"] = user
        return cleaned


class PractitionerLinkForm(LaidOutForm):
    """Link the child's IRO or a partner agency's practitioner (issue 15)."""

    username = _line("Username of the practitioner", 150, required=True)
    role = forms.ChoiceField(
        label="Their role with this child",
        choices=[(role.value, role.label) for role in LINKED_ROLES],
    )
    layout_order = ("username", "role")

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        username = (cleaned.get("username") or "").strip()
        if username:
            user = User.objects.filter(username__iexact=username, is_active=True).first()
            if user is None:
                self.add_error("username", "There is no active Homeward user with this username")
            cleaned["user"] = user
        return cleaned
