"""Sign-in lockout per account and per account from one address (decision 0015).

django-axes counts failures for each of AXES_LOCKOUT_PARAMETERS ([["username"],
["username", "ip_address"]]) and compares the largest with one limit. Two limits are
wanted: AXES_FAILURE_LIMIT (5) for one account from one address (a person mistyping, or
one attacker), and AXES_ACCOUNT_FAILURE_LIMIT (20) for the account from everywhere
(guessing spread across many addresses). The account's count is reported on the first
limit's scale, floor(failures * limit / account_limit), which reaches the limit exactly
when the account's failures reach their own. An address alone is never locked: a
council's staff share a few addresses behind its proxy.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


class AccountLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        parameters = get_lockout_parameters(request, credentials)
        counts = []
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameter in (["username"], "username"):
                # The account from every address: its own, higher limit.
                failures = (
                    failures * settings.AXES_FAILURE_LIMIT // settings.AXES_ACCOUNT_FAILURE_LIMIT
                )
            counts.append(failures)
        return max(counts, default=0)
