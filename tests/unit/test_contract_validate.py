"""The input contract: schemas load, and `validate_file` finds each defect at its line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from inference_ledger.contract import RECORD_KINDS, kind_for_path, load_schema, validate_file

GOOD_EVENT = {
    "event_id": "e1",
    "event_ts": "2025-05-05T10:00:00.250Z",
    "trace_id": "t1",
    "model_version": "gpt-4o-mini",
    "trigger_type": "user_explicit",
    "input_tokens": 1200,
    "output_tokens": 80,
    "inference_cost_usd": 0.00023,
    "context_hash": "sha256:" + "AB" * 32,
    "state": "draft",
}


def _write_jsonl(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_record_kind_has_a_schema_with_an_id():
    for schema_name in RECORD_KINDS.values():
        schema = load_schema(schema_name)
        assert schema["$id"].endswith(f"/v1/{schema_name}.schema.json")


def test_kind_comes_from_the_landing_folder():
    assert kind_for_path(Path("landing/events/2025/05/a.jsonl")) == "events"
    assert kind_for_path(Path("landing/envelopes/a.jsonl")) == "envelopes"
    assert kind_for_path(Path("landing/misc/a.jsonl")) is None


def test_defects_are_reported_with_their_line_numbers(tmp_path):
    quick_start = {
        "trace_id": "t2",
        "trigger_type": "user_generate",
        "model_version": "gpt-4o",
        "prompt_version": "p1",
        "cost_usd": 0.01,
        "state": "accepted",
        "timestamp": "2025-05-05 10:00:00",
    }
    path = _write_jsonl(
        tmp_path / "events" / "day.jsonl",
        [
            json.dumps(GOOD_EVENT),
            json.dumps(quick_start),
            "{not json",
            "",
            json.dumps({**GOOD_EVENT, "input_tokens": "abc"}),
            json.dumps({**GOOD_EVENT, "inference_cost_usd": -0.5}),
            json.dumps({**GOOD_EVENT, "event_ts": "2025-02-30T10:00:00"}),
            json.dumps({**GOOD_EVENT, "state": "exploded"}),
            '{"event_ts": "2025-05-05T10:00:00", "input_tokens": NaN}',
        ],
    )
    report = validate_file(path, max_errors=20)
    assert report.records == 8  # the blank line is not a record
    assert report.invalid == 6
    by_line = {error.line: error.message for error in report.errors}
    assert set(by_line) == {3, 5, 6, 7, 8, 9}
    assert "malformed JSON" in by_line[3]
    assert "input_tokens" in by_line[5]
    assert "inference_cost_usd" in by_line[6] and "minimum" in by_line[6]
    assert "event_ts" in by_line[7]
    assert "state" in by_line[8]
    assert "malformed JSON" in by_line[9]


def test_gzip_csv_and_parquet_are_read(tmp_path):
    gz = tmp_path / "events" / "day.jsonl.gz"
    gz.parent.mkdir(parents=True)
    with gzip.open(gz, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(GOOD_EVENT) + "\n" + json.dumps(GOOD_EVENT) + "\n")
    assert validate_file(gz).ok and validate_file(gz).records == 2

    csv_path = tmp_path / "tool_calls" / "day.csv"
    csv_path.parent.mkdir()
    csv_path.write_text(
        "tool_call_id,tool_name,event_ts,success,input_hash,output_hash,latency_ms\n"
        f"c1,search,2025-05-05T10:00:00Z,true,{'a' * 16},{'b' * 64},120.5\n"
        f"c2,search,2025-05-05T10:00:01Z,false,{'a' * 16},xyz,-3\n",
        encoding="utf-8",
    )
    report = validate_file(csv_path)
    assert (report.records, report.invalid) == (2, 1)
    assert report.errors[0].line == 3  # the header is line 1
    assert "output_hash" in report.errors[0].message and "latency_ms" in report.errors[0].message

    parquet_path = tmp_path / "revenue" / "2025-05.parquet"
    parquet_path.parent.mkdir()
    table = pa.table(
        {
            "tenant_id": ["acme", "globex"],
            "period_start": ["2025-05-01", "2025-05-01"],
            "revenue_usd": [1200.0, -5.0],
            "plan": ["pro", "team"],
        }
    )
    pq.write_table(table, parquet_path)
    report = validate_file(parquet_path)
    assert (report.records, report.invalid) == (2, 1)
    assert report.errors[0].line == 2


def test_truncated_gzip_is_a_file_error_not_a_crash(tmp_path):
    gz = tmp_path / "events" / "day.jsonl.gz"
    gz.parent.mkdir(parents=True)
    payload = gzip.compress(("\n".join(json.dumps(GOOD_EVENT) for _ in range(500))).encode())
    gz.write_bytes(payload[: len(payload) // 2])
    report = validate_file(gz)
    assert not report.ok
    assert report.file_error and "cannot read file" in report.file_error


def test_nested_decision_envelope(tmp_path):
    envelope = {
        "envelope_id": "env-1",
        "trace_id": "t1",
        "timestamp": "2025-05-05T10:00:00Z",
        "inputs": {"user_action": "generate", "context_hash": "a" * 64},
        "policy": {"model_version": "gpt-4o", "prompt_version": "p3", "policy_rules": ["r1"]},
        "output": {"result_id": "o1", "state": "committed", "content_hash": "b" * 16},
        "tool_calls": [{"tool": "search", "input_hash": "c" * 16, "output_hash": "d" * 16}],
        "approvals": [{"action": "approve", "approver": "u9", "approved_at": "2025-05-05T11:00Z"}],
    }
    missing_output = {k: v for k, v in envelope.items() if k != "output"}
    path = _write_jsonl(
        tmp_path / "envelopes" / "day.jsonl", [json.dumps(envelope), json.dumps(missing_output)]
    )
    report = validate_file(path)
    assert (report.records, report.invalid) == (2, 1)
    assert report.errors[0].line == 2 and "output" in report.errors[0].message


def test_otlp_document(tmp_path):
    span = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "parentSpanId": "",
        "name": "chat gpt-4o",
        "startTimeUnixNano": "1746439200000000000",
        "endTimeUnixNano": "1746439200850000000",
        "attributes": [
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
        ],
    }
    document = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": [span]}]}]}
    bad = {"resourceSpans": [{"scopeSpans": [{"spans": [{**span, "traceId": "xyz"}]}]}]}
    path = tmp_path / "otlp" / "export.jsonl"
    _write_jsonl(path, [json.dumps(document), json.dumps(bad)])
    report = validate_file(path)
    assert (report.records, report.invalid) == (2, 1)
    assert "traceId" in report.errors[0].message


@pytest.mark.parametrize("kind", sorted(RECORD_KINDS))
def test_unknown_kind_is_reported(tmp_path, kind):
    path = _write_jsonl(tmp_path / "misc" / "x.jsonl", [json.dumps(GOOD_EVENT)])
    assert validate_file(path).file_error
    assert validate_file(path, kind=kind).file_error is None
