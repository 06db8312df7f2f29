"""Hand-written landing files of every shape through the real ingestion into a temp warehouse."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from inference_ledger import pricing
from inference_ledger.ingest import ingest_landing, pseudonymize
from inference_ledger.settings import load_settings


def _write_jsonl(path: Path, lines: list[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _query(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _snapshot(home: Path) -> dict[str, list[tuple]]:
    """Every raw table's rows without run ids and load times (which differ between runs)."""
    tables = {}
    for table in (
        "inference_events",
        "output_transitions",
        "decision_envelopes",
        "tool_calls",
        "approvals",
        "revenue",
        "quarantine",
    ):
        rows = _query(
            home,
            f"SELECT * EXCLUDE (ingest_run_id{', quarantined_at' if table == 'quarantine' else ''})"
            f" FROM raw.{table} ORDER BY ALL",
        )
        tables[table] = rows
    return tables


EVENT = {
    "event_id": "evt-1",
    "event_ts": "2026-01-05T13:04:11.250Z",
    "trace_id": "trace-1",
    "step_id": "s1",
    "output_id": "out-1",
    "state": "accepted",
    "trigger_type": "user_generate",
    "model_version": "gpt-4o",
    "prompt_version": "p-3",
    "context_hash": "sha256:ABCDEF0123456789",
    "input_tokens": 1200,
    "output_tokens": 300,
    "cached_input_tokens": 200,
    "inference_cost_usd": 0.0123,
    "tenant_id": "t-001",
    "user_id": "alice@example.com",
    "custom_flag": "kept",
}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    # Canonical flat events, with every kind of bad line at a known line number.
    _write_jsonl(
        root / "events/2026-01-05.jsonl",
        [
            EVENT,
            {**EVENT, "event_id": "evt-2", "inference_cost_usd": None, "state": "pending"},
            '{"event_id": "evt-3", "event_ts": "2026-01-05T10:00:00Z", "input_tok',
            {**EVENT, "event_id": "evt-4", "event_ts": None},
            {**EVENT, "event_id": "evt-5", "event_ts": "yesterday-ish"},
            {**EVENT, "event_id": "evt-6", "input_tokens": "many"},
            {**EVENT, "event_id": "evt-7", "inference_cost_usd": -0.5},
            {**EVENT, "event_id": "evt-8", "output_tokens": -3},
            "",
            EVENT,  # re-delivered record: a duplicate, not a second event
            "[1, 2, 3]",
        ],
    )
    # The manual's quick-start record, unchanged, gzip-compressed, without an event id.
    quick = {
        "trace_id": "trace-q",
        "trigger_type": "system",
        "model_version": "gpt-4o-mini",
        "prompt_version": "unknown",
        "cost_usd": 0.002,
        "state": "discarded",
        "timestamp": "2026-01-06 08:00:00",
    }
    _write_jsonl(root / "events/quick/2026-01-06.ndjson.gz", [quick, quick])
    # A flattened envelope with the manual's aliased names.
    _write_jsonl(
        root / "events/aliased.jsonl",
        [
            {
                "result_id": "out-9",
                "created_at": "2026-01-06T09:30:00+01:00",
                "model": "gpt-4o",
                "action": "regenerate",
                "retries": 2,
                "triggered_by": "retry",
                "cost_usd": 0.01,
                "context_hash": "SHA256:FFEE",
                "trace_id": "none",
            }
        ],
    )
    # CSV and Parquet events.
    (root / "events/batch.csv").write_text(
        "event_id,event_ts,model_version,input_tokens,output_tokens,trigger_type,is_retry\n"
        "evt-c1,2026-01-07T00:00:00Z,gpt-4o,1000,100,undo,false\n"
        "evt-c2,2026-01-07T01:00:00Z,gpt-4o,abc,100,undo,false\n"
        "evt-c3,2026-01-07T02:00:00Z,gpt-4o,10,1,auto_save,false,extra\n",
        encoding="utf-8",
    )
    pq.write_table(
        pa.table(
            {
                "event_id": ["evt-p1", "evt-p2"],
                "event_ts": pa.array(
                    [1767744000000000, 1767747600000000], pa.timestamp("us", tz="UTC")
                ),
                "model_version": ["unknown-model-xyz", "gpt-4o"],
                "input_tokens": [100, 200],
                "output_tokens": [10, 20],
                "trigger_type": ["background", "mystery"],
            }
        ),
        root / "events/batch.parquet",
    )
    # Transitions, tool calls, approvals, revenue, a nested envelope.
    _write_jsonl(
        root / "transitions/t.jsonl",
        [
            {"output_id": "out-1", "state": "draft", "event_ts": "2026-01-05T13:04:12Z"},
            {"output_id": "out-1", "state": "approved", "event_ts": "2026-01-05T13:05:00Z"},
            {"state": "committed", "event_ts": "2026-01-05T13:05:00Z"},
        ],
    )
    _write_jsonl(
        root / "tool_calls/tc.jsonl",
        [
            {
                "tool_call_id": "tc-9",
                "tool": "search",
                "called_at": "2026-01-05T13:04:11Z",
                "status": "error",
                "error": "timeout upstream",
            }
        ],
    )
    _write_jsonl(
        root / "approvals/ap.jsonl",
        [
            {
                "approval_id": "ap-9",
                "result_id": "out-1",
                "action": "approved",
                "approved_at": "2026-01-05T14:00:00Z",
                "approver": "carol",
            }
        ],
    )
    (root / "revenue").mkdir()
    (root / "revenue/2026-01.csv").write_text(
        "tenant_id,period_start,period_end,revenue_usd,plan\n"
        "t-001,2026-01-01,2026-01-31,1200.50,pro\n",
        encoding="utf-8",
    )
    envelope = {
        "envelope_id": "env-1",
        "trace_id": "trace-1",
        "timestamp": "2026-01-05T13:04:11Z",
        "inputs": {
            "user_action": "generate",
            "context_hash": "sha256:AB12",
            "user_id": "bob",
            "tenant_id": "t-001",
            "feature": "summarize",
            "locale": "fr",
        },
        "policy": {
            "model_version": "gpt-4o",
            "prompt_version": "p-3",
            "rules_applied": ["pii-redaction"],
        },
        "output": {"result_id": "out-1", "state": "committed", "content_hash": "ab"},
        "tool_calls": [
            {
                "tool_call_id": "tc-1",
                "tool": "search",
                "success": True,
                "input_hash": "sha256:01",
                "called_at": "2026-01-05T13:04:12Z",
            },
            {"tool": "fetch", "success": False},
        ],
        "approvals": [
            {
                "approval_id": "ap-1",
                "action": "approve",
                "approver": "carol",
                "approved_at": "2026-01-05T13:10:00Z",
            }
        ],
        "reasoning": {"summary_hash": "cafe"},
        "cost": {"inference_cost_usd": 0.5},
    }
    bad_envelope = {
        **envelope,
        "envelope_id": "env-2",
        "tool_calls": [{"tool": "x", "latency_ms": "slow"}],
    }
    _write_jsonl(root / "envelopes/e.jsonl", [envelope, bad_envelope])
    # Files that are not records: root-level files are ignored, unknown folders quarantined.
    (root / "ground_truth.json").write_text("{}", encoding="utf-8")
    (root / "misc").mkdir()
    (root / "misc/notes.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    return root


def test_every_shape_lands_canonical(landing: Path, ledger_home: Path) -> None:
    result = ingest_landing(landing, load_settings())
    assert not result.failed
    by_file = {f.source_file: f for f in result.files}
    assert "ground_truth.json" not in by_file
    for f in result.files:
        assert f.records_read == f.records_loaded + f.records_quarantined + f.records_duplicate
    main = by_file["events/2026-01-05.jsonl"]
    assert (main.records_read, main.records_loaded, main.records_quarantined) == (10, 2, 7)
    assert main.records_duplicate == 1

    reasons = dict(
        (line, reason)
        for line, reason in _query(
            ledger_home,
            "SELECT source_line, reason FROM raw.quarantine "
            "WHERE source_file = 'events/2026-01-05.jsonl'",
        )
    )
    assert reasons == {
        3: "malformed_json",
        4: "missing_timestamp",
        5: "bad_timestamp",
        6: "bad_type:input_tokens",
        7: "negative_cost",
        8: "negative_tokens",
        11: "not_an_object",
    }
    csv_reasons = _query(
        ledger_home,
        "SELECT source_line, reason FROM raw.quarantine WHERE source_file = 'events/batch.csv' "
        "ORDER BY 1",
    )
    assert csv_reasons == [(3, "bad_type:input_tokens"), (4, "malformed_csv")]
    assert _query(
        ledger_home, "SELECT reason FROM raw.quarantine WHERE source_file = 'misc/notes.jsonl'"
    ) == [("unknown_record_kind",)]

    e1 = _query(
        ledger_home,
        "SELECT event_ts, event_date, state, state_raw, trigger_type, trigger_type_raw, "
        "context_hash, cost_source, inference_cost_usd, user_pseudo_id, extras "
        "FROM raw.inference_events WHERE event_id = 'evt-1'",
    )[0]
    assert str(e1[0]) == "2026-01-05 13:04:11.250000"
    assert str(e1[1]) == "2026-01-05"
    assert e1[2:6] == ("committed", "accepted", "user_explicit", "user_generate")
    assert e1[6] == "abcdef0123456789"
    assert e1[7:9] == ("logged", 0.0123)
    assert e1[9] == pseudonymize("alice@example.com", load_settings().pseudonymization_key)
    assert json.loads(e1[10]) == {"custom_flag": "kept"}

    # Tokens without logged cost are priced as of the event date, cached tokens at their rate.
    e2 = _query(
        ledger_home,
        "SELECT cost_source, inference_cost_usd, inference_cost_usd_logged, state "
        "FROM raw.inference_events WHERE event_id = 'evt-2'",
    )[0]
    table = pricing.build_price_table(["gpt-4o"])
    price = pricing.price_on(table, "gpt-4o", pricing.dt.date(2026, 1, 5))
    assert e2[0] == "priced"
    assert e2[1] == pytest.approx(pricing.cost_usd(price, 1200, 300, 200), rel=1e-12)
    assert e2[2] is None and e2[3] == "draft"

    quick = _query(
        ledger_home,
        "SELECT trigger_type, state, prompt_version, inference_cost_usd, event_ts::VARCHAR "
        "FROM raw.inference_events WHERE trace_id = 'trace-q'",
    )
    assert quick == [("background", "rejected", None, 0.002, "2026-01-06 08:00:00")]
    aliased = _query(
        ledger_home,
        "SELECT output_id, event_ts::VARCHAR, model_version, user_action, retry_count, "
        "trigger_type, is_retry, context_hash, trace_id "
        "FROM raw.inference_events WHERE output_id = 'out-9'",
    )
    assert aliased == [
        ("out-9", "2026-01-06 08:30:00", "gpt-4o", "regenerate", 2, "retry", True, "ffee", None)
    ]
    parquet_rows = _query(
        ledger_home,
        "SELECT event_id, cost_source, inference_cost_usd, trigger_type, trigger_type_raw "
        "FROM raw.inference_events WHERE source_file = 'events/batch.parquet' ORDER BY 1",
    )
    assert parquet_rows[0][:4] == ("evt-p1", "unpriced", 0.0, "background")
    assert parquet_rows[1][1] == "priced" and parquet_rows[1][3:] == ("unknown", "mystery")

    # Nothing anywhere in the warehouse holds a raw user id.
    for table in ("inference_events", "decision_envelopes", "quarantine"):
        text = _query(ledger_home, f"SELECT string_agg(t::VARCHAR, '') FROM raw.{table} t")[0][0]
        assert "alice@example.com" not in text and '"bob"' not in text


def test_envelopes_flatten_into_linked_tables(landing: Path, ledger_home: Path) -> None:
    ingest_landing(landing, load_settings())
    env = _query(
        ledger_home,
        "SELECT envelope_id, output_id, state, user_action, model_version, policy_rules, "
        "context_hash, tenant_id, feature, extras FROM raw.decision_envelopes",
    )
    assert len(env) == 1
    assert env[0][:9] == (
        "env-1",
        "out-1",
        "committed",
        "generate",
        "gpt-4o",
        '["pii-redaction"]',
        "ab12",
        "t-001",
        "summarize",
    )
    assert json.loads(env[0][9])["inputs.locale"] == "fr"
    calls = _query(
        ledger_home,
        "SELECT tool_name, decision_envelope_id, trace_id, output_id, success, status, "
        "input_hash, event_ts::VARCHAR FROM raw.tool_calls "
        "WHERE decision_envelope_id = 'env-1' ORDER BY 1",
    )
    assert calls == [
        ("fetch", "env-1", "trace-1", "out-1", False, "failed", None, "2026-01-05 13:04:11"),
        ("search", "env-1", "trace-1", "out-1", True, "success", "01", "2026-01-05 13:04:12"),
    ]
    assert _query(
        ledger_home, "SELECT action, approver, output_id FROM raw.approvals ORDER BY 1"
    ) == [("approve", "carol", "out-1"), ("approve", "carol", "out-1")]
    assert _query(
        ledger_home,
        "SELECT source_line, reason FROM raw.quarantine WHERE source_file = 'envelopes/e.jsonl'",
    ) == [(2, "bad_tool_call:bad_type:latency_ms")]
    assert _query(
        ledger_home, "SELECT status, error_message FROM raw.tool_calls WHERE tool_call_id = 'tc-9'"
    ) == [("failed", "timeout upstream")]
    assert _query(ledger_home, "SELECT count(*) FROM raw.output_transitions") == [(2,)]
    assert _query(ledger_home, "SELECT revenue_usd, period_start::VARCHAR FROM raw.revenue") == [
        (1200.5, "2026-01-01")
    ]


def test_rerun_copy_and_change(landing: Path, ledger_home: Path) -> None:
    settings = load_settings()
    first = ingest_landing(landing, settings)
    before = _snapshot(ledger_home)

    again = ingest_landing(landing, settings)
    assert again.files == [] and again.unchanged_files == len(first.files)
    assert _snapshot(ledger_home) == before

    shutil.copy(landing / "events/2026-01-05.jsonl", landing / "events/copy-of-day.jsonl")
    copied = ingest_landing(landing, settings)
    assert [(f.source_file, f.status, f.records_loaded) for f in copied.files] == [
        ("events/copy-of-day.jsonl", "duplicate_file", 0)
    ]
    assert _snapshot(ledger_home) == before

    # The same records under a different file content (reordered): all duplicates.
    lines = (landing / "events/2026-01-05.jsonl").read_text().splitlines()
    (landing / "events/reordered.jsonl").write_text("\n".join([lines[1], lines[0]]) + "\n")
    reordered = ingest_landing(landing, settings)
    assert [(f.records_loaded, f.records_duplicate) for f in reordered.files] == [(0, 2)]

    # A changed file is a new version whose rows replace the old version's rows.
    path = landing / "events/2026-01-05.jsonl"
    path.write_text(json.dumps({**EVENT, "event_id": "evt-new"}) + "\n", encoding="utf-8")
    changed = ingest_landing(landing, settings)
    assert [(f.source_file, f.version, f.records_loaded) for f in changed.files] == [
        ("events/2026-01-05.jsonl", 2, 1)
    ]
    ids = {
        r[0]
        for r in _query(
            ledger_home,
            "SELECT event_id FROM raw.inference_events "
            "WHERE source_file = 'events/2026-01-05.jsonl'",
        )
    }
    assert ids == {"evt-new"}
    assert _query(
        ledger_home,
        "SELECT count(*) FROM raw.quarantine WHERE source_file = 'events/2026-01-05.jsonl'",
    ) == [(0,)]
    manifest = _query(
        ledger_home,
        "SELECT version, is_current, records_read, records_loaded + records_quarantined "
        "+ records_duplicate FROM raw.ingest_manifest "
        "WHERE source_file = 'events/2026-01-05.jsonl' ORDER BY version",
    )
    assert manifest == [(1, False, 10, 10), (2, True, 1, 1)]

    # Back to the first version's bytes: compared with the latest version, so a new one.
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reverted = ingest_landing(landing, settings)
    assert [(f.source_file, f.version, f.status) for f in reverted.files] == [
        ("events/2026-01-05.jsonl", 3, "ingested")
    ]
    assert ingest_landing(landing, settings).files == []


def test_parquet_raw_zone_matches_warehouse(landing: Path, ledger_home: Path) -> None:
    ingest_landing(landing, load_settings())
    raw = ledger_home / "raw"
    assert not list(raw.rglob(".*.tmp"))
    con = duckdb.connect()
    for table in ("inference_events", "tool_calls", "decision_envelopes"):
        files = sorted((raw / table).glob("event_date=*/data.parquet"))
        assert files, table
        parquet = con.execute(
            f"SELECT event_date::VARCHAR, count(*) FROM read_parquet('{raw / table}/*/*.parquet',"
            " hive_partitioning = true) GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        warehouse = _query(
            ledger_home,
            f"SELECT event_date::VARCHAR, count(*) FROM raw.{table} GROUP BY ALL ORDER BY ALL",
        )
        assert parquet == warehouse
    quarantine = con.execute(
        f"SELECT count(*) FROM read_parquet('{raw}/quarantine/data.parquet')"
    ).fetchone()
    assert quarantine == _query(ledger_home, "SELECT count(*) FROM raw.quarantine")[0]


def test_record_hashes_are_stable(tmp_path: Path, ledger_home: Path) -> None:
    """A record's hash is its identity across shapes and runs (the id of records logged
    without one), so existing warehouses depend on it: these values were computed before
    canonicalization was last optimized (7950305) and must never change."""
    root = tmp_path / "landing"
    _write_jsonl(
        root / "events/2026-01-05.jsonl",
        [
            {
                **{k: EVENT[k] for k in ("event_ts", "model_version", "custom_flag")},
                "event_id": "evt-g1",
                "trace_id": " trace-1 ",
                "input_tokens": "1200",
                "output_tokens": 300.0,
                "inference_cost_usd": 0.0123,
                "is_retry": "Yes",
                "state": " Accepted ",
                "context_hash": "SHA256:ABCDEF",
                "prompt_version": "N/A",
                "latency_ms": " 6010 ",
            },
            {
                "timestamp": "2026-01-06 08:00:00",
                "trace_id": "trace-q",
                "trigger_type": "system",
                "model_version": "gpt-4o-mini",
                "prompt_version": "unknown",
                "cost_usd": 0.002,
                "state": "discarded",
            },
            # A value holding the unit separator is hashed from the record's JSON form.
            {
                "created_at": 1767618251250,
                "result_id": "out-\u001f-9",
                "model": "o3",
                "retries": 2,
                "cached": "t",
                "tenant": "t\u00a0",
            },
        ],
    )
    _write_jsonl(
        root / "transitions/t.jsonl",
        [
            {
                "output_id": "out-1",
                "state": "approved",
                "event_ts": "2026-01-05T13:05:00+01:00",
                "content_hash": " sha256:FF ",
            }
        ],
    )
    assert not ingest_landing(root, load_settings()).failed
    assert _query(
        ledger_home, "SELECT event_id, record_hash FROM raw.inference_events ORDER BY source_line"
    ) == [
        ("evt-g1", "138145543c5c66f5115f6024a0d10754db7021be76524aac271f1f3045fcd73c"),
        ("3d5b9bc685451ab3c98d365db2790d23350444e3cbc624d390b4bef01387bb3b",) * 2,
        ("7a1930a4285b30c64fedf39fc3c61cae47b9c3da8c7529433e66435ac6a65c5e",) * 2,
    ]
    assert _query(ledger_home, "SELECT transition_id, record_hash FROM raw.output_transitions") == [
        ("287d6f88e0c1f51c9a05f8c71c283bac54a27838b68be09cfdc99d84e445afab",) * 2
    ]


def test_parquet_partitions_are_in_file_order_however_rows_arrived(
    tmp_path: Path, ledger_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partition is written sorted by (source_file, source_line): copied in table order when
    its rows are stored in that order, sorted when they are not (a file that sorts first
    arrived later)."""
    from inference_ledger.ingest import warehouse

    checks: list[bool] = []
    real_check = warehouse._in_file_order

    def spy(*args: object) -> bool:
        checks.append(real_check(*args))
        return checks[-1]

    monkeypatch.setattr(warehouse, "_in_file_order", spy)
    root = tmp_path / "landing"
    day = [{**EVENT, "event_id": f"e-{n}", "event_ts": f"2026-01-05T0{n}:00:00Z"} for n in range(5)]
    partition = ledger_home / "raw/inference_events/event_date=2026-01-05/data.parquet"
    runs = [
        ("b.jsonl", "b", True),
        ("a.jsonl", "a", False),  # stored after b.jsonl's rows
        ("b.jsonl", "c", True),  # b.jsonl replaced: its new rows are stored after a.jsonl's
    ]
    for name, prefix, in_order in runs:
        _write_jsonl(
            root / "events" / name, [{**e, "event_id": prefix + e["event_id"]} for e in day]
        )
        ingest_landing(root, load_settings())
        assert checks.pop() is in_order and not checks
        rows = (
            duckdb.connect()
            .execute(
                "SELECT source_file, source_line FROM read_parquet(?) ORDER BY file_row_number",
                [str(partition)],
            )
            .fetchall()
        )
        assert rows == sorted(rows)
        assert len(rows) == (5 if prefix == "b" else 10)


def test_parquet_staged_from_columns_equals_parquet_read_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet files whose columns can be staged as they are give exactly the rows, hashes,
    quarantine entries (with the row's JSON text) and Parquet files of reading every row as
    JSON; a file that cannot (a FLOAT column, an unknown column) is read as JSON, in the
    same batch."""
    from inference_ledger.ingest import records

    root = tmp_path / "landing"
    (root / "events").mkdir(parents=True)
    n = 40
    typed = {
        "event_id": [f"evt-{i}" if i % 7 else None for i in range(n)],
        "timestamp": pa.array(
            [1767744000000000 + i * 1_000_003 if i % 11 else None for i in range(n)],
            pa.timestamp("us", tz="UTC"),
        ),
        "model": [" gpt-4o ", "unknown", "o3", None] * (n // 4),
        "input_tokens": pa.array([i * 10 - 30 for i in range(n)], pa.int64()),
        "output_tokens": pa.array([float(i) / 2 if i % 5 else None for i in range(n)]),
        "cost_usd": pa.array([float("nan"), 1e-7, -0.0, 0.0100375] * (n // 4)),
        "is_retry": pa.array([True, False, None, True] * (n // 4)),
        "trigger_type": ["user_generate", " SYSTEM ", "", "mystery"] * (n // 4),
        "tenant_id": ["t-1", "n/a", "t\u001f2", "t-3"] * (n // 4),
    }
    pq.write_table(pa.table(typed), root / "events/a.parquet")
    pq.write_table(pa.table(typed).slice(0, 0), root / "events/b-empty.parquet")
    as_float = {**typed, "confidence": pa.array([0.5] * n, pa.float32())}
    pq.write_table(pa.table(as_float), root / "events/c-float.parquet")
    unknown = {k: v[:10] for k, v in typed.items()} | {"custom": ["x"] * 10}
    pq.write_table(pa.table(unknown), root / "events/d-unknown.parquet")
    pq.write_table(
        pa.table({**typed, "event_id": [f"e2-{i}" for i in range(n)]}), root / "events/e.parquet"
    )

    direct: list[str] = []
    real = records.reads_columns_directly

    def spy(spec: object, columns: tuple[tuple[str, str], ...], *args: object) -> bool:
        result = real(spec, columns, *args)  # type: ignore[arg-type]
        direct.extend([columns[0][0]] if result else [])
        return result

    snapshots = []
    for staged in (spy, lambda *_args: False):
        home = tmp_path / f"home-{len(snapshots)}"
        monkeypatch.setenv("LEDGER_HOME", str(home))
        monkeypatch.setattr(records, "reads_columns_directly", staged)
        assert not ingest_landing(root, load_settings()).failed
        parquet = duckdb.connect().execute(
            f"SELECT replace(filename, '{home}', '') AS partition, file_row_number, "
            "* EXCLUDE (ingest_run_id, filename, file_row_number) "
            f"FROM read_parquet('{home}/raw/*/*/*.parquet', union_by_name = true, "
            "filename = true, file_row_number = true) ORDER BY ALL"
        )
        snapshots.append((_snapshot(home), parquet.fetchall()))
    assert len(direct) == 3  # a, b-empty and e; c-float and d-unknown are read as JSON
    assert snapshots[0] == snapshots[1]
    tables, _ = snapshots[0]
    assert tables["quarantine"] and tables["inference_events"]


def test_landing_price_override_prices_owned_model(tmp_path: Path, ledger_home: Path) -> None:
    root = tmp_path / "landing"
    (root / "prices").mkdir(parents=True)
    (root / "prices/owned.csv").write_text(
        "provider,model,effective_from,effective_to,input_per_mtok_usd,output_per_mtok_usd,"
        "cached_input_per_mtok_usd,per_request_usd\n"
        "self_hosted,owned-8b,2026-01-01,2026-02-01,1.0,2.0,0.5,0\n"
        "self_hosted,owned-8b,2026-02-01,,0.5,1.0,0.25,0\n",
        encoding="utf-8",
    )
    _write_jsonl(
        root / "events/e.jsonl",
        [
            {
                "event_id": "jan",
                "event_ts": "2026-01-31T23:59:59Z",
                "model_version": "owned-8b",
                "input_tokens": 1_000_000,
                "output_tokens": 1_000_000,
                "cached_input_tokens": 0,
            },
            {
                "event_id": "feb",
                "event_ts": "2026-02-01T00:00:00Z",
                "model_version": "owned-8b",
                "input_tokens": 1_000_000,
                "output_tokens": 1_000_000,
                "cached_input_tokens": 0,
            },
        ],
    )
    ingest_landing(root, load_settings())
    rows = _query(
        ledger_home,
        "SELECT event_id, cost_source, inference_cost_usd FROM raw.inference_events ORDER BY 1",
    )
    assert rows == [("feb", "priced", 1.5), ("jan", "priced", 3.0)]
    sources = _query(ledger_home, "SELECT DISTINCT source FROM raw.model_prices ORDER BY 1")
    assert ("override",) in sources


def test_price_arriving_later_reprices_earlier_events(tmp_path: Path, ledger_home: Path) -> None:
    root = tmp_path / "landing"
    _write_jsonl(
        root / "events/e.jsonl",
        [
            {
                "event_id": "a",
                "event_ts": "2026-03-01T10:00:00Z",
                "model_version": "owned-9b",
                "input_tokens": 2_000_000,
                "output_tokens": 0,
            },
            {
                "event_id": "b",
                "event_ts": "2026-03-01T11:00:00Z",
                "model_version": "owned-9b",
                "input_tokens": 10,
                "output_tokens": 10,
                "inference_cost_usd": 0.5,
            },
        ],
    )
    settings = load_settings()
    ingest_landing(root, settings)
    query = "SELECT event_id, cost_source, inference_cost_usd FROM raw.inference_events ORDER BY 1"
    assert _query(ledger_home, query) == [("a", "unpriced", 0.0), ("b", "logged", 0.5)]

    (root / "prices").mkdir()
    (root / "prices/owned.csv").write_text(
        "provider,model,effective_from,input_per_mtok_usd,output_per_mtok_usd\n"
        "self_hosted,owned-9b,2026-01-01,0.25,1.0\n",
        encoding="utf-8",
    )
    result = ingest_landing(root, settings)
    assert result.repriced_events == 1
    assert _query(ledger_home, query) == [("a", "priced", 0.5), ("b", "logged", 0.5)]
    con = duckdb.connect()
    parquet = con.execute(
        f"SELECT cost_source FROM read_parquet('{ledger_home}/raw/inference_events/*/*.parquet') "
        "WHERE event_id = 'a'"
    ).fetchall()
    assert parquet == [("priced",)]


def test_batches_of_any_size_load_the_same_rows(
    tmp_path: Path, ledger_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One file per transaction and many files per batch give identical raw tables; a file
    that cannot be read fails alone, the rest of its batch loads."""
    from inference_ledger.generator import GenerationOptions, generate

    landing = tmp_path / "landing"
    generate(
        GenerationOptions(
            out=landing, days=4, events_per_day=120, format="mixed", corrupt_rate=0.05, seed=3
        )
    )
    good = next((landing / "transitions").iterdir()).read_bytes()
    (landing / "transitions/broken.jsonl.gz").write_bytes(gzip.compress(good)[:200])

    snapshots, manifests = [], []
    for batch_mb in ("0", "256"):
        home = tmp_path / f"home-{batch_mb}"
        monkeypatch.setenv("LEDGER_HOME", str(home))
        monkeypatch.setenv("LEDGER_INGEST_BATCH_MB", batch_mb)
        result = ingest_landing(landing, load_settings())
        assert [f.source_file for f in result.failed] == ["transitions/broken.jsonl.gz"]
        assert all(
            f.records_read == f.records_loaded + f.records_quarantined + f.records_duplicate
            for f in result.files
        )
        snapshots.append(_snapshot(home))
        manifests.append(
            _query(
                home,
                "SELECT source_file, status, records_read, records_loaded, records_quarantined, "
                "records_duplicate FROM raw.ingest_manifest ORDER BY ALL",
            )
        )
    assert snapshots[0] == snapshots[1]
    assert manifests[0] == manifests[1]
    assert sum(len(rows) for rows in snapshots[0].values()) > 1000
    assert len(snapshots[0]["quarantine"]) > 0


def test_unchanged_files_are_not_read_again(
    landing: Path, ledger_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nightly run proves old landing files unchanged from their size and mtime alone."""
    import os

    from inference_ledger.ingest import pipeline

    hour_ago = 3600
    files = [p for p in landing.rglob("*") if p.is_file()]
    for path in files:
        stat = path.stat()
        os.utime(path, (stat.st_atime - hour_ago, stat.st_mtime - hour_ago))
    settings = load_settings()
    first = ingest_landing(landing, settings)
    assert first.files and not first.failed

    hashed: list[Path] = []
    real_hash = pipeline.content_hash
    monkeypatch.setattr(
        pipeline, "content_hash", lambda path: hashed.append(path) or real_hash(path)
    )
    again = ingest_landing(landing, settings)
    assert again.files == [] and hashed == []
    assert again.unchanged_files == len(first.files)

    # New content is seen (here the size changes; a fresh mtime alone forces a re-hash).
    day = landing / "events/2026-01-05.jsonl"
    day.write_text(json.dumps({**EVENT, "event_id": "evt-changed"}) + "\n", encoding="utf-8")
    changed = ingest_landing(landing, settings)
    assert hashed == [day]
    assert [(f.source_file, f.version, f.records_loaded) for f in changed.files] == [
        ("events/2026-01-05.jsonl", 2, 1)
    ]
