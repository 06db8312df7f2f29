"""Validate landing files against the record-kind JSON Schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from inference_ledger.contract.readers import ParseFailure, iter_records
from inference_ledger.contract.schemas import (
    RECORD_KINDS,
    column_types,
    kind_for_path,
    validator_for,
)


@dataclass(frozen=True)
class RecordError:
    line: int
    message: str


@dataclass
class FileReport:
    path: Path
    kind: str | None
    records: int = 0
    invalid: int = 0
    errors: list[RecordError] = field(default_factory=list)
    file_error: str | None = None

    @property
    def valid(self) -> int:
        return self.records - self.invalid

    @property
    def ok(self) -> bool:
        return self.file_error is None and self.invalid == 0


def _describe(error) -> str:
    location = "/".join(str(part) for part in error.absolute_path)
    return f"{location}: {error.message}" if location else error.message


def validate_file(path: Path, kind: str | None = None, max_errors: int = 10) -> FileReport:
    """Check every record of `path`; keep the first `max_errors` problems with line numbers.

    `kind` is a landing folder name (`events`, `envelopes`, …); by default it is taken from
    the path. Line numbers are physical lines for JSONL/CSV (the CSV header is line 1) and
    1-based row numbers for Parquet.
    """
    kind = kind or kind_for_path(path)
    report = FileReport(path=path, kind=kind)
    if kind not in RECORD_KINDS:
        report.file_error = (
            "unknown record kind: put the file under one of "
            + ", ".join(f"{k}/" for k in RECORD_KINDS)
            + " or pass --kind"
        )
        return report
    validator = validator_for(RECORD_KINDS[kind])
    try:
        for line, record in iter_records(path, column_types(RECORD_KINDS[kind])):
            report.records += 1
            if isinstance(record, ParseFailure):
                message = record.message
            elif not isinstance(record, dict):
                message = f"expected a JSON object, got {type(record).__name__}"
            else:
                problems = sorted(validator.iter_errors(record), key=lambda e: list(e.path))
                if not problems:
                    continue
                message = "; ".join(_describe(p) for p in problems[:3])
            report.invalid += 1
            if len(report.errors) < max_errors:
                report.errors.append(RecordError(line=line, message=message))
    except (OSError, EOFError, ValueError) as exc:
        report.file_error = f"cannot read file: {exc}"
    return report
