"""Run DfE's SSDA903 validator (csc-validator-be-903, `lac_validator`) on exported files.

Runs under `.venv-903/bin/python` (the validator pins pandas < 2 and numpy < 1.25, so it
lives apart from Homeward's own environment; `make venv-903` builds it). Prints JSON:

    {"validator": "0.1.17", "ruleset": "2025", "rules": [...], "done": [...],
     "skipped": [...], "failed": [...], "issues": [{"code", "table", "row", "child"}]}

Usage: validate_903.py --year 2025 --la E09000014 --this DIR [--prev DIR] [--rules 1006,567]
Each DIR holds the CSV files of one year (header.csv, episodes.csv, missing.csv, uasc.csv).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from importlib.metadata import version
from pathlib import Path

# The rules that read the Missing table (docs/statutory-returns.md). The full rule set is
# not run: rules 361/362/365 change the shared Missing table in place, which then gives
# false 575/577 errors for episodes open on 31 March (docs/decisions).
MISSING_RULES = [
    "1004", "1005", "1006", "564", "565", "566", "567", "570", "571", "574", "575",
    "576", "577", "578", "580", "581", "586", "INT04", "INT13", "1012",
]  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", required=True)
    parser.add_argument("--la", required=True, help="the authority's long code, e.g. E09000014")
    parser.add_argument("--this", required=True, type=Path)
    parser.add_argument("--prev", type=Path)
    parser.add_argument("--rules", default=",".join(MISSING_RULES))
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the validator logs every rule at INFO to stderr

    from lac_validator.lac_validator import LacValidator
    from lac_validator.rules.ruleset_utils import get_year_ruleset
    from lac_validator.utils import process_uploaded_files

    uploads = {"This year": sorted(str(p) for p in args.this.glob("*.csv"))}
    if args.prev is not None:
        uploads["Prev year"] = sorted(str(p) for p in args.prev.glob("*.csv"))
    files = process_uploaded_files(uploads)
    registry = get_year_ruleset(args.year)
    selected = [code.strip() for code in args.rules.split(",") if code.strip()]
    unknown = sorted(set(selected) - {str(code) for code in registry})
    if unknown:
        print(json.dumps({"error": f"not in the {args.year} rule set: {unknown}"}))
        return 2
    # Some rules print as they run: keep stdout for the JSON alone.
    with contextlib.redirect_stdout(sys.stderr):
        validator = LacValidator(
            metadata={"collectionYear": args.year, "localAuthority": args.la},
            files=files,
            registry=registry,
            selected_rules=selected,
        )
    issues = []
    for table, frame in validator.ds_results.items():
        if table == "metadata" or not hasattr(frame, "columns"):
            continue
        for column in [c for c in frame.columns if str(c).startswith("ERR_")]:
            for row, child in frame.loc[frame[column] == True, "CHILD"].items():  # noqa: E712
                issues.append(
                    {"code": column[4:], "table": table, "row": int(row), "child": str(child)}
                )
    print(
        json.dumps(
            {
                "validator": version("csc-validator-be-903"),
                "ruleset": args.year,
                "rules": selected,
                "done": sorted(validator.dones),
                "skipped": sorted(validator.skips),
                "failed": sorted(validator.fails),
                "issues": issues,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
