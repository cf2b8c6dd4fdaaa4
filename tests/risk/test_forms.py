"""The GOV.UK date and time inputs (core.forms): wall-clock times as people read them in
the UK, typed as day, month, year, hour and minute boxes; and the limits on free text."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from core.forms import BoundedForm, GovukDateField, LondonDateTimeField


class WhenForm(forms.Form):
    at = LondonDateTimeField(label="When the meeting was held")
    on = GovukDateField(label="Next review date", required=False)


def clean(day: str, month: str, year: str, hour: str, minute: str) -> dt.datetime:
    form = WhenForm(
        {"at_day": day, "at_month": month, "at_year": year, "at_hour": hour, "at_minute": minute}
    )
    if not form.is_valid():
        raise forms.ValidationError(form.errors["at"])
    return form.cleaned_data["at"]


def test_a_summer_time_is_read_as_bst():
    assert clean("10", "6", "2026", "13", "00") == dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


def test_a_winter_time_is_read_as_gmt():
    assert clean("10", "1", "2026", "13", "00") == dt.datetime(2026, 1, 10, 13, 0, tzinfo=dt.UTC)


def test_the_minute_before_and_after_the_spring_gap_exist_but_the_gap_does_not():
    assert clean("29", "3", "2026", "0", "59") == dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC)
    assert clean("29", "3", "2026", "2", "00") == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)
    with pytest.raises(forms.ValidationError, match="does not exist in the UK"):
        clean("29", "3", "2026", "1", "30")


def test_a_time_that_happened_twice_in_the_autumn_is_refused_with_a_way_forward():
    with pytest.raises(forms.ValidationError, match="happened twice"):
        clean("25", "10", "2026", "1", "30")
    assert clean("25", "10", "2026", "2", "00") == dt.datetime(2026, 10, 25, 2, 0, tzinfo=dt.UTC)


def test_a_missing_part_is_named():
    with pytest.raises(forms.ValidationError, match="must include a month"):
        clean("10", "", "2026", "13", "00")


def test_nonsense_is_a_clear_error():
    with pytest.raises(forms.ValidationError, match="must be a real date"):
        clean("31", "2", "2026", "13", "00")
    with pytest.raises(forms.ValidationError, match="must be a real date"):
        clean("ten", "6", "2026", "13", "00")
    for digit_like in ("²", "٣"):  # str.isdigit() is true of both
        with pytest.raises(forms.ValidationError, match="must be a real date"):
            clean(digit_like, "6", "2026", "13", "00")
    with pytest.raises(forms.ValidationError, match="24-hour"):
        clean("10", "6", "2026", "24", "00")


def test_an_empty_required_time_asks_for_it_and_an_empty_optional_date_is_none():
    form = WhenForm({"at_day": "", "at_month": "", "at_year": "", "at_hour": "", "at_minute": ""})
    assert not form.is_valid()
    assert form.errors["at"] == ["This field is required."]
    assert "on" not in form.errors and form.cleaned_data["on"] is None


def test_a_date_is_read_from_its_three_boxes():
    form = WhenForm(
        {
            "at_day": "10",
            "at_month": "6",
            "at_year": "2026",
            "at_hour": "9",
            "at_minute": "05",
            "on_day": "1",
            "on_month": "7",
            "on_year": "2026",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == dt.date(2026, 7, 1)


def test_the_inputs_are_the_gov_uk_date_input_with_no_browser_date_box():
    html = WhenForm(initial={"at": dt.datetime(2026, 6, 10, 12, 5, tzinfo=dt.UTC)}).as_p()
    assert 'type="datetime-local"' not in html and 'type="date"' not in html
    for name in ("at_day", "at_month", "at_year", "at_hour", "at_minute", "on_day"):
        assert f'name="{name}"' in html
    assert 'class="govuk-date-input"' in html
    # The initial instant is shown as the London wall clock read it (BST: 13:05).
    assert 'name="at_hour" type="text" inputmode="numeric" value="13"' in html


class NotesForm(BoundedForm):
    circumstances = forms.CharField(label="Circumstances", widget=forms.Textarea, required=False)
    place = forms.CharField(label="Where they were last seen", required=False)


def test_free_text_over_the_limit_is_refused_with_a_clear_message():
    form = NotesForm({"circumstances": "x" * 200_000, "place": "y" * 501})
    assert not form.is_valid()
    assert form.errors["circumstances"] == [
        "Circumstances must be 10,000 characters or fewer (you entered 200,000)"
    ]
    assert form.errors["place"] == [
        "Where they were last seen must be 500 characters or fewer (you entered 501)"
    ]


def test_free_text_at_the_limit_is_accepted():
    form = NotesForm({"circumstances": "x" * 10_000, "place": "y" * 500})
    assert form.is_valid(), form.errors
