"""Whole numbers read from what a person or a browser sent: a query string's page or id.

`str.isdigit()` is not enough: it is true of "²" and "٣", which int() refuses or reads
as another digit, and of "9" * 30, which PostgreSQL refuses as a bigint (a 500 from
`?page=...` before issue 13's review). Here only ASCII digits count, up to 18 of them,
within any bigint.
"""

from __future__ import annotations

MAX_DIGITS = 18


def is_digits(text: str) -> bool:
    """True if `text` is one or more ASCII digits."""
    return text.isascii() and text.isdigit()


def whole_number(text: str | None, *, max_digits: int = MAX_DIGITS) -> int | None:
    """`text` as a whole number if it is 1 to `max_digits` ASCII digits, else None."""
    if not text or len(text) > max_digits or not is_digits(text):
        return None
    return int(text)


def page_number(text: str | None, *, max_digits: int = 6) -> int:
    """A page asked for in a query string, from 1; anything else is the first page."""
    number = whole_number(text, max_digits=max_digits)
    return max(number, 1) if number is not None else 1
