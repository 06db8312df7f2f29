"""Ingestion: landing directory (files of every supported shape) → canonical raw zone.

`ingest_landing` is the entry point used by the `ledger ingest` command, the Dagster assets
and the benchmark.
"""

from inference_ledger.ingest.pipeline import FileResult, IngestResult, ingest_landing
from inference_ledger.ingest.records import pseudonymize

__all__ = ["FileResult", "IngestResult", "ingest_landing", "pseudonymize"]
