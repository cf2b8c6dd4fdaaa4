"""Form parts every page shares: dates and times as a person in the UK reads their clock,
and a service's refusal shown against the field it names.

`LondonDateTimeField` reads a wall-clock time as Europe/London and refuses one that does
not exist (the spring clock change) or happened twice (the autumn one), with a GOV.UK
error message, rather than letting zoneinfo silently pick an instant.
`add_service_error` turns a service's refusal into a field error on the form.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from core.clock import LONDON, AmbiguousLocalTime, NonExistentLocalTime, london_wall_time
from core.errors import ServiceError


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
