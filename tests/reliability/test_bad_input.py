"""Bad input, property-based: randomly mutated records and files never crash ingestion and
are never silently dropped.

For every file written, raw.ingest_manifest must satisfy records_read = loaded + quarantined +
duplicate, records_read must equal the non-blank lines written, the quarantine and raw tables
must hold exactly the rows the manifest claims, and a file that cannot be read at all must be
recorded as `failed` with an error and no rows. One warehouse serves a whole example batch
(ingestion of unchanged files is skipped), which keeps the default run fast.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rel_helpers import soak_or

from inference_ledger.ingest import ingest_landing
from inference_ledger.settings import load_settings

EXAMPLES = soak_or(25, 400)
CONTROL = ["\x00", "\x01", "\x1b", "\t", "\u2028"]
FIELDS = (
    "event_id", "event_ts", "trace_id", "output_id", "state", "trigger_type", "model_version",
    "input_tokens", "output_tokens", "cached_input_tokens", "inference_cost_usd",
    "orchestration_cost_usd", "tool_cost_usd", "latency_ms", "retry_count", "is_retry",
    "user_id", "tenant_id", "status", "confidence", "context_hash",
)  # fmt: skip
BASE = {
    "event_id": "evt-1",
    "event_ts": "2025-06-02T00:46:51.072Z",
    "trace_id": "22f6c4ab2021fc570000000000000000",
    "output_id": "out-1",
    "state": "draft",
    "trigger_type": "user_edit",
    "model_version": "o3",
    "provider": "openai",
    "prompt_version": "code-v12",
    "context_hash": "a48c8465d72bdffc",
    "input_tokens": 9744,
    "output_tokens": 5119,
    "cached_input_tokens": 8388,
    "inference_cost_usd": 0.0125,
    "latency_ms": 1750,
    "status": "success",
    "retry_count": 0,
    "is_retry": False,
    "tenant_id": "t-009",
    "user_id": "u-00293",
    "confidence": 0.93,
}

weird_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
) | st.sampled_from(["", " ", "null", "unknown", "N/A", "\u202e\u0000x", "'; DROP TABLE x;--"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, -1, -0.0, 2**63, 2**64]),
    weird_text,
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(weird_text, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def record_lines(draw) -> str:
    """One line of text: a mutated event record, or something that is not one."""
    kind = draw(st.sampled_from(["mutated"] * 6 + ["garbage", "truncated", "deep", "dupkey"]))
    record = dict(BASE)
    record["event_id"] = f"evt-{draw(st.integers(0, 30))}"  # collisions → duplicates
    if kind == "garbage":
        return draw(st.text(max_size=60).map(lambda s: s.replace("\n", " ").replace("\r", " ")))
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["drop", "set", "extra", "negative"]))
        name = draw(st.sampled_from(FIELDS))
        if action == "drop":
            record.pop(name, None)
        elif action == "set":
            record[name] = draw(values)
        elif action == "extra":
            record[draw(weird_text)] = draw(values)
        elif isinstance(record.get(name), int | float) and not isinstance(record[name], bool):
            record[name] = -abs(record[name]) - 1
    text = json.dumps(record, allow_nan=True, ensure_ascii=draw(st.booleans()))
    if kind == "truncated":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    if kind == "deep":
        depth = draw(st.integers(50, 3000))
        return text[:-1] + ', "nest": ' + "[" * depth + "]" * depth + "}"
    if kind == "dupkey":
        return text[:-1] + ', "event_ts": "not a time"}'
    if draw(st.booleans()):
        # A NUL byte or another control character spliced into the raw text.
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at] + draw(st.sampled_from(["\x00", "\x01", "\x1b", "\t", "\u2028"])) + text[at:]
        )
    return text


@st.composite
def landing_files(draw) -> tuple[bytes, str, int]:
    """(file bytes, suffix, non-blank lines written)."""
    lines = draw(st.lists(record_lines(), min_size=0, max_size=12))
    # Lines must not contain a line break of their own (that would be two records).
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    blank = draw(st.lists(st.sampled_from(["", "  ", "\t", "\r"]), max_size=2))
    body_lines = lines + blank
    order = draw(st.permutations(range(len(body_lines))))
    body_lines = [body_lines[i] for i in order]
    pieces = []
    for line in body_lines:
        pieces.append(line + draw(st.sampled_from(["\n", "\r\n"])))
    text = "".join(pieces)
    if pieces and draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final newline
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data  # byte order mark
    expected = sum(1 for line in lines if line.strip(" \t\r") != "")
    suffix = draw(st.sampled_from([".jsonl", ".jsonl", ".ndjson", ".jsonl.gz"]))
    if suffix.endswith(".gz"):
        data = gzip.compress(data)
    return data, suffix, expected


def _accounting(con: duckdb.DuckDBPyConnection, rel: str) -> tuple:
    return con.execute(
        """SELECT status, records_read, records_loaded, records_quarantined, records_duplicate,
                  error FROM raw.ingest_manifest WHERE source_file = ? ORDER BY version DESC""",
        [rel],
    ).fetchone()


def _rows(con: duckdb.DuckDBPyConnection, table: str, rel: str) -> int:
    return con.execute(f"SELECT count(*) FROM raw.{table} WHERE source_file = ?", [rel]).fetchone()[
        0
    ]


class Tally:
    files = 0
    records = 0
    failed = 0


@pytest.fixture(scope="module")
def batch_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bad-input")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
)
@given(landing_files())
def test_mutated_files_are_fully_accounted_for(batch_home, monkeypatch, example) -> None:
    data, suffix, expected = example
    home = batch_home
    monkeypatch.setenv("LEDGER_HOME", str(home))
    monkeypatch.setenv("LEDGER_DUCKDB_THREADS", "2")
    monkeypatch.setenv("LEDGER_DUCKDB_MEMORY_LIMIT", "1GB")
    for name in ("LEDGER_WAREHOUSE", "LEDGER_RAW_DIR", "LEDGER_LANDING_DIR", "LEDGER_ENV"):
        monkeypatch.delenv(name, raising=False)
    Tally.files += 1
    rel = f"events/ex{Tally.files:05d}{suffix}"
    path = home / "landing" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)

    result = ingest_landing(home / "landing", load_settings())  # must not raise

    [mine] = [f for f in result.files if f.source_file == rel]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        status, read, loaded, quarantined, duplicate, error = _accounting(con, rel)
        if status == "failed":
            Tally.failed += 1
            assert error, "a failed file must say why"
            assert _rows(con, "inference_events", rel) == 0
            assert _rows(con, "quarantine", rel) == 0
            return
        assert status in ("ingested", "duplicate_file", "quarantined")
        assert read == loaded + quarantined + duplicate
        assert read == expected, f"{expected} non-blank lines written, {read} read"
        Tally.records += read
        if status != "duplicate_file":
            assert _rows(con, "quarantine", rel) == quarantined
            assert _rows(con, "inference_events", rel) == loaded
        assert (mine.records_read, mine.records_loaded) == (read, loaded)
        # Loaded rows are sane: no NaN/Infinity, no negative money or tokens.
        bad = con.execute(
            """SELECT count(*) FROM raw.inference_events WHERE source_file = ? AND (
                 isnan(coalesce(inference_cost_usd, 0)) OR isinf(coalesce(inference_cost_usd, 0))
                 OR inference_cost_usd < 0 OR input_tokens < 0 OR output_tokens < 0)""",
            [rel],
        ).fetchone()[0]
        assert bad == 0
    finally:
        con.close()


def test_tally_is_reported(record_property) -> None:
    # Runs after the property test in file order; the figures go into docs/reliability.md.
    record_property("files", Tally.files)
    record_property("records", Tally.records)
    print(
        f"bad-input examples: {Tally.files} files, {Tally.records} records, "
        f"{Tally.failed} unreadable"
    )
    assert math.isfinite(Tally.records)
