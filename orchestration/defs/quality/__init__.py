"""Quality area: Great Expectations suites as Dagster asset checks on raw tables and marts."""

import dagster as dg

from orchestration.defs.ingest.assets import daily_partitions
from orchestration.defs.quality.checks import (
    asset_key_for,
    build_quality_checks,
    check_specs,
)

# The dbt assets share the raw zone's daily partitions, so the mart checks do too.
quality_checks = build_quality_checks(
    raw_partitions_def=daily_partitions, mart_partitions_def=daily_partitions
)

defs = dg.Definitions(asset_checks=quality_checks)

__all__ = ["asset_key_for", "build_quality_checks", "check_specs", "defs", "quality_checks"]
