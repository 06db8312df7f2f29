"""`ledger sync-postgres`: serve the marts from PostgreSQL with the same dbt project."""

from __future__ import annotations

import argparse
import sys

from inference_ledger.settings import SettingsError, load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sync-postgres",
        help="copy the raw zone into PostgreSQL and build the marts there",
        description=(
            "Replace schema `raw` on the PostgreSQL server of the dbt `postgres` target "
            "(LEDGER_PG_HOST, LEDGER_PG_PORT, LEDGER_PG_USER, LEDGER_PG_DBNAME, and "
            "LEDGER_PG_PASSWORD or LEDGER_PG_PASSWORD_FILE) with the warehouse's raw tables, "
            "in one transaction; with --build, then run `dbt build --target postgres` so BI "
            "tools that speak PostgreSQL read the same marts."
        ),
    )
    parser.add_argument("--build", action="store_true", help="run dbt build on the server after")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from inference_ledger.dbt_runner import DbtInvocation, DbtRunError, run_dbt
    from inference_ledger.serving.postgres import postgres_dsn_from_env, sync_raw_zone

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"ledger: {exc}", file=sys.stderr)
        return 2
    if not settings.warehouse_path.exists():
        print(
            f"ledger: no warehouse at {settings.warehouse_path}: run `ledger ingest` first",
            file=sys.stderr,
        )
        return 2
    import psycopg2

    try:
        counts = sync_raw_zone(settings.warehouse_path, postgres_dsn_from_env())
    except psycopg2.Error as exc:
        # The server's message names the problem; the DSN (and its password) is not echoed.
        print(f"ledger: PostgreSQL refused the copy: {str(exc).strip()}", file=sys.stderr)
        return 1
    print("raw zone copied: " + ", ".join(f"{t}={n}" for t, n in counts.items()))
    if not args.build:
        return 0
    try:
        # Applied for the dbt call only: this process's own settings stay as they were.
        run_dbt(
            DbtInvocation(
                command="build",
                target="postgres",
                target_path=settings.home / "dbt" / "target-postgres",
                log_path=settings.home / "dbt" / "logs",
            ),
            env={"LEDGER_DBT_TARGET": "postgres", "LEDGER_WAREHOUSE": str(settings.warehouse_path)},
        )
    except DbtRunError as exc:
        print(f"ledger: {exc}", file=sys.stderr)
        return 1
    print("marts built on PostgreSQL (schema marts)")
    return 0
