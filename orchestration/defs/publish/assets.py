"""Publication for BI tools and the weekly ops report, after the marts and their checks.

Both depend on the marts, so a failing blocking (`error`) check on a mart stops them in that
run and the previous publication stays in place.
"""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation.
import dagster as dg

from inference_ledger.publish import DEFAULT_MARTS, publish_marts
from inference_ledger.report.build import build_report, resolve_week
from inference_ledger.settings import duckdb_config
from orchestration.defs.resources import LedgerResource

MART_KEYS = [dg.AssetKey([mart]) for mart in DEFAULT_MARTS]


@dg.asset(
    key=["published_marts"],
    deps=MART_KEYS,
    group_name="publish",
    kinds={"duckdb", "parquet"},
    description="Read-only DuckDB file (1.x storage) and Parquet per mart, swapped in atomically.",
)
def published_marts(context: dg.AssetExecutionContext, ledger: LedgerResource):
    settings = ledger.settings()
    publication = publish_marts(
        settings.warehouse_path,
        settings.publish_dir,
        run_id=context.run_id,
        duckdb_config=duckdb_config(settings),
    )
    return dg.MaterializeResult(
        metadata={
            "database": dg.MetadataValue.path(str(publication.database_path)),
            "parquet_dir": dg.MetadataValue.path(str(publication.parquet_dir)),
            "storage_version": publication.storage_version,
            "rows_published": sum(publication.row_counts.values()),
            "marts": len(publication.row_counts),
        }
    )


@dg.asset(
    key=["ops_report"],
    deps=MART_KEYS,
    group_name="publish",
    kinds={"html"},
    description="The weekly ops report (self-contained HTML) for the latest week with data.",
)
def ops_report(context: dg.AssetExecutionContext, ledger: LedgerResource):
    settings = ledger.settings()
    week = resolve_week(settings.warehouse_path)
    if week is None:
        context.log.warning("no weekly data yet: the report is skipped")
        return dg.MaterializeResult(metadata={"week": "none"})
    path = build_report(
        settings.warehouse_path, settings.report_dir / f"ops-report-{week}.html", week
    )
    latest = settings.report_dir / "ops-report-latest.html"
    latest.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return dg.MaterializeResult(metadata={"week": week, "report": dg.MetadataValue.path(str(path))})
