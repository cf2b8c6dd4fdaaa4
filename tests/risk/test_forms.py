"""LondonDateTimeField: wall-clock times as people read them in the UK."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from core.forms import LondonDateTimeField


def clean(value: str):
    return LondonDateTimeField().clean(value)


def test_a_summer_time_is_read_as_bst():
    assert clean("2026-06-10T13:00") == dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


def test_a_winter_time_is_read_as_gmt():
    assert clean("2026-01-10T13:00") == dt.datetime(2026, 1, 10, 13, 0, tzinfo=dt.UTC)


def test_the_minute_before_and_after_the_spring_gap_exist_but_the_gap_does_not():
    assert clean("2026-03-29T00:59") == dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC)
    assert clean("2026-03-29T02:00") == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)
    with pytest.raises(forms.ValidationError, match="does not exist in the UK"):
        clean("2026-03-29T01:30")


def test_a_time_that_happened_twice_in_the_autumn_is_refused_with_a_way_forward():
    with pytest.raises(forms.ValidationError, match="happened twice"):
        clean("2026-10-25T01:30")
    assert clean("2026-10-25T02:00") == dt.datetime(2026, 10, 25, 2, 0, tzinfo=dt.UTC)


def test_nonsense_is_a_clear_error():
    with pytest.raises(forms.ValidationError, match="Enter a real date and time"):
        clean("yesterday teatime")
