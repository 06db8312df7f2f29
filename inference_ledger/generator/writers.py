"""Render simulated records to files with DuckDB (ids, hashes and timestamps are built in SQL).

Canonical shapes use the contract's field names and enum values. The `mixed` shapes carry
the same facts in the manual's other shapes: the quick-start record, a flattened envelope
with aliased names and values, OTLP GenAI spans, CSV, and nested decision envelopes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pandas as pd

FILE_FORMATS = {"jsonl": "jsonl", "jsonl.gz": "jsonl.gz", "csv": "csv", "parquet": "parquet"}

ISO = "strftime(epoch_ms({col}), '%Y-%m-%dT%H:%M:%S.%gZ')"


def hex_hash(kind: str, seed: int, *parts: str) -> str:
    """SQL for a deterministic 16-hex-digit hash (a contract-valid hash length).

    DuckDB's 64-bit `hash` is an order of magnitude cheaper than sha256 at millions of rows.
    """
    args = ", ".join(parts)
    return f"format('{{:016x}}', hash('{kind}', {int(seed)}, {args}))"


def ts_sql(col: str, fmt: str) -> str:
    """Timestamp column as ISO text, or as a naive UTC TIMESTAMP for Parquet."""
    return f"epoch_ms({col})" if fmt == "parquet" else ISO.format(col=col)


def _trace(prefix: str = "") -> str:
    return (
        f"CASE WHEN {prefix}trace_ok THEN format('{{:016x}}{{:016x}}', {prefix}trace_hi, "
        f"{prefix}trace_lo) END"
    )


def _out_id(day: str, idx: str) -> str:
    return f"format('out-{{:04d}}-{{:06d}}', {day}, {idx})"


def event_columns(seed: int, fmt: str) -> dict[str, str]:
    """Canonical event columns as SQL over the simulated frame `ev`.

    Categorical columns arrive as DuckDB ENUMs, which every writer renders as their text.
    """
    return {
        "event_id": "format('evt-{:04d}-{:07d}', day, seq)",
        "event_ts": ts_sql("ts", fmt),
        "trace_id": _trace(),
        "step_id": "format('{:016x}', step)",
        "parent_step_id": "CASE WHEN has_parent THEN format('{:016x}', parent) END",
        "output_id": f"CASE WHEN has_output THEN {_out_id('day', 'out_idx')} END",
        "state": "CASE WHEN has_output THEN 'draft' END",
        "user_action": "user_action",
        "trigger_type": "trigger_type",
        "model_version": "model_version",
        "provider": "provider",
        "deployment": "deployment",
        "prompt_version": "prompt_version",
        "guardrails_version": "guardrails_version",
        "policy_version": "'pol-2025-04'",
        "context_hash": (f"CASE WHEN context_ok THEN {hex_hash('ctx', seed, 'day', 'ctx_id')} END"),
        "input_tokens": "input_tokens",
        "output_tokens": "output_tokens",
        "cached_input_tokens": "cached_input_tokens",
        "reasoning_tokens": "reasoning_tokens",
        "inference_cost_usd": "inference_cost_usd",
        "orchestration_cost_usd": "orchestration_cost_usd",
        "tool_cost_usd": "tool_cost_usd",
        "latency_ms": "latency_ms",
        "status": "status",
        "retry_count": "retry_count",
        "is_retry": "is_retry",
        "tenant_id": "format('t-{:03d}', tenant)",
        "user_id": "CASE WHEN usr >= 0 THEN format('u-{:05d}', usr) END",
        "session_id": "CASE WHEN usr >= 0 THEN format('s-{:05d}-{:04d}-{}', usr, day, sess) END",
        "feature": "feature",
        "endpoint": "endpoint",
        "cache_hit": "cache_hit",
        "escalated": "escalated",
        "confidence": "confidence",
        "region": "region",
    }


def select_sql(columns: dict[str, str], source: str, order: str | None = None) -> str:
    body = ",\n  ".join(f"{expr} AS {name}" for name, expr in columns.items())
    return f"SELECT\n  {body}\nFROM {source}" + (f" ORDER BY {order}" if order else "")


def _copy_options(fmt: str) -> str:
    if fmt == "jsonl":
        return "FORMAT json"
    if fmt == "jsonl.gz":
        return "FORMAT json, COMPRESSION gzip"
    if fmt == "csv":
        return "FORMAT csv, HEADER true"
    if fmt == "parquet":
        return "FORMAT parquet, COMPRESSION zstd"
    raise ValueError(f"no file writer for format {fmt!r}")


def copy_to(con: duckdb.DuckDBPyConnection, sql: str, path: Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    target = str(path).replace("'", "''")
    con.execute(f"COPY ({sql}) TO '{target}' ({_copy_options(fmt)})")


def transition_columns(seed: int, fmt: str) -> dict[str, str]:
    return {
        "transition_id": "format('tr-{:04d}-{:06d}-{}', out_day, out_idx, kind)",
        "output_id": _out_id("out_day", "out_idx"),
        "state": "['draft', 'committed', 'rejected'][state + 1]",
        "event_ts": ts_sql("ts", fmt),
        "trace_id": (
            "CASE WHEN trace_ok THEN format('{:016x}{:016x}', trace_hi, "
            "out_idx::UBIGINT | (out_day::UBIGINT << 32)) END"
        ),
        "prior_output_id": f"CASE WHEN has_prior THEN {_out_id('out_day', 'prior')} END",
        "content_hash": (hex_hash("content", seed, "out_day", "out_idx")),
        "actor": "['user', 'reviewer'][actor + 1]",
        "trigger_type": "['user_explicit', 'user_edit'][trigger + 1]",
    }


def tool_call_columns(fmt: str) -> dict[str, str]:
    return {
        "tool_call_id": "format('tc-{:04d}-{:07d}', day, tc_idx)",
        "tool_name": "tool_name::VARCHAR",
        "event_ts": ts_sql("ts", fmt),
        "trace_id": (
            "CASE WHEN trace_ok THEN format('{:016x}{:016x}', trace_hi, "
            "out_idx::UBIGINT | (day::UBIGINT << 32)) END"
        ),
        "decision_envelope_id": "format('env-{:04d}-{:06d}', day, out_idx)",
        "output_id": _out_id("day", "out_idx"),
        "success": "success",
        "status": "CASE WHEN success THEN 'success' ELSE 'error' END",
        "input_hash": "format('{:016x}', in_hash)",
        "output_hash": "CASE WHEN success THEN format('{:016x}', out_hash) END",
        "latency_ms": "latency_ms",
        "retry_count": "retry_count",
        "error_message": "CASE WHEN NOT success THEN 'upstream error 502' END",
        "cost_usd": "cost_usd",
    }


def approval_columns(fmt: str) -> dict[str, str]:
    return {
        "approval_id": "format('ap-{:04d}-{:06d}', out_day, out_idx)",
        "output_id": _out_id("out_day", "out_idx"),
        "decision_envelope_id": "format('env-{:04d}-{:06d}-a', out_day, out_idx)",
        "action": "['approve', 'reject', 'escalate'][action + 1]",
        "event_ts": ts_sql("ts", fmt),
        "approver": "format('reviewer-{}', approver)",
        "notes": "CASE WHEN with_note THEN 'checked against policy' END",
    }


def write_frame(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    columns: dict[str, str],
    sort_by: list[str] | None,
    path: Path,
    fmt: str,
) -> None:
    """Write `frame` in `sort_by` order (sorted here; insertion order is kept by the COPY)."""
    if sort_by:
        frame = frame.sort_values(sort_by, kind="stable")
    con.register("frame_view", frame)
    try:
        copy_to(con, select_sql(columns, "frame_view"), path, fmt)
    finally:
        con.unregister("frame_view")


def write_lines(path: Path, lines: list[str]) -> None:
    """Write text lines; gzip without a timestamp so reruns are byte-identical."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    if path.name.endswith(".gz"):
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(data)
    else:
        path.write_bytes(data)


def read_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8").splitlines()
