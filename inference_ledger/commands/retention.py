"""`ledger retention`: purge raw records and quarantine past their retention window."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

DESCRIPTION = """\
Apply the retention policy to the warehouse and the Parquet raw zone:

  LEDGER_RETENTION_DAYS             raw record rows older than N days (by event date)
  LEDGER_QUARANTINE_RETENTION_DAYS  quarantined records older than N days
  LEDGER_AUDIT_RETENTION_DAYS       audit hashes kept in raw.audit_hashes for N days

Unset means keep forever. Before raw rows are purged their context/content/tool hashes are
copied to raw.audit_hashes; every deletion is logged in raw.retention_log.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "retention",
        help="purge raw records and quarantine past the retention window (logged)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--home", type=Path, help="ledger home directory (LEDGER_HOME)")
    parser.add_argument("--raw-days", type=int, help="overrides LEDGER_RETENTION_DAYS")
    parser.add_argument(
        "--quarantine-days", type=int, help="overrides LEDGER_QUARANTINE_RETENTION_DAYS"
    )
    parser.add_argument("--audit-days", type=int, help="overrides LEDGER_AUDIT_RETENTION_DAYS")
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="compute cutoffs from this date instead of today (UTC)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would be deleted, delete nothing"
    )
    parser.set_defaults(func=retention)


def retention(args: argparse.Namespace) -> int:
    from inference_ledger.retention import (
        ENV_AUDIT,
        ENV_QUARANTINE,
        ENV_RAW,
        RetentionPolicy,
        apply_retention,
    )
    from inference_ledger.settings import SettingsError, load_settings

    if args.home:
        os.environ["LEDGER_HOME"] = str(args.home.resolve())
    for name, value in (
        (ENV_RAW, args.raw_days),
        (ENV_QUARANTINE, args.quarantine_days),
        (ENV_AUDIT, args.audit_days),
    ):
        if value is not None:
            os.environ[name] = str(value)
    try:
        settings = load_settings()
        policy = RetentionPolicy.from_env()
    except SettingsError as exc:
        print(f"ledger retention: {exc}", file=sys.stderr)
        return 2
    if policy == RetentionPolicy():
        print("ledger retention: no retention configured (everything is kept)")
        return 0
    result = apply_retention(settings, policy, today=args.as_of, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    for key, rows in sorted(result.deleted.items()):
        policy_name, table = key.split(":", 1)
        cutoff = result.cutoffs[policy_name]
        print(f"{verb} {rows:>8} row(s) from {table} (policy {policy_name}, before {cutoff})")
    print(f"archived {result.archived_hashes} audit hash row(s) to raw.audit_hashes")
    return 0
