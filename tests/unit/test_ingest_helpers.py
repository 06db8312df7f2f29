"""Pure helpers of ingestion: canonical conversions, OTLP values and ids, landing discovery."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference_ledger.ingest.canonical import (
    MACROS,
    NUMBER_EXACT_TYPES,
    TEXT_EXACT_TYPES,
    number_expr,
    typed_expr,
)
from inference_ledger.ingest.fields import STATE_MAP, TRIGGER_MAP, Field
from inference_ledger.ingest.landing import discover, file_format
from inference_ledger.ingest.otlp import attribute_value, otlp_id, span_record
from inference_ledger.ingest.records import pseudonymize
from inference_ledger.ingest.run_ids import new_run_id
from orchestration.lib.landing import changed_files, date_of, decode_cursor, encode_cursor


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    for macro in MACROS:
        connection.execute(macro)
    return connection


def _convert(con: duckdb.DuckDBPyConnection, kind: str, value: str | None) -> object:
    field = Field("x", kind, ("x",))
    # Numeric kinds read the number parsed once beside the raw text (column n_<name>).
    return con.execute(
        f"SELECT {typed_expr(field, 'r')} FROM (SELECT CAST(? AS VARCHAR) AS r, "
        "try_cast(trim(CAST(? AS VARCHAR)) AS DOUBLE) AS n_x)",
        [value, value],
    ).fetchone()[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05T13:04:11.250Z", dt.datetime(2026, 1, 5, 13, 4, 11, 250000)),
        ("2026-01-05 13:04:11", dt.datetime(2026, 1, 5, 13, 4, 11)),
        ("2026-01-05T15:04:11+02:00", dt.datetime(2026, 1, 5, 13, 4, 11)),
        ("1767618251", dt.datetime(2026, 1, 5, 13, 4, 11)),
        ("1767618251250", dt.datetime(2026, 1, 5, 13, 4, 11, 250000)),
        ("1767618251250000000", dt.datetime(2026, 1, 5, 13, 4, 11, 250000)),
        ("not-a-timestamp", None),
        ("", None),
    ],
)
def test_timestamps_become_utc(con, text: str, expected: dt.datetime | None) -> None:
    assert _convert(con, "ts", text) == expected


def test_vocabularies_keep_canonical_values(con) -> None:
    for raw, canonical in STATE_MAP.items():
        assert _convert(con, "state", f"  {raw.upper()} ") == canonical
    for raw, canonical in TRIGGER_MAP.items():
        assert _convert(con, "trigger", raw) == canonical
    assert _convert(con, "trigger", "cosmic_ray") == "unknown"
    assert _convert(con, "trigger", None) == "unknown"
    assert _convert(con, "state", "maybe") is None


def test_placeholders_hashes_and_numbers(con) -> None:
    for placeholder in ("unknown", "", "None", "NULL", "  "):
        assert _convert(con, "id", placeholder) is None
    assert _convert(con, "id", " trace-1 ") == "trace-1"
    assert _convert(con, "hash", "SHA256:ABCDEF0123456789") == "abcdef0123456789"
    assert _convert(con, "bool", "Yes") is True and _convert(con, "bool", "0") is False
    assert _convert(con, "bool", "perhaps") is None


_PADDING = st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\u3000", "\u2028", "  \t"])
_NUMBERISH = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["nan", "-inf", "1e3", "1_000", ".5", "5.", "0x10", "1,5", "", "abc", "-0"]),
    st.text(alphabet="0123456789.eE+-_ x", max_size=8),
)


@settings(max_examples=400, deadline=None)
@given(_PADDING, _NUMBERISH, _PADDING)
def test_numbers_parse_as_the_trimmed_text_does(con, before: str, text: str, after: str) -> None:
    """number_expr skips the trim for text that parses as it is; the number must be the one
    the trimmed text gives (canonical values and record hashes depend on it)."""
    value = before + text + after
    fast, trimmed = con.execute(
        f"SELECT {number_expr('r')}, try_cast(trim(r) AS DOUBLE) FROM (SELECT ?::VARCHAR AS r)",
        [value],
    ).fetchone()
    assert fast == trimmed or (fast != fast and trimmed != trimmed)  # NaN equals NaN here


EDGE_VALUES = {
    "VARCHAR": ["'abc'", "' x '", "'é' || chr(160)", "'a\"b\\c'", "chr(31)", "''", "'{\"a\": 1}'"],
    "BOOLEAN": ["true", "false"],
    "TINYINT": ["-128"],
    "SMALLINT": ["-32768"],
    "INTEGER": ["2147483647"],
    "BIGINT": ["0", "-1", "9223372036854775807", "-9223372036854775808"],
    "HUGEINT": ["170141183460469231731687303715884105727"],
    "UTINYINT": ["255"],
    "USMALLINT": ["65535"],
    "UINTEGER": ["4294967295"],
    "UBIGINT": ["18446744073709551615"],
    "DATE": ["'2026-01-07'", "'0001-01-01'", "'9999-12-31'"],
    "TIMESTAMP": ["'2026-01-07 01:02:03.456789'", "'1970-01-01 00:00:00.5'"],
    "TIMESTAMP_S": ["'2026-01-07 01:02:03'"],
    "TIMESTAMP_MS": ["'2026-01-07 01:02:03.456'"],
    "TIMESTAMP_NS": ["'2026-01-07 01:02:03.123456789'"],
    "TIMESTAMP WITH TIME ZONE": ["'2026-01-07 00:00:00+02'", "'2026-01-07 01:02:03.456789Z'"],
    "DOUBLE": ["0.0100375", "1e300", "1e-7", "-0.0", "'nan'", "'inf'", "'-inf'", "5e-324", "0.1"],
}


def test_parquet_column_text_matches_its_json_text(con) -> None:
    """Parquet files are staged from their columns (canonical.reads_columns_directly) on the
    promise that a column's text is the text its value had as JSON, as Parquet rows were
    read before: exactly for TEXT_EXACT_TYPES, as the same number for NUMBER_EXACT_TYPES."""
    assert set(EDGE_VALUES) == TEXT_EXACT_TYPES | NUMBER_EXACT_TYPES
    for column_type, values in EDGE_VALUES.items():
        for value in values:
            # NaN equals NaN in DuckDB's comparisons.
            via_json, text, same_number = con.execute(
                f"""SELECT via_json, text,
                           try_cast(via_json AS DOUBLE)
                             IS NOT DISTINCT FROM try_cast(text AS DOUBLE)
                    FROM (SELECT json_transform(to_json({{'c': v}}), '{{"c": "VARCHAR"}}').c
                                   AS via_json, CAST(v AS VARCHAR) AS text
                          FROM (SELECT CAST({value} AS {column_type}) AS v))"""
            ).fetchone()
            if column_type in TEXT_EXACT_TYPES:
                assert via_json == text, (column_type, value)
            else:
                assert same_number, (column_type, value, via_json, text)


def test_pseudonymize_is_hmac_sha256() -> None:
    expected = hmac.new(b"k", b"alice", hashlib.sha256).hexdigest()
    assert pseudonymize("alice", "k") == expected
    assert pseudonymize("alice", "other-key") != expected


def test_otlp_values_and_ids() -> None:
    assert attribute_value({"intValue": "1500"}) == 1500
    assert attribute_value({"doubleValue": 0.5}) == 0.5
    assert attribute_value({"arrayValue": {"values": [{"stringValue": "a"}]}}) == ["a"]
    raw = bytes(range(1, 17))
    assert otlp_id(raw.hex().upper(), 16) == raw.hex()
    assert otlp_id(base64.b64encode(raw).decode(), 16) == raw.hex()
    assert otlp_id(base64.b64encode(bytes(16)).decode(), 16) is None
    assert otlp_id("", 8) is None


def test_span_record_aliases_prefer_newer_names() -> None:
    span = {
        "traceId": "0" * 31 + "1",
        "spanId": "0" * 15 + "2",
        "startTimeUnixNano": "1767618251250000000",
        "endTimeUnixNano": "1767618251750000000",
        "attributes": [
            {"key": "gen_ai.system", "value": {"stringValue": "anthropic"}},
            {"key": "gen_ai.provider.name", "value": {"stringValue": "aws.bedrock"}},
            {"key": "llm.usage.prompt_tokens", "value": {"intValue": "12"}},
            {"key": "gen_ai.usage.completion_tokens", "value": {"intValue": "3"}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "claude"}},
            {"key": "gen_ai.completion.0.content", "value": {"stringValue": "secret"}},
        ],
    }
    record = span_record(span, {})
    assert record is not None
    assert record["provider"] == "aws.bedrock"
    assert (record["input_tokens"], record["output_tokens"]) == (12, 3)
    assert record["latency_ms"] == 500.0
    assert record["event_ts"] == "2026-01-05T13:04:11.250000"
    assert "secret" not in str(record)
    assert span_record({"attributes": [{"key": "http.method", "value": {}}]}, {}) is None


def test_discover_kinds_order_and_skips(tmp_path: Path) -> None:
    for rel in (
        "events/b.jsonl",
        "events/sub/a.ndjson.gz",
        "prices/p.csv",
        "otlp/x.json",
        "misc/m.jsonl",
        "ground_truth.json",
        "events/.hidden.jsonl",
        "events/c.jsonl.tmp",
    ):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n")
    found = [(f.relpath, f.kind, f.fmt) for f in discover(tmp_path)]
    assert found[0] == ("prices/p.csv", "prices", "csv")
    assert ("events/sub/a.ndjson.gz", "events", "jsonl") in found
    assert ("otlp/x.json", "otlp", "json") in found
    assert ("misc/m.jsonl", None, "jsonl") in found
    assert len(found) == 5
    assert file_format("x.CSV.GZ") == "csv" and file_format("x.txt") is None


def test_sensor_helpers() -> None:
    today = dt.date(2026, 1, 1)
    assert date_of("events/2026-01-05.quickstart.jsonl", today) == dt.date(2026, 1, 5)
    assert date_of("prices/owned.csv", today) == today
    previous = {"a": [1, 2], "b": [3, 4]}
    assert changed_files(previous, {"a": [1, 2], "b": [3, 5], "c": [1, 1]}) == ["b", "c"]
    assert decode_cursor(encode_cursor(previous)) == previous
    assert decode_cursor("not json") == {}


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integer_text_round_trips(value: int) -> None:
    connection = duckdb.connect()
    assert _convert(connection, "int", str(value)) == value
    assert _convert(connection, "int", f"{value}.5") is None


def test_run_ids_sort_in_start_order():
    # The nightly build finds rows loaded since its last build by comparing run ids.
    ids = [new_run_id("pg" if i % 2 else "") for i in range(300)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
