"""`ledger ingest`: load a landing directory (and optionally PostgreSQL) into the raw zone."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DESCRIPTION = """\
Load every new or changed file under the landing directory into the raw zone: canonical
Parquet under <home>/raw/<table>/event_date=YYYY-MM-DD/ and the `raw` schema of the DuckDB
warehouse. Files already ingested with the same content are skipped; a changed file replaces
the rows of its previous version; duplicate records load once. Bad records go to
raw.quarantine with their file, line and reason, never silently dropped.

Landing layout: the first folder names the record kind (events/, transitions/, envelopes/,
tool_calls/, approvals/, revenue/, otlp/, prices/); files may be .jsonl, .ndjson, .jsonl.gz,
.csv, .csv.gz, .parquet (and .json for OTLP exports). Files in the landing root are ignored.
"""

EPILOG = """\
examples:
  ledger ingest --landing ./landing
  ledger ingest --landing ./landing --home /data/ledger
  ledger ingest --landing ./landing --postgres-dsn postgresql://ledger@db/agent_logs

exit status: 0 when every file was processed (quarantined records included), 1 when a file
could not be read (it is retried on the next run), 2 on bad arguments.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="load landing files (and PostgreSQL tables) into the raw zone, exactly once",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--landing",
        type=Path,
        default=None,
        metavar="DIR",
        help="landing directory to read (default: $LEDGER_LANDING_DIR or <home>/landing)",
    )
    parser.add_argument(
        "--home",
        type=Path,
        default=None,
        metavar="DIR",
        help="ledger home holding raw/ and warehouse.duckdb (default: $LEDGER_HOME or ./.ledger)",
    )
    parser.add_argument(
        "--postgres-dsn",
        default=None,
        metavar="DSN",
        help="also read the traceability tables (decision_envelopes, tool_calls, approvals, "
        "context_snapshots) from this PostgreSQL database, incrementally by created_at",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.set_defaults(func=run)


def _print_table(rows: list[list[str]], out) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ]
        print("  ".join(cells).rstrip(), file=out)
        if index == 0:
            print("  ".join("-" * w for w in widths), file=out)


def run(args: argparse.Namespace) -> int:
    if args.home is not None:
        # --home means everything lives under it: derived paths set elsewhere do not apply.
        os.environ["LEDGER_HOME"] = str(args.home.expanduser().resolve())
        for name in ("LEDGER_WAREHOUSE", "LEDGER_RAW_DIR", "LEDGER_LANDING_DIR"):
            os.environ.pop(name, None)
    from inference_ledger.ingest import ingest_landing
    from inference_ledger.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"ledger ingest: {exc}", file=sys.stderr)
        return 2
    landing = (args.landing or settings.landing_dir).expanduser()
    if not landing.is_dir():
        print(f"ledger ingest: landing directory not found: {landing}", file=sys.stderr)
        return 2

    def progress(result) -> None:
        if args.quiet:
            return
        detail = f"  ({result.error})" if result.error else ""
        print(
            f"  {result.status:<14} {result.source_file}: read {result.records_read}, "
            f"loaded {result.records_loaded}, quarantined {result.records_quarantined}, "
            f"duplicate {result.records_duplicate}{detail}",
            file=sys.stderr,
            flush=True,
        )

    print(f"ingesting {landing} into {settings.home}", file=sys.stderr)
    import duckdb

    from inference_ledger.resource_errors import resource_hint

    try:
        result = ingest_landing(landing, settings, progress=progress)
    except duckdb.OutOfMemoryException as exc:
        # Files already committed stay loaded; the failing batch was rolled back and the next
        # run repeats it. Say which knob to turn instead of a traceback.
        hint = resource_hint(str(exc), settings) or f"DuckDB ran out of memory: {exc}"
        print(
            f"ledger ingest: {hint}. Nothing partial was committed; re-run to continue. "
            f"({str(exc).splitlines()[0]})",
            file=sys.stderr,
        )
        return 1
    rows = [["file", "status", "read", "loaded", "quarantined", "duplicate", "cost_usd"]]
    for f in result.files:
        rows.append(
            [
                f.source_file,
                f.status,
                str(f.records_read),
                str(f.records_loaded),
                str(f.records_quarantined),
                str(f.records_duplicate),
                f"{f.cost_usd:.4f}",
            ]
        )
    pg_failed = False
    if args.postgres_dsn:
        from inference_ledger.ingest.postgres import ingest_postgres

        try:
            pg = ingest_postgres(args.postgres_dsn, settings)
        except Exception as exc:  # a database problem is reported, the file results still count
            print(f"ledger ingest: PostgreSQL source failed: {exc}", file=sys.stderr)
            pg_failed = True
        else:
            for table, count in pg.items():
                rows.append([f"postgres:{table}", "ingested", str(count), str(count), "0", "0", ""])
    if len(rows) > 1:
        _print_table(rows, sys.stdout)
    print(
        f"\n{len(result.files)} file(s) processed, {result.unchanged_files} unchanged; "
        f"{int(result.total('records_loaded'))} records loaded, "
        f"{int(result.total('records_quarantined'))} quarantined, "
        f"{int(result.total('records_duplicate'))} duplicate; "
        f"cost ingested ${result.total('cost_usd'):.2f}; {result.seconds:.1f}s "
        f"(run {result.run_id})"
    )
    from inference_ledger.ingest.drift import unknown_fields

    for table, field, count in unknown_fields(settings.warehouse_path, result.run_id)[:20]:
        # Schema drift is reported, not dropped: the values are kept in the `extras` column.
        print(f"unknown field kept in {table}.extras: {field!r} ({count} records)")
    if result.failed:
        for f in result.failed:
            print(f"ledger ingest: could not read {f.source_file}: {f.error}", file=sys.stderr)
        return 1
    return 1 if pg_failed else 0
