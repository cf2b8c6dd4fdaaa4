"""The DfE SSDA903 return's files, built from what Homeward holds (docs/statutory-returns.md).

`ssda903_files(acting_user=..., authority=..., year=2025)` gives the four CSV files the
DfE collection takes (header, episodes, missing, uasc) for one authority's looked-after
children in the collection year (1 April of the year before to 31 March). Dates are
dd/mm/YYYY as the Europe/London date; CHILD is the council's own child id.

A period of care is a run of looked-after legal statuses with no gap; it is split into
SSDA903 episodes at each placement change. Codes Homeward does not hold (LS, CIN, the
reason for leaving care, ...) come from `settings.SSDA903`, never from a guess per child.

Only the Missing Co-ordinator and the Assistant Director of the authority may produce
the return (`may_produce_returns`); the command runs as the engine.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch

from agencies.models import AUTHORITY_WIDE_ROLES, Actor, Agency, User
from children.models import Child, LegalStatus, LegalStatusKind, Placement, Sex
from children.selectors import access_profile
from core.actors import Engine
from core.clock import anniversary, london_date
from core.errors import NotAllowed, Refused
from episodes.models import Category, Episode

HEADERS = {
    "header.csv": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes.csv": [
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ],  # fmt: skip
    "missing.csv": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    "uasc.csv": ["CHILD", "SEX", "DOB", "DUC"],
}
SEX_CODES = {Sex.MALE: "M", Sex.FEMALE: "F"}  # anything else is U (2024-25 onwards)
DEFAULT_CODES: dict[str, object] = {
    # Homeward's "absent" has no SSDA903 code: "M" reports it as missing, "" leaves it out.
    "absent_as": "M",
    "ls": "C2",
    "cin": "N1",
    "place": {
        "home": "P1",
        "foster": "U6",
        "residential": "K2",
        "semi_independent": "H5",
        "other": "Z1",
    },
    "place_provider": {"home": "PR0", "default": "PR1"},
    "rec_left_care": "E8",
    "reason_place_change": "OTHER",
    "upn_unknown": "UN5",
    "urn": "XXXXXXX",
}


def codes() -> dict[str, object]:
    """The default codes, with the deployment's `settings.SSDA903` over them."""
    chosen = dict(getattr(settings, "SSDA903", {}))
    unknown = set(chosen) - set(DEFAULT_CODES)
    if unknown:
        raise ImproperlyConfigured(f"SSDA903_JSON: unknown keys {sorted(unknown)}")
    if chosen.get("absent_as", "M") not in ("M", ""):
        raise ImproperlyConfigured('SSDA903_JSON: "absent_as" is "M" or "" (left out)')
    return DEFAULT_CODES | chosen


def collection_period(year: int) -> tuple[dt.date, dt.date]:
    """Collection year 2025 is 1 April 2024 to 31 March 2025."""
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def ddmmyyyy(day: dt.date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


def may_produce_returns(user: User | AnonymousUser, authority_id: int) -> bool:
    """The authority's Missing Co-ordinator or Assistant Director; nobody else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(
        role in AUTHORITY_WIDE_ROLES and agency == authority_id
        for role, _team, agency in access_profile(user).memberships
    )


def _returns_authority_ids(user: User | AnonymousUser) -> set[int]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {
        agency
        for role, _team, agency in access_profile(user).memberships
        if role in AUTHORITY_WIDE_ROLES
    }


def returns_authorities(user: User | AnonymousUser) -> list[Agency]:
    """The authorities whose statutory returns `user` may produce."""
    ids = _returns_authority_ids(user)
    return list(Agency.objects.filter(pk__in=ids).order_by("name")) if ids else []


def produces_returns(user: User | AnonymousUser) -> bool:
    """Whether `user` may produce any authority's statutory returns (from the memberships
    the request has read already: the navigation asks on every page)."""
    return bool(_returns_authority_ids(user))


def require_returns(acting_user: Actor, authority: Agency) -> None:
    if isinstance(acting_user, Engine):
        return
    if not may_produce_returns(acting_user, authority.pk):
        raise NotAllowed(
            "Statutory returns are produced by the authority's Missing Co-ordinator "
            "or Assistant Director."
        )


@dataclasses.dataclass(frozen=True)
class CarePeriod:
    start: dt.date
    last_day: dt.date | None  # the last day looked after; None while still in care

    @property
    def ceased(self) -> dt.date | None:
        """SSDA903's DEC: the day the child ceased to be looked after (the day after)."""
        return None if self.last_day is None else self.last_day + dt.timedelta(days=1)

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.last_day is None or day <= self.last_day)


def care_periods(statuses: Iterable[LegalStatus]) -> list[CarePeriod]:
    """Looked-after statuses joined where one starts the day after the last ends."""
    periods: list[CarePeriod] = []
    for status in sorted(statuses, key=lambda s: s.start_date):
        if status.status != LegalStatusKind.LOOKED_AFTER:
            continue
        previous = periods[-1] if periods else None
        if (
            previous is not None
            and previous.last_day is not None
            and status.start_date <= previous.last_day + dt.timedelta(days=1)
        ):
            periods[-1] = CarePeriod(previous.start, status.end_date)
        else:
            periods.append(CarePeriod(status.start_date, status.end_date))
    return periods


@dataclasses.dataclass(frozen=True)
class Episode903:
    decom: dt.date
    rne: str
    placement: Placement | None
    dec: dt.date | None
    rec: str
    reason_place_change: str


def episodes_903(period: CarePeriod, placements: list[Placement]) -> list[Episode903]:
    """One period of care cut at each placement change (DEC of one = DECOM of the next)."""
    table = codes()
    inside = sorted(
        (p for p in placements if period.covers(p.start_date) and p.start_date > period.start),
        key=lambda p: p.start_date,
    )
    starts = [period.start] + [p.start_date for p in inside]

    def placement_on(day: dt.date) -> Placement | None:
        for p in placements:
            if p.start_date <= day and (p.end_date is None or day <= p.end_date):
                return p
        return None

    episodes = []
    for index, start in enumerate(starts):
        last = index == len(starts) - 1
        dec = period.ceased if last else starts[index + 1]
        episodes.append(
            Episode903(
                decom=start,
                rne="S" if index == 0 else "P",
                placement=placement_on(start),
                dec=dec,
                rec=(str(table["rec_left_care"]) if dec else "") if last else "X1",
                reason_place_change="" if last else str(table["reason_place_change"]),
            )
        )
    return episodes


def missing_code(category: str) -> str:
    """M, A, or "" (left out) for an absent episode, as the authority chose."""
    if category == Category.MISSING:
        return "M"
    if category == Category.AWAY_WITHOUT_AUTHORISATION:
        return "A"
    return str(codes()["absent_as"])


def ssda903_tables(
    *, acting_user: Actor, authority: Agency, year: int
) -> dict[str, list[list[str]]]:
    """The four files' rows (headers first), for the authority's looked-after children."""
    require_returns(acting_user, authority)
    if not 2000 <= year <= 2100:
        raise Refused("Enter the collection year, for example 2025.", field="year")
    first, last = collection_period(year)
    table = codes()
    children = (
        Child.objects.filter(
            responsible_authority=authority,
            legal_statuses__status=LegalStatusKind.LOOKED_AFTER,
            legal_statuses__start_date__lte=last,
        )
        .distinct()
        .order_by("local_child_id", "pk")
        .prefetch_related(
            "legal_statuses",
            "placements",
            Prefetch(
                "episodes",
                queryset=Episode.objects.filter(entered_in_error=False).order_by("last_seen_at"),
            ),
        )
    )
    rows: dict[str, list[list[str]]] = {name: [list(h)] for name, h in HEADERS.items()}
    no_id: list[str] = []
    for child in children:
        periods = [
            p
            for p in care_periods(child.legal_statuses.all())
            if p.start <= last and (p.ceased is None or p.ceased >= first)
        ]
        if not periods:
            continue
        if not child.local_child_id:
            no_id.append(child.full_name)
            continue
        ident, dob = child.local_child_id, ddmmyyyy(child.date_of_birth)
        sex = SEX_CODES.get(child.sex, "U")  # type: ignore[call-overload]
        rows["header.csv"].append(
            [ident, sex, dob, child.ethnicity, child.upn or str(table["upn_unknown"]), "", ""]
        )
        placements = list(child.placements.all())
        for period in periods:
            for ep in episodes_903(period, placements):
                if ep.decom > last or (ep.dec is not None and ep.dec < first):
                    continue
                kind = ep.placement.kind if ep.placement else ""
                providers: dict = table["place_provider"]  # type: ignore[assignment]
                rows["episodes.csv"].append(
                    [
                        ident,
                        ddmmyyyy(ep.decom),
                        ep.rne,
                        str(table["ls"]),
                        str(table["cin"]),
                        table["place"].get(kind, "") if kind else "",  # type: ignore[attr-defined]
                        providers.get(kind, providers["default"]) if kind else "",
                        "" if ep.dec is None or ep.dec > last else ddmmyyyy(ep.dec),
                        "" if ep.dec is None or ep.dec > last else ep.rec,
                        "" if ep.dec is None or ep.dec > last else ep.reason_place_change,
                        "",
                        ep.placement.postcode if ep.placement else "",
                        str(table["urn"]),
                    ]
                )
        for episode in child.episodes.all():
            code = missing_code(episode.category)
            start = london_date(episode.last_seen_at)
            end = london_date(episode.returned_at) if episode.returned_at else None
            if not code or start > last or (end is not None and end < first):
                continue
            if not any(p.covers(start) for p in periods):
                continue
            rows["missing.csv"].append(
                [
                    ident,
                    dob,
                    code,
                    ddmmyyyy(start),
                    "" if end is None or end > last else ddmmyyyy(end),
                ]
            )
        if child.is_uasc:
            rows["uasc.csv"].append(
                [ident, sex, dob, ddmmyyyy(anniversary(child.date_of_birth, 18))]
            )
    if no_id:
        raise Refused(
            f"{len(no_id)} looked-after children have no council child ID, which the return "
            f"needs: {', '.join(sorted(no_id)[:5])}. Record it on each child's record.",
            field="year",
        )
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def ssda903_files(*, acting_user: Actor, authority: Agency, year: int) -> dict[str, bytes]:
    """The four CSV files, by file name."""
    tables = ssda903_tables(acting_user=acting_user, authority=authority, year=year)
    return {name: as_csv(rows) for name, rows in tables.items()}
