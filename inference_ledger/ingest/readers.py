"""Append one landing file's records to a table `(source_file, source_line, raw_text, j,
parse_error)`.

JSON lines are read by DuckDB as plain text lines (so every line keeps its number and a bad
line can never be skipped silently), then validated with `json_valid`. Parquet rows become
JSON objects in SQL. CSV and OTLP are reshaped in Python, where exact line numbers and the
nested OTLP structure are easier to follow, and handed to DuckDB as one Arrow table.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import duckdb
import pyarrow as pa

from inference_ledger.ingest.canonical import lit, q
from inference_ledger.ingest.landing import LandingFile
from inference_ledger.ingest.otlp import flatten_otlp_document

# A delimiter that cannot occur in UTF-8 text lines, so each line is exactly one column.
_LINE_DELIMITER = "\x00\x01\x02\x03"
# One record per line; a longer line fails its file loudly rather than being cut. (The
# reader buffers a multiple of this per file, so it also bounds memory for gzip input.)
MAX_LINE_BYTES = 8 << 20


class UnreadableFile(RuntimeError):
    """The file as a whole cannot be read (bad compression, not Parquet, ...)."""


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """Errors of reading a file become UnreadableFile (the file fails, not the run)."""
    try:
        yield
    except duckdb.OutOfMemoryException:
        raise  # the machine's limit, not the file's fault (see pipeline._commit_batch)
    except (duckdb.Error, OSError, EOFError, UnicodeDecodeError, pa.ArrowException) as exc:
        raise UnreadableFile(f"{type(exc).__name__}: {exc}") from exc


def load_source(con: duckdb.DuckDBPyConnection, file: LandingFile, target: str) -> int:
    """Append the records of `file` to the table `target`; returns the number read."""
    sink = Sink(con, target, file.relpath)
    with _reading():
        if file.fmt == "parquet":
            return _load_parquet(sink, file.path)
        if file.kind == "otlp":
            return load_python_rows(sink, _otlp_rows(file))
        if file.fmt == "csv":
            return load_python_rows(sink, _csv_rows(file.path))
        return _load_json_lines(sink, file.path)


@dataclass(frozen=True)
class ParquetFile:
    """A Parquet landing file's columns (name, DuckDB type) and row count."""

    source_file: str
    path: Path
    columns: tuple[tuple[str, str], ...]
    rows: int

    @property
    def names(self) -> list[str]:
        return [name for name, _type in self.columns]

    @property
    def root(self) -> str:
        """The landing directory the file's path starts with ('' if it does not end in its
        landing name)."""
        path = str(self.path)
        return path[: -len(self.source_file)] if path.endswith("/" + self.source_file) else ""


def scan_parquet(files: list[ParquetFile]) -> str:
    """The rows of `files` (same columns, same landing root) in file order, each under its
    landing name and numbered from 1 as `source_line`.

    One scan of all the files: a scan per file would read them one after another, since a
    daily file is a single row group (one thread's work).
    """
    root = files[0].root
    assert root and all(f.root == root and f.columns == files[0].columns for f in files)
    paths = "[" + ", ".join(lit(str(f.path)) for f in files) + "]"
    return (
        f"(SELECT substr(filename, {len(root) + 1}) AS source_file, "
        "file_row_number + 1 AS source_line, * EXCLUDE (file_row_number, filename) "
        f"FROM read_parquet({paths}, file_row_number = true, filename = true))"
    )


def describe_parquet(con: duckdb.DuckDBPyConnection, file: LandingFile) -> ParquetFile:
    with _reading():
        described = con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?)", [str(file.path)]
        ).fetchall()
        rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(file.path)]).fetchone()
    columns = tuple((row[0], str(row[1])) for row in described)
    return ParquetFile(file.relpath, file.path, columns, int(rows[0]) if rows else 0)


def parquet_json(columns: list[str]) -> str:
    """A Parquet row as the JSON object text it is read as (and quarantined with)."""
    packed = ", ".join(f"{q(c)} := {q(c)}" for c in columns if c != "file_row_number")
    return f"to_json(struct_pack({packed}))::VARCHAR"


class Sink:
    """Where one source's records go: `append` inserts a SELECT of
    (source_line, raw_text, j, parse_error) under the source's name.

    `raw_text` may be NULL when the record's text is `j` itself (a valid JSON line), so the
    text of large files is held once.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, target: str, source_file: str) -> None:
        self.con, self.target, self.source_file = con, target, source_file

    def append(self, select_sql: str, params: list[object] | None = None) -> int:
        inserted = self.con.execute(
            f"INSERT INTO {self.target} SELECT ? AS source_file, * FROM ({select_sql})",
            [self.source_file, *(params or [])],
        ).fetchone()
        return int(inserted[0]) if inserted else 0


def _load_json_lines(sink: Sink, path: Path) -> int:
    lines = f"""
          SELECT row_number() OVER () AS source_line, line AS raw_text
          FROM read_csv(?, columns = {{'line': 'VARCHAR'}}, delim = ?, quote = '',
                        escape = '', header = false, auto_detect = false,
                        parallel = false, new_line = '\\n', compression = 'auto',
                        max_line_size = {MAX_LINE_BYTES})"""
    # DuckDB's CSV reader treats a carriage return as a line break of its own, so a file with
    # CRLF or mixed line endings fails there (and aborts the file's transaction); such files
    # are split on LF alone in Python instead. The scan is a memchr per chunk.
    if _has_carriage_return(path):
        return _load_python_lines(sink, path)
    return sink.append(_classify_lines_sql(lines), [str(path), _LINE_DELIMITER])


def _has_carriage_return(path: Path, chunk_size: int = 8 << 20) -> bool:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            if b"\r" in chunk:
                return True
    return False


def _load_python_lines(sink: Sink, path: Path) -> int:
    numbers: list[int] = []
    texts: list[str] = []
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if len(raw) > MAX_LINE_BYTES:
                raise UnreadableFile(f"line {number} is longer than {MAX_LINE_BYTES} bytes")
            numbers.append(number)
            line = raw.rstrip(b"\n").removesuffix(b"\r")
            # A byte order mark opens the first line only (DuckDB drops it on the fast path).
            texts.append(line.decode("utf-8-sig" if number == 1 else "utf-8"))
    table = pa.table(
        {"source_line": pa.array(numbers, pa.int64()), "raw_text": pa.array(texts, pa.string())}
    )
    sink.con.register("_py_lines", table)
    try:
        return sink.append(_classify_lines_sql("SELECT source_line, raw_text FROM _py_lines"))
    finally:
        sink.con.unregister("_py_lines")


def _classify_lines_sql(lines: str) -> str:
    return f"""
        WITH lines AS ({lines}
        ), cleaned AS (
          SELECT source_line,
                 CASE WHEN source_line = 1 THEN ltrim(raw_text, chr(65279))
                      ELSE raw_text END AS raw_text
          FROM lines
          -- Blank lines are not records. Trimming every line is slow, so only lines that
          -- do not open with '{{' (nearly all records do) are trimmed.
          WHERE raw_text IS NOT NULL
            AND (prefix(raw_text, '{{') OR trim(raw_text, ' \t\r') <> '')
        ), checked AS (
          -- json_type parses the line once; it fails (NULL under try) exactly when the
          -- line is not valid JSON.
          SELECT source_line, raw_text, try(json_type(raw_text)) AS jtype
          FROM cleaned
        )
        SELECT source_line, CASE WHEN jtype IS DISTINCT FROM 'OBJECT' THEN raw_text END AS raw_text,
               CASE WHEN jtype = 'OBJECT' THEN raw_text END AS j,
               CASE WHEN jtype IS NULL THEN 'malformed_json'
                    WHEN jtype <> 'OBJECT' THEN 'not_an_object' END AS parse_error
        FROM checked
        """


def _load_parquet(sink: Sink, path: Path) -> int:
    described = sink.con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    return sink.append(
        f"""
        SELECT source_line, CAST(NULL AS VARCHAR) AS raw_text, j,
               CAST(NULL AS VARCHAR) AS parse_error
        FROM (
          SELECT file_row_number + 1 AS source_line, {parquet_json([r[0] for r in described])} AS j
          FROM read_parquet(?, file_row_number = true)
        )
        """,
        [str(path)],
    )


def load_python_rows(sink: Sink, rows: Iterator[tuple[int, str, str | None, str | None]]) -> int:
    lines, raws, objs, errors = [], [], [], []
    for line, raw, obj, error in rows:
        lines.append(line)
        raws.append(raw)
        objs.append(obj)
        errors.append(error)
    table = pa.table(
        {
            "source_line": pa.array(lines, pa.int64()),
            "raw_text": pa.array(raws, pa.string()),
            "j": pa.array(objs, pa.string()),
            "parse_error": pa.array(errors, pa.string()),
        }
    )
    sink.con.register("_py_src", table)
    try:
        return sink.append("SELECT * FROM _py_src")
    finally:
        sink.con.unregister("_py_src")


def _open_text(path: Path) -> TextIO:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _csv_rows(path: Path) -> Iterator[tuple[int, str, str | None, str | None]]:
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        header: list[str] | None = None
        for row in reader:
            if header is None:
                header = [h.strip() for h in row]
                continue
            line = reader.line_num  # physical line where this row ends; the header is line 1
            if not row or all(not cell.strip() for cell in row):
                continue
            raw = ",".join(row)
            if len(row) > len(header):
                yield line, raw, None, "malformed_csv"
                continue
            record = {k: v for k, v in zip(header, row, strict=False) if k and v != ""}
            yield line, raw, json.dumps(record), None


def _otlp_rows(file: LandingFile) -> Iterator[tuple[int, str, str | None, str | None]]:
    with _open_text(file.path) as handle:
        if file.fmt == "json":
            documents: list[tuple[int, str]] = [(1, handle.read())]
        else:
            documents = [(n, line) for n, line in enumerate(handle, start=1) if line.strip()]
    for line_no, text in documents:
        try:
            document = json.loads(text)
        except ValueError:
            yield line_no, text, None, "malformed_json"
            continue
        if not isinstance(document, dict):
            yield line_no, text, None, "not_an_object"
            continue
        for span_text, record, error in flatten_otlp_document(document):
            yield line_no, span_text, json.dumps(record) if record else None, error
