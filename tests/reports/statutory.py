"""Shared helpers for the statutory returns' tests: a synthetic authority built through
Homeward's own services, and DfE's validator run through scripts/validate_903.py."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casework.services import report_episode
from children.models import Child
from children.services import add_legal_status, create_child, start_placement
from episodes.services import record_return

ROOT = Path(__file__).resolve().parent.parent.parent
VALIDATOR_PYTHON = ROOT / ".venv-903" / "bin" / "python"
LONDON = ZoneInfo("Europe/London")


def london(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LONDON)  # type: ignore[misc]


def ensure_validator() -> Path:
    """The validator's own environment, built by `make venv-903` if it is not there."""
    if not (ROOT / ".venv-903" / ".installed").exists():
        subprocess.run(["make", "venv-903"], cwd=ROOT, check=True, capture_output=True)
    return VALIDATOR_PYTHON


def validate(
    this: Path, *, prev: Path | None = None, la: str = "E09000014", rules: str | None = None
) -> dict[str, Any]:
    command = [
        str(ensure_validator()),
        str(ROOT / "scripts" / "validate_903.py"),
        "--year",
        "2025",
        "--la",
        la,
        "--this",
        str(this),
    ]
    if prev is not None:
        command += ["--prev", str(prev)]
    if rules is not None:
        command += ["--rules", rules]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    return json.loads(done.stdout.strip().splitlines()[-1])


def looked_after_child(
    world: Any,
    *,
    local_child_id: str,
    date_of_birth: dt.date,
    care_from: dt.date,
    placement_kind: str = "foster",
    **profile: Any,
) -> Child:
    child = create_child(
        acting_user=world.missing_coordinator,
        given_name=f"Child{local_child_id}",
        family_name="Synthetic",
        date_of_birth=date_of_birth,
        responsible_authority=world.council,
        legal_status="looked_after",
        legal_status_start=care_from,
        team=world.team,
        worker=world.social_worker,
        local_child_id=local_child_id,
        **profile,
    )
    start_placement(
        acting_user=world.missing_coordinator,
        child=child,
        kind=placement_kind,
        placing_authority=world.council,
        host_authority=world.council,
        start_date=care_from,
        postcode="N15 4AA",
    )
    return child


def episode(
    world: Any,
    child: Child,
    category: str,
    seen: dt.datetime,
    back: dt.datetime | None,
) -> Any:
    made = report_episode(
        acting_user=world.social_worker,
        child=child,
        category=category,
        last_seen_at=seen,
        reported_at=seen,
        returned_at=back if category == "absent" else None,
    )
    if back is not None and category != "absent":
        made = record_return(acting_user=world.social_worker, episode=made, returned_at=back)
    return made


def end_care(world: Any, child: Child, *, last_day: dt.date, then: str) -> None:
    add_legal_status(
        acting_user=world.missing_coordinator,
        child=child,
        status=then,
        start_date=last_day + dt.timedelta(days=1),
    )
