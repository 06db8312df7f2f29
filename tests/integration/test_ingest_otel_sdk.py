"""Spans recorded by the official OpenTelemetry Python SDK, exported as OTLP JSON, ingested."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from inference_ledger.ingest import ingest_landing
from inference_ledger.settings import load_settings

pytest.importorskip("opentelemetry.sdk.trace")
pytest.importorskip("opentelemetry.exporter.otlp.proto.common.trace_encoder")

from google.protobuf.json_format import MessageToJson  # noqa: E402
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)
from opentelemetry.trace import Status, StatusCode  # noqa: E402

START_NS = 1_767_618_251_250_000_000  # 2026-01-05T13:04:11.250Z


def _record_spans() -> tuple[list, dict[str, dict]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-agent"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("agent", "1.0")
    expected: dict[str, dict] = {}
    with tracer.start_as_current_span("handle_ticket", start_time=START_NS) as root:
        chat = tracer.start_span("chat gpt-4o", start_time=START_NS + 1_000_000)
        chat.set_attributes(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens": 1500,
                "gen_ai.usage.output_tokens": 220,
                "gen_ai.usage.cache_read.input_tokens": 1000,
                "inference_ledger.output_id": "out-1",
                "inference_ledger.trigger_type": "user_explicit",
                "inference_ledger.tenant_id": "t-007",
                "inference_ledger.feature": "triage",
                "inference_ledger.cost.inference_usd": 0.0123,
                "gen_ai.prompt": "secret prompt text",
            }
        )
        chat.end(end_time=START_NS + 1_000_000 + 842_500_000)
        legacy = tracer.start_span("openai.chat", start_time=START_NS + 2_000_000_000)
        legacy.set_attributes(
            {
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.prompt_tokens": 300,
                "gen_ai.usage.completion_tokens": 40,
                "inference_ledger.trigger_type": "auto_save",
            }
        )
        legacy.set_status(Status(StatusCode.ERROR, "rate limited"))
        legacy.end(end_time=START_NS + 2_000_000_000 + 50_000_000)
        for span, name in ((chat, "chat"), (legacy, "legacy")):
            context = span.get_span_context()
            expected[name] = {
                "trace_id": format(context.trace_id, "032x"),
                "step_id": format(context.span_id, "016x"),
                "parent_step_id": format(root.get_span_context().span_id, "016x"),
            }
    provider.shutdown()
    return list(exporter.get_finished_spans()), expected


def test_sdk_spans_ingest_with_tokens_model_ids_and_latency(
    tmp_path: Path, ledger_home: Path
) -> None:
    spans, expected = _record_spans()
    request = encode_spans(spans)
    landing = tmp_path / "landing"
    (landing / "otlp").mkdir(parents=True)
    # One export per line (.jsonl) and the same export as one pretty-printed document (.json).
    line = json.dumps(json.loads(MessageToJson(request)))
    (landing / "otlp/batch.jsonl").write_text(line + "\n", encoding="utf-8")
    (landing / "otlp/batch-pretty.json").write_text(MessageToJson(request), encoding="utf-8")

    result = ingest_landing(landing, load_settings())
    # Both files hold the same three spans (one is not a model call): whichever loads second
    # finds only duplicates.
    counts = sorted(
        (f.records_read, f.records_loaded, f.records_quarantined, f.records_duplicate)
        for f in result.files
    )
    assert counts == [(3, 0, 1, 2), (3, 2, 1, 0)]

    con = duckdb.connect(str(ledger_home / "warehouse.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT model_version, provider, input_tokens, output_tokens, cached_input_tokens, "
        "trace_id, step_id, parent_step_id, event_ts::VARCHAR, latency_ms, status, "
        "trigger_type, output_id, tenant_id, feature, inference_cost_usd, cost_source, extras "
        "FROM raw.inference_events ORDER BY event_ts"
    ).fetchall()
    reasons = con.execute("SELECT reason FROM raw.quarantine").fetchall()
    con.close()
    assert reasons == [("not_an_inference_span",)] * 2
    chat, legacy = rows
    assert chat[:5] == ("gpt-4o-2024-08-06", "openai", 1500, 220, 1000)
    assert chat[5:8] == tuple(expected["chat"].values())
    assert chat[8] == "2026-01-05 13:04:11.251"
    assert chat[9] == pytest.approx(842.5)
    assert chat[10:17] == ("success", "user_explicit", "out-1", "t-007", "triage", 0.0123, "logged")
    assert "secret prompt text" not in (chat[17] or "")
    assert legacy[:4] == ("gpt-4o-mini", "openai", 300, 40)
    assert legacy[5:8] == tuple(expected["legacy"].values())
    assert legacy[9] == pytest.approx(50.0)
    assert (legacy[10], legacy[11], legacy[16]) == ("failed", "auto_save", "priced")
