"""Form parts every page shares: dates and times as a person in the UK reads their clock,
and a service's refusal shown against the field it names.

`LondonDateTimeField` reads a wall-clock time as Europe/London and refuses one that does
not exist (the spring clock change) or happened twice (the autumn one), with a GOV.UK
error message, rather than letting zoneinfo silently pick an instant.
`add_service_error` turns a service's refusal into a field error on the form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pghistory.models
from django import forms
from django.core import validators
from django.utils import timezone

from core.clock import LONDON, AmbiguousLocalTime, NonExistentLocalTime, london_wall_time
from core.errors import ServiceError
from core.numbers import is_digits


class GovukDateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes (`<name>_day`, `_month`, `_year`)
    in one fieldset, rather than a browser date picker (issue 11). Typed, not picked: it
    is quicker, works with any keyboard and screen reader, and shows no mm/dd/yyyy."""

    template_name = "includes/widgets/govuk_date_input.html"
    use_fieldset = True
    parts: tuple[tuple[str, str, int], ...] = (
        ("day", "Day", 2),
        ("month", "Month", 2),
        ("year", "Year", 4),
    )

    def __init__(self, attrs: dict | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            name: forms.TextInput(attrs={"inputmode": "numeric"}) for name, _label, _w in self.parts
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: object) -> list[str]:
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(LONDON)
            return [
                str(value.day),
                str(value.month),
                str(value.year),
                f"{value.hour:02d}",
                f"{value.minute:02d}",
            ][: len(self.parts)]
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [""] * len(self.parts)

    def use_required_attribute(self, initial: object) -> bool:
        return False  # GOV.UK forms validate on the server (novalidate)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        # One ISO value under the field's own name (a bookmarked report URL, a link
        # another page builds: ?from_date=2026-04-01) is read as well as the boxes.
        if name in data and not any(f"{name}_{part}" in data for part, _l, _w in self.parts):
            return data.get(name)
        return super().value_from_datadict(data, files, name)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_day" if id_ else ""

    def get_context(self, name: str, value: object, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        has_error = bool((attrs or {}).get("aria-invalid"))
        for (_part, label, width), subwidget in zip(
            self.parts, context["widget"]["subwidgets"], strict=True
        ):
            subwidget["label"] = label
            subwidget["width"] = width
            subwidget["attrs"].pop("aria-invalid", None)
        context["widget"]["has_error"] = has_error
        return context


class GovukDateTimeInput(GovukDateInput):
    """The GOV.UK date input with the time as two more boxes, hour and minute (24-hour)."""

    parts = (*GovukDateInput.parts, ("hour", "Hour", 2), ("minute", "Minute", 2))


# Kept for the forms that name it: a date is asked as the GOV.UK date input.
DateInput = GovukDateInput


def _parts(value: object, names: tuple[str, ...]) -> dict[str, str] | None:
    """The boxes as text, or None when every one is empty."""
    if isinstance(value, (list, tuple)):
        texts = {name: str(part or "").strip() for name, part in zip(names, value, strict=False)}
    else:
        return None
    return texts if any(texts.values()) else None


def _check_parts(texts: dict[str, str], label: str) -> None:
    missing = [name for name, text in texts.items() if not text]
    if missing:
        raise forms.ValidationError(
            f"{label} must include a {' and a '.join(missing)}", code="incomplete"
        )
    if not all(is_digits(text) for text in texts.values()) or len(texts["year"]) != 4:
        raise forms.ValidationError(f"{label} must be a real date", code="invalid")


# --- Dates in a sane range (issue 14) -------------------------------------------------
# No record Homeward holds is dated before 1990 (the oldest child it can hold was born
# after it), and a fact that happened cannot be dated in the future: a day's tolerance
# covers a late-evening UK entry against a server in UTC. Fields about the future (a
# review date, an action due, an access expiry) take up to five years ahead instead.
EARLIEST_DATE = dt.date(1990, 1, 1)
FUTURE_TOLERANCE = dt.timedelta(days=1)
FURTHEST_FUTURE = dt.timedelta(days=5 * 366)


def date_range_error(value: dt.date, label: str, *, allow_future: bool = False) -> str | None:
    """The GOV.UK-style message if `value` is outside the range, else None."""
    if value < EARLIEST_DATE:
        return f"{label} must be the same as or after 1 January 1990"
    today = timezone.localdate()
    if allow_future:
        latest = today + FURTHEST_FUTURE
        if value > latest:
            return f"{label} must be the same as or before {latest.day} {latest:%B %Y}"
    elif value > today + FUTURE_TOLERANCE:
        return f"{label} must be today or in the past"
    return None


class DateRangeMixin(forms.Field):
    """`allow_future=True` for a field about the future; past facts by default."""

    def __init__(self, *args: Any, allow_future: bool = False, **kwargs: Any) -> None:
        self.allow_future = allow_future
        super().__init__(*args, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        day = value.astimezone(LONDON).date() if isinstance(value, dt.datetime) else value
        label = str(self.label or "The date")
        error = date_range_error(day, label[0].upper() + label[1:], allow_future=self.allow_future)
        if error:
            raise forms.ValidationError(error, code="out_of_range")


class GovukDateField(DateRangeMixin, forms.Field):
    """A calendar date from the GOV.UK date input, with the Design System's messages."""

    widget = GovukDateInput
    default_error_messages = {"required": "Enter the date"}

    def _label(self) -> str:
        text = str(self.label or "The date")
        return text[0].upper() + text[1:]

    def to_python(self, value: object) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError as error:
                raise forms.ValidationError(f"{self._label()} must be a real date") from error
        texts = _parts(value, ("day", "month", "year"))
        if texts is None:
            return None
        _check_parts(texts, self._label())
        try:
            return dt.date(int(texts["year"]), int(texts["month"]), int(texts["day"]))
        except ValueError as error:
            raise forms.ValidationError(f"{self._label()} must be a real date") from error


class LondonDateTimeField(DateRangeMixin, forms.Field):
    """A date and time as the person reads their clock in the UK; cleaned to an aware instant.

    Asked as the GOV.UK date input plus hour and minute boxes (`<name>_day`, `_month`,
    `_year`, `_hour`, `_minute`). A time the spring clock change skipped, or one the
    autumn change repeated, is refused with a way forward rather than guessed.
    """

    widget = GovukDateTimeInput
    default_error_messages = {
        "invalid": "Enter a real date and time, for example 10 6 2026 and 14 30",
    }

    def prepare_value(self, value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(LONDON).replace(tzinfo=None)
        return value

    def _naive(self, value: object) -> dt.datetime | None:
        if isinstance(value, str):
            text = value.strip()
            for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"):
                try:
                    return dt.datetime.strptime(text, fmt)  # noqa: DTZ007 (made aware below)
                except ValueError:
                    continue
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        texts = _parts(value, ("day", "month", "year", "hour", "minute"))
        if texts is None:
            return None
        label = str(self.label or "The date and time")
        label = label[0].upper() + label[1:]
        _check_parts(texts, label)
        hour, minute = int(texts["hour"]), int(texts["minute"])
        if hour > 23 or minute > 59:
            raise forms.ValidationError(
                "Enter the time in 24-hour hours and minutes, for example 14 and 30",
                code="invalid",
            )
        try:
            return dt.datetime(  # noqa: DTZ001 (London wall time, made aware below)
                int(texts["year"]), int(texts["month"]), int(texts["day"]), hour, minute
            )
        except ValueError as error:
            raise forms.ValidationError(f"{label} must be a real date", code="invalid") from error

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        naive = self._naive(value)
        if naive is None:
            return None
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


# --- Limits on free text ------------------------------------------------------------
# Every free-text box has a server-side limit (issue 11): a pasted 200,000-character
# "circumstances" is refused with a message, never stored or left to fail. A line of
# text (a name, a place) and a box of notes have different limits.
LINE_LIMIT = 500
TEXT_LIMIT = 10_000


class TextLimitValidator:
    def __init__(self, limit: int, label: str) -> None:
        self.limit = limit
        self.label = label

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and len(value) > self.limit:
            raise forms.ValidationError(
                f"{self.label} must be {self.limit:,} characters or fewer "
                f"(you entered {len(value):,})",
                code="max_length",
            )


def limit_free_text(form_fields: dict[str, forms.Field]) -> None:
    """Give every text field without a limit of its own the service's limit: a box of
    notes TEXT_LIMIT characters, a line LINE_LIMIT; and make every limit's message say
    what to do. No `maxlength` attribute is added: a browser would cut a paste silently."""
    for field in form_fields.values():
        if not isinstance(field, forms.CharField):
            continue
        limit = field.max_length
        if limit is None:
            limit = TEXT_LIMIT if isinstance(field.widget, forms.Textarea) else LINE_LIMIT
            field.max_length = limit
        field.validators = [
            v
            for v in field.validators
            if not isinstance(v, validators.MaxLengthValidator | TextLimitValidator)
        ]
        field.validators.append(TextLimitValidator(limit, str(field.label or "The text")))


class BoundedForm(forms.Form):
    """A form whose free text is limited on the server (see limit_free_text), fields added
    in a subclass's __init__ included: the limits are applied as the form is cleaned."""

    def full_clean(self) -> None:
        limit_free_text(self.fields)
        super().full_clean()


def add_service_error(
    form: forms.Form, error: ServiceError, fields: dict[str, str] | None = None
) -> None:
    """Show a service's refusal against the form field it names (or above the form)."""
    name = (fields or {}).get(error.field or "", error.field)
    form.add_error(name if name in form.fields else None, error.message)


# --- The version a form was read at (issue 14) ----------------------------------------
# A form that edits an existing record carries, in a hidden field, a token of the record
# as it was when the page was drawn. If the record has changed by the time the form comes
# back (a colleague's reclassification, a second tab), the change is refused with who
# changed it and when, and the page shows the record as it is now: nothing is silently
# overwritten. The token is a hash of the record's stored fields, so it works for every
# model, with or without an `updated_at`, and moves with any change to the row.
VERSION_FIELD = "record_version"


def record_version(record: Any) -> str:
    values = {
        field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields
    }
    body = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def last_change(record: Any) -> tuple[str, dt.datetime | None]:
    """Who made the record's latest change, and when, from its pghistory trail."""
    event = (
        pghistory.models.Events.objects.tracks(record)
        .order_by("-pgh_created_at", "-pgh_id")
        .first()
    )
    # The record's own updated_at where it has one: the application's clock, which the
    # row was written by (the trail's time is the database server's).
    when = getattr(record, "updated_at", None)
    if event is None:
        return "Someone", when
    context = event.pgh_context or {}
    return str(context.get("actor") or "Someone"), when or event.pgh_created_at


class StaleForm(Exception):  # noqa: N818 - a control-flow signal for views, not an error
    """Raised by a view after `refuse_if_stale` to skip the service and draw the page."""


class RecordVersionMixin(forms.Form):
    """For a form that edits an existing record: pass `record=` when building it; call
    `refuse_if_stale(current)` after `is_valid()` and before the service.

    A stale form gets a GOV.UK error ("Sally Walker changed this record at 14:05; your
    changes were not saved. ...") and `stale` set; the page is drawn again from the record
    as it is now, and the form then carries the current version, so sending it again (the
    person has now seen the change) goes through.
    """

    stale = False

    def __init__(self, *args: Any, record: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)
        if record is not None:
            self.fields[VERSION_FIELD].initial = record_version(record)

    def refuse_if_stale(self, current: Any) -> bool:
        """True (with the error added) if the record changed since the form was drawn.
        Every page draws the version; a post without one (a script, a test posting the
        fields alone) is not checked: it never saw a version to be stale against."""
        sent = self.cleaned_data.get(VERSION_FIELD)
        if not sent or sent == record_version(current):
            return False
        who, when = last_change(current)
        at = f" at {when.astimezone(LONDON):%H:%M}" if when is not None else ""
        self.add_error(
            None,
            f"{who} changed this record{at}; your changes were not saved. This page now "
            "shows the record as it is: check it, then send your change again.",
        )
        # Sent again from this page, the form names the version the person has now seen.
        data: Any = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict when bound
        data[VERSION_FIELD] = record_version(current)
        self.data = data
        self.stale = True
        return True
