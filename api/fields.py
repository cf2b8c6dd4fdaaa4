"""Serializer fields for the API's conventions."""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.clock import LONDON
from core.forms import date_range_error


class DateRangeFieldMixin:
    """Dates from 1990; a past fact not after tomorrow; `allow_future=True` for a field
    about the future (up to five years ahead). The same range as the pages (core.forms)."""

    def __init__(self, *args, allow_future: bool = False, **kwargs):
        self.allow_future = allow_future
        super().__init__(*args, **kwargs)

    def _check_range(self, value):
        day = value.astimezone(LONDON).date() if isinstance(value, dt.datetime) else value
        error = date_range_error(day, "The date", allow_future=self.allow_future)
        if error:
            raise serializers.ValidationError(error, code="out_of_range")
        return value


class BoundedDateField(DateRangeFieldMixin, serializers.DateField):
    def to_internal_value(self, value):
        return self._check_range(super().to_internal_value(value))


@extend_schema_field(
    {"type": "string", "format": "date-time", "example": "2026-03-29T01:30:00+00:00"}
)
class AwareDateTimeField(DateRangeFieldMixin, serializers.DateTimeField):
    """ISO 8601 with an offset. A naive time is refused, not guessed.

    DRF's DateTimeField reads a naive time as Europe/London; at 01:30 on the autumn
    Sunday that is two different moments, and on the spring Sunday no moment at all
    (PROTOCOL.md "Time"), so the API asks for the offset instead.
    """

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-03-29T01:30:00+00:00 or …+01:00.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip()) if len(value) < 64 else None
            except ValueError:
                self.fail("invalid", format="YYYY-MM-DDThh:mm:ss+hh:mm")
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        elif isinstance(value, dt.datetime) and value.tzinfo is None:
            self.fail("naive")
        return self._check_range(super().to_internal_value(value))
