"""Read records from JSONL, JSON, CSV and Parquet files, keeping the line or row number.

Readers never raise on a bad record: they yield a `ParseFailure` for it, so a caller can
report every problem with its line number and keep going.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

SUPPORTED_SUFFIXES = (
    ".jsonl",
    ".ndjson",
    ".json",
    ".jsonl.gz",
    ".ndjson.gz",
    ".json.gz",
    ".csv",
    ".csv.gz",
    ".parquet",
)


@dataclass(frozen=True)
class ParseFailure:
    message: str


def file_format(path: Path) -> str | None:
    """`jsonl`, `json`, `csv` or `parquet` (compression ignored), or None when unsupported."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for suffix, fmt in (
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".json", "json"),
        (".csv", "csv"),
        (".parquet", "parquet"),
    ):
        if name.endswith(suffix):
            return fmt
    return None


def _open_text(path: Path) -> TextIO:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="replace")
    return path.open(encoding="utf-8-sig", errors="replace", newline="")


def _reject_constants(value: str) -> float:
    raise ValueError(f"non-finite number {value}")


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    with _open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield line_no, json.loads(line, parse_constant=_reject_constants)
            except (ValueError, RecursionError) as exc:
                yield line_no, ParseFailure(f"malformed JSON: {exc}")


def _json_document(path: Path) -> Iterator[tuple[int, Any]]:
    with _open_text(path) as handle:
        text = handle.read()
    try:
        yield 1, json.loads(text, parse_constant=_reject_constants)
    except ValueError:
        # Not one document: treat it as one document per line.
        yield from _json_lines(path)


def _csv_value(text: str | None, types: frozenset[str]) -> Any:
    """Turn one CSV cell into the JSON type its schema property declares.

    A cell that does not convert stays text, so the schema reports the type error.
    """
    if text is None or text == "":
        return None
    if "integer" in types:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in types:
        try:
            number = float(text)
            if math.isfinite(number):
                return number
        except ValueError:
            pass
    if "boolean" in types and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _csv_rows(path: Path, column_types: Mapping[str, frozenset[str]]) -> Iterator[tuple[int, Any]]:
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            # line_num is the physical line where this row ends (the header is line 1).
            if None in record:
                yield reader.line_num, ParseFailure("row has more fields than the header")
                continue
            yield (
                reader.line_num,
                {
                    key: _csv_value(value, column_types.get(key, frozenset()))
                    for key, value in record.items()
                },
            )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _parquet_rows(path: Path) -> Iterator[tuple[int, Any]]:
    import pyarrow.parquet as pq

    row_no = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536):
        for record in batch.to_pylist():
            row_no += 1
            yield row_no, _plain(record)


def iter_records(
    path: Path, column_types: Mapping[str, frozenset[str]] | None = None
) -> Iterator[tuple[int, Any]]:
    """Yield `(line_or_row_number, record_or_ParseFailure)` for every record in `path`.

    `column_types` maps a CSV column to its JSON types (CSV cells are all text otherwise).
    """
    fmt = file_format(path)
    if fmt == "jsonl":
        return _json_lines(path)
    if fmt == "json":
        return _json_document(path)
    if fmt == "csv":
        return _csv_rows(path, column_types or {})
    if fmt == "parquet":
        return _parquet_rows(path)
    raise ValueError(f"unsupported file type: {path.name} (expected one of {SUPPORTED_SUFFIXES})")
