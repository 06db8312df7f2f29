"""`python -m inference_ledger.publish`: publish the marts for BI tools now."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from inference_ledger.publish.publisher import DEFAULT_MARTS, PublishError, publish_marts
from inference_ledger.settings import duckdb_config, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(
        prog="python -m inference_ledger.publish",
        description="Publish marts atomically into the publish directory (DuckDB + Parquet).",
    )
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_path)
    parser.add_argument("--publish-dir", type=Path, default=settings.publish_dir)
    parser.add_argument(
        "--mart",
        action="append",
        dest="marts",
        metavar="NAME",
        help="a mart to publish (repeatable; default: every public mart)",
    )
    args = parser.parse_args(argv)
    try:
        pub = publish_marts(
            args.warehouse,
            args.publish_dir,
            args.marts or DEFAULT_MARTS,
            duckdb_config=duckdb_config(settings),
        )
    except PublishError as exc:
        print(f"publish failed, previous publication kept: {exc}", file=sys.stderr)
        return 1
    rows = sum(pub.row_counts.values())
    print(
        f"published {len(pub.row_counts)} marts ({rows:,} rows) as {pub.run_id} "
        f"to {pub.publish_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
