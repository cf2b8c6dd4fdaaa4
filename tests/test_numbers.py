"""Whole numbers read from a query string or a form (core.numbers)."""

from __future__ import annotations

import pytest

from core.numbers import is_digits, page_number, whole_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),  # past any bigint PostgreSQL would take
        ("²", None),  # str.isdigit() is true of it; int() refuses it
        ("٣", None),  # an Arabic-Indic three: int() would read it as 3
        ("-1", None),
        ("1.5", None),
        (" 1", None),
        ("", None),
        (None, None),
    ],
)
def test_only_ascii_digits_within_a_bigint_are_a_whole_number(text, number):
    assert whole_number(text) == number


def test_is_digits_is_ascii_digits_only():
    assert is_digits("0123456789")
    assert not is_digits("²") and not is_digits("") and not is_digits("12a")


@pytest.mark.parametrize(
    ("text", "page"),
    [("3", 3), ("0", 1), ("", 1), (None, 1), ("x", 1), ("9" * 6, 999_999), ("9" * 7, 1)],
)
def test_a_page_is_from_one_and_anything_else_is_the_first(text, page):
    assert page_number(text) == page
