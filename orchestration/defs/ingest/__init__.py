"""Ingest area: raw-zone assets partitioned by event date and the landing-file sensor."""

import dagster as dg

from orchestration.defs.ingest.assets import daily_partitions, ingest_raw_zone
from orchestration.defs.ingest.sensors import ingest_job, landing_files_sensor

defs = dg.Definitions(assets=[ingest_raw_zone], jobs=[ingest_job], sensors=[landing_files_sensor])

__all__ = ["daily_partitions", "defs", "ingest_job", "ingest_raw_zone", "landing_files_sensor"]
