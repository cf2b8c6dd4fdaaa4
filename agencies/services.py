"""The second factor's writes (decision 0015): setting up an authenticator app, checking
a code, backup codes, and an administrator's reset.

django-otp holds the devices: a TOTPDevice (the authenticator app; confirmed once the
person has typed a code from it) and a StaticDevice holding single-use backup codes.
Wrong codes back off (django-otp's throttling, held on the device row, so it holds
across sessions and addresses): 1 s after the first, then 2, 4, 8... seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Actor, Role, User, acting_person
from core.errors import NotAllowed, Refused
from core.history import records
from core.numbers import is_digits

logger = logging.getLogger(__name__)

AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"
# Backup codes: 10 characters from an alphabet without look-alikes (no 0/o, 1/l/i).
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_CODE_LENGTH = 10


def confirmed_authenticator(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def may_reset_second_factor(person: User) -> bool:
    """Administrators reset a person's second factor (decision 0015): they manage
    accounts, and a reset is account recovery, done after checking who is asking. Team
    managers do not: a manager's stolen account could otherwise strip a team's factors."""
    return person.is_active and (
        person.is_superuser
        or person.is_staff
        or person.memberships.filter(role=Role.ADMINISTRATOR, is_active=True).exists()
    )


@transaction.atomic
def start_authenticator_setup(*, acting_user: Actor) -> TOTPDevice:
    """The unconfirmed authenticator the set-up page shows (the same one on every visit
    until it is confirmed, so a reload does not invalidate a scanned QR code)."""
    person = acting_person(acting_user)
    if confirmed_authenticator(person) is not None:
        raise Refused("You already have an authenticator app set up.")
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=person, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=person, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def _wait_message(device: TOTPDevice | StaticDevice) -> str | None:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    seconds = (
        max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
        if isinstance(locked_until, dt.datetime)
        else None
    )
    wait = f"Wait {seconds} seconds" if seconds else "Wait a moment"
    return f"There have been too many wrong codes. {wait}, then try again."


def _clean_code(code: str) -> str:
    return "".join(code.split()).replace("-", "")


# A wrong code must count against the device even though the service then refuses:
# each check runs in its own transaction, which commits the throttle's failure count,
# and the refusal is raised after it (raised inside, it would roll the count back).


@records("Authenticator app set up")
def confirm_authenticator(*, acting_user: Actor, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a code from it; returns the device and a fresh set
    of backup codes, to be shown once."""
    person = acting_person(acting_user)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=person, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise Refused("Start setting up your authenticator app again.", field="code")
        problem = _check(device, code)
        if problem is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=person, confirmed=False).delete()
            return device, _new_backup_codes(person)
    raise Refused(problem, field="code")


def _check(device: TOTPDevice | StaticDevice, code: str) -> str | None:
    """None if `code` is accepted, or why not."""
    wait = _wait_message(device)
    if wait:
        return wait
    cleaned = _clean_code(code)
    if isinstance(device, TOTPDevice) and not (is_digits(cleaned) and len(cleaned) == 6):
        return "Enter the 6-digit code from your authenticator app."
    if not device.verify_token(cleaned):
        if isinstance(device, TOTPDevice):
            return "The code is not right, or was already used. Enter the code your app shows now."
        return "The backup code is not right, or was already used. Check it and try again."
    return None


def verify_authenticator_code(*, acting_user: Actor, code: str) -> TOTPDevice:
    """The device that accepts `code`, or Refused (wrong, reused, or throttled)."""
    person = acting_person(acting_user)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=person, confirmed=True).first()
        if device is None:
            raise Refused("Set up an authenticator app first.", field="code")
        problem = _check(device, code)
    if problem:
        raise Refused(problem, field="code")
    return device


def use_backup_code(*, acting_user: Actor, code: str) -> StaticDevice:
    """Sign in with a backup code, which is then used up."""
    person = acting_person(acting_user)
    with transaction.atomic():
        device = (
            StaticDevice.objects.select_for_update().filter(user=person, confirmed=True).first()
        )
        if device is None:
            raise Refused("You have no backup codes. Use your authenticator app.", field="code")
        problem = _check(device, code.lower())
    if problem:
        raise Refused(problem, field="code")
    return device


def _new_backup_codes(person: User) -> list[str]:
    StaticDevice.objects.filter(user=person).delete()
    device = StaticDevice.objects.create(user=person, name=BACKUP_CODES_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
        for _ in range(settings.BACKUP_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@records("Backup codes regenerated")
@transaction.atomic
def regenerate_backup_codes(*, acting_user: Actor) -> list[str]:
    """A new set of backup codes for the person; the old ones stop working."""
    person = acting_person(acting_user)
    if confirmed_authenticator(person) is None:
        raise Refused("Set up an authenticator app first.")
    return _new_backup_codes(person)


@records("Second factor reset")
@transaction.atomic
def reset_second_factor(*, acting_user: Actor, user: User) -> int:
    """Remove a person's authenticator and backup codes (a lost phone): at their next
    sign-in they set up a new authenticator. Returns how many devices were removed."""
    administrator = acting_person(acting_user)
    if not may_reset_second_factor(administrator):
        raise NotAllowed("Only an administrator can reset a person's second factor.")
    removed = TOTPDevice.objects.filter(user=user).count()
    removed += StaticDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    logger.warning(
        "Second factor of %s reset by %s", user.get_username(), administrator.get_username()
    )
    return removed
