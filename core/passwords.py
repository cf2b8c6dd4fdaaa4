"""Password rules after the NCSC's guidance: length and a deny-list, no composition rules.

Composition rules ("a capital, a digit and a symbol") push people to `Summer2026!`,
which an attacker tries first; these validators refuse such patterns instead (decision
0015). Case and common character swaps (0 for o, 3 for e, @ for a...) are undone before
looking, so `Summ3r2026!` is refused too.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

SWAPS = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
SEASONS_AND_MONTHS = (
    "spring|summer|autumn|fall|winter|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
# A season or month next to a year (2 or 4 digits), in either order, anywhere.
SEASON_AND_YEAR = re.compile(
    rf"(?:{SEASONS_AND_MONTHS})[^a-z0-9]*(?:19|20)?\d\d|(?:19|20)?\d\d[^a-z0-9]*(?:{SEASONS_AND_MONTHS})"
)


class GuessablePatternValidator:
    """Refuses a season or month with a year: the pattern people use to satisfy
    composition rules and to "change" a password (Summer2026! then Autumn2026!)."""

    def validate(self, password: str, user: Any = None) -> None:
        plain = password.lower()
        if SEASON_AND_YEAR.search(plain) or SEASON_AND_YEAR.search(_unswapped_letters(plain)):
            raise ValidationError(
                "Your password is a season or month with a year, which is one of the "
                "first things guessed. Use three random words instead.",
                code="password_season_and_year",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be a season or month with a year, such as Summer2026."


def _unswapped_letters(plain: str) -> str:
    """Swaps undone one character at a time, so a year's digits stay digits:
    "summ3r2026" reads "summer2026", not "summeriozs"."""
    return re.sub(
        r"\d{2,}|[013457@$!]",
        lambda match: match.group() if len(match.group()) > 1 else match.group().translate(SWAPS),
        plain,
    )


class DeniedWordsValidator:
    """Refuses a password containing the service's name, the council's (settings
    PASSWORD_DENIED_WORDS) or the name of an agency the person works for."""

    def __init__(self, words: list[str] | tuple[str, ...] = ()) -> None:
        self.words = [word.lower() for word in words if len(word) >= 4]

    def _agency_words(self, user: Any) -> list[str]:
        if user is None or getattr(user, "pk", None) is None:
            return []
        names = user.memberships.values_list("team__agency__name", flat=True)
        # The distinctive words of "Borough of Northwick": "borough", "northwick".
        return [word for name in names for word in re.findall(r"[a-z]{5,}", name.lower())]

    def validate(self, password: str, user: Any = None) -> None:
        plain = password.lower()
        candidates = {plain, plain.translate(SWAPS)}
        for word in [*self.words, *self._agency_words(user)]:
            if any(word in candidate for candidate in candidates):
                raise ValidationError(
                    "Your password contains the name of this service or your organisation, "
                    "which is easy to guess. Use three random words instead.",
                    code="password_denied_word",
                )

    def get_help_text(self) -> str:
        return "Your password cannot contain the name of this service or your organisation."
