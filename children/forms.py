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

from children.models import LegalStatusKind, Sex
from core.forms import BoundedForm


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

    def __init__(self, prefix: str, legend: str, hint: str = "", autocomplete: str = ""):
        self.prefix = prefix
        self.legend = legend
        self.hint = hint
        self.autocomplete = autocomplete

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
        if not all(value.isdigit() for value in values.values()) or len(values["year"]) != 4:
            form.add_error(f"{self.prefix}_day", f"{name} must be a real date")
            return None
        try:
            return dt.date(int(values["year"]), int(values["month"]), int(values["day"]))
        except ValueError:
            form.add_error(f"{self.prefix}_day", f"{name} must be a real date")
            return None


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
        cleaned = super().clean()
        cleaned["date_of_birth"] = self.date_of_birth_parts.clean(self)
        return cleaned
