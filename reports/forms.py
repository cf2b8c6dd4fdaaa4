"""The reports' filters: a GET form, so every report has a URL that can be bookmarked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from children.models import LegalStatusKind
from core.forms import GovukDateField
from reports.counting import Filters, Period, default_period
from reports.definitions import AGE_BANDS, CATEGORY_COLUMNS, parse_age_bands
from reports.sections import SECTION_TITLES
from reports.selectors import ReportScope, covered_authorities, selectable_teams

# A committee report covers up to six years: enough for any year-on-year comparison,
# and a bound on what one request may ask the database to count.
LONGEST_PERIOD = dt.timedelta(days=6 * 366)


class ReportFilterForm(forms.Form):
    from_date = GovukDateField(label="From", required=False, allow_future=True)
    to_date = GovukDateField(label="To", required=False, allow_future=True)
    authority = forms.TypedChoiceField(label="Authority", coerce=int, required=False)
    team = forms.TypedChoiceField(label="Team", coerce=int, required=False, empty_value=None)
    legal_status = forms.ChoiceField(label="Legal status at last seen", required=False)
    category = forms.ChoiceField(label="Category", required=False)
    age_bands = forms.CharField(
        label="Age bands",
        required=False,
        help_text="Ages at last seen, for example 0-9, 10-12, 13-15, 16-17",
    )
    suppress = forms.BooleanField(label="Hide counts from 1 to 5 (for publication)", required=False)

    def __init__(self, data: Any, *, scope: ReportScope, today: dt.date) -> None:
        super().__init__(data)
        self.scope = scope
        self.today = today
        authorities = list(covered_authorities(scope).order_by("name"))
        authority_choices: list[tuple[int | str, str]] = [(a.pk, a.name) for a in authorities]
        if len(authorities) > 1:
            authority_choices.insert(0, ("", "All your authorities"))
        self._choices("authority").choices = authority_choices
        self.authority_ids = [a.pk for a in authorities]
        chosen = self.data.get("authority") or (
            authorities[0].pk if len(authorities) == 1 else None
        )
        try:
            authority_id = int(chosen) if chosen else None
        except (TypeError, ValueError):
            authority_id = None
        teams = selectable_teams(scope, authority_id)
        self._choices("team").choices = [
            ("", "All teams"),
            *((t.pk, str(t) if authority_id is None else t.name) for t in teams),
        ]
        self._choices("legal_status").choices = [("", "Any legal status"), *LegalStatusKind.choices]
        self._choices("category").choices = [("", "Every category"), *CATEGORY_COLUMNS.items()]
        default = default_period(today)
        self.fields["from_date"].widget.attrs["placeholder"] = default.start.isoformat()
        self.fields["age_bands"].widget.attrs["placeholder"] = ", ".join(
            f"{a}-{b}" for a, b in AGE_BANDS
        )

    def _choices(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def clean_age_bands(self) -> tuple[tuple[int, int], ...]:
        text = self.cleaned_data["age_bands"].strip()
        if not text:
            return AGE_BANDS
        try:
            return parse_age_bands(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        default = default_period(self.today)
        start = cleaned.get("from_date") or default.start
        end = cleaned.get("to_date") or default.end
        if "from_date" in self.errors or "to_date" in self.errors:
            return cleaned
        if end < start:
            self.add_error(
                "to_date", "The end of the period must be the same as or after its start"
            )
        elif end - start > LONGEST_PERIOD:
            self.add_error("to_date", "A report covers at most six years")
        cleaned["period"] = Period(start, end)
        return cleaned

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            period=data["period"],
            legal_status=data.get("legal_status") or "",
            category=data.get("category") or "",
            age_bands=data.get("age_bands") or AGE_BANDS,
        )

    def authority_id(self) -> int | None:
        value = self.cleaned_data.get("authority")
        if value in (None, ""):
            return self.authority_ids[0] if len(self.authority_ids) == 1 else None
        return int(value)


class ExportForm(forms.Form):
    """What to export: the format, the reports for a PDF pack, and whether it is for publication."""

    format = forms.ChoiceField(
        label="Format",
        choices=[
            ("csv", "CSV (one file of every table)"),
            ("xlsx", "XLSX (a sheet for each table)"),
            ("pdf", "PDF committee pack"),
        ],
        widget=forms.RadioSelect,
    )
    sections = forms.MultipleChoiceField(
        label="Reports to include",
        choices=list(SECTION_TITLES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave all unticked for every report.",
    )
    for_publication = forms.BooleanField(
        label="For publication: hide counts from 1 to 5", required=False
    )


class StatutoryReturnForm(forms.Form):
    """The authority and the year (SSDA903) or the date (Annex A) of a statutory return."""

    authority = forms.TypedChoiceField(
        label="Local authority",
        coerce=int,
        error_messages={"required": "Choose the local authority."},
    )
    year = forms.IntegerField(
        label="Collection year",
        help_text="The year the collection ends: 2025 is 1 April 2024 to 31 March 2025.",
        required=False,
        min_value=2020,
        error_messages={
            "min_value": "Enter a collection year from 2020.",
            "invalid": "Enter the collection year as a number, for example 2025.",
        },
    )
    on = GovukDateField(label="Children in care on", required=False, allow_future=True)

    def __init__(
        self, *args: Any, authorities: list, kind: str, today: dt.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.today = today
        self.fields["authority"].choices = [(a.pk, a.name) for a in authorities]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.kind == "ssda903":
            year = data.get("year")
            if year is None and "year" not in self.errors:
                self.add_error("year", "Enter the collection year, for example 2025.")
            elif year is not None and dt.date(year - 1, 4, 1) > self.today:
                self.add_error("year", "The collection year has not started yet.")
        else:
            on = data.get("on")
            if on is None and "on" not in self.errors:
                self.add_error("on", "Enter the date the list is for.")
            elif on is not None and on > self.today:
                self.add_error("on", "The date cannot be in the future.")
        return data

    def parameters(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.kind == "ssda903":
            return {"authority": data["authority"], "year": data["year"]}
        return {"authority": data["authority"], "on": data["on"].isoformat()}
