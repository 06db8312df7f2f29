"""The input contract: versioned JSON Schemas for every record kind, and file validation."""

from inference_ledger.contract.schemas import (
    RECORD_KINDS,
    SCHEMA_VERSION,
    kind_for_path,
    load_schema,
)
from inference_ledger.contract.validate import FileReport, RecordError, validate_file

__all__ = [
    "RECORD_KINDS",
    "SCHEMA_VERSION",
    "FileReport",
    "RecordError",
    "kind_for_path",
    "load_schema",
    "validate_file",
]
