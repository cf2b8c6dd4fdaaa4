"""Forms for MASH triage, and the small form helpers the casework pages share.

`LondonDateTimeField` reads a wall-clock time as Europe/London and refuses one that does
not exist (the spring clock change) or happened twice (the autumn one), with a GOV.UK
error message, rather than letting zoneinfo silently pick an instant.
`add_service_error` turns a service's refusal into a field error on the form.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from missing.errors import ServiceError
from protocol.clock import AmbiguousLocalTime, NonExistentLocalTime, london_wall_time
from risk.models import Indicator, Rag

THRESHOLD_LEVELS = [
    (1, "Level 1: universal services"),
    (2, "Level 2: early help"),
    (3, "Level 3: targeted support (child in need)"),
    (4, "Level 4: statutory (child protection)"),
]


class LondonDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LondonDateTimeField(forms.Field):
    """A date and time as the person reads their clock in the UK; cleaned to an aware instant."""

    widget = LondonDateTimeInput
    default_error_messages = {
        "invalid": "Enter a real date and time, for example 10/06/2026 14:30",
    }

    def prepare_value(self, value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            from protocol.clock import LONDON

            return value.astimezone(LONDON).replace(tzinfo=None)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        naive = None
        for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"):
            try:
                naive = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 (made aware below)
                break
            except ValueError:
                continue
        if naive is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return london_wall_time(naive)
        except NonExistentLocalTime as error:
            raise forms.ValidationError(
                f"{error}. Enter the time as the clocks showed it."
            ) from error
        except AmbiguousLocalTime as error:
            raise forms.ValidationError(
                f"{error}. Record it a minute either side of the hour, or say which in the notes."
            ) from error


def add_service_error(
    form: forms.Form, error: ServiceError, fields: dict[str, str] | None = None
) -> None:
    """Show a service's refusal against the form field it names (or above the form)."""
    name = (fields or {}).get(error.field or "", error.field)
    form.add_error(name if name in form.fields else None, error.message)


class RiskAssessmentForm(forms.Form):
    rag = forms.ChoiceField(
        label="RAG rating",
        choices=Rag.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose Red, Amber or Green"},
        help_text="Red: assess within 4 hours. Amber: within 24 hours. Green: within 72 hours.",
    )
    threshold_level = forms.TypedChoiceField(
        label="Threshold level",
        choices=THRESHOLD_LEVELS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the threshold level"},
    )
    indicators = forms.MultipleChoiceField(
        label="Exploitation indicators",
        choices=Indicator.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply.",
    )
    rationale = forms.CharField(
        label="Why this rating", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, threshold_hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if threshold_hint:
            self.fields["threshold_level"].help_text = threshold_hint
