"""Atomic publication of marts for BI tools: one DuckDB file and Parquet per mart."""

from inference_ledger.publish.publisher import (
    DEFAULT_MARTS,
    PUBLISHED_DB_NAME,
    PUBLISHED_STORAGE_VERSION,
    Publication,
    PublishError,
    publish_marts,
)

__all__ = [
    "DEFAULT_MARTS",
    "PUBLISHED_DB_NAME",
    "PUBLISHED_STORAGE_VERSION",
    "Publication",
    "PublishError",
    "publish_marts",
]
