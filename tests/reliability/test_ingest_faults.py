"""Ingestion under bad files, schema drift, hostile names and paths, and SIGKILL.

Each test uses its own ledger home and real DuckDB files; the SIGKILL tests run `ledger
ingest` as a real child process and kill it at random points."""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
from rel_helpers import LEDGER, child_env, make_landing, snapshot, soak_or

from inference_ledger.ingest import ingest_landing
from inference_ledger.ingest.drift import unknown_fields
from inference_ledger.settings import load_settings

EVENT = {
    "event_id": "e-1",
    "event_ts": "2025-06-02T10:00:00Z",
    "trace_id": "t-1",
    "model_version": "gpt-4o-mini",
    "trigger_type": "user_explicit",
    "input_tokens": 100,
    "output_tokens": 20,
    "inference_cost_usd": 0.001,
    "user_id": "raw-user-123",
}


def _event(i: int, **changes) -> dict:
    record = dict(EVENT, event_id=f"e-{i}")
    record.update(changes)
    return record


def _write(path: Path, records: list[dict | str], newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    return path


def _q(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _manifest(home: Path, rel: str) -> tuple:
    return _q(
        home,
        "SELECT status, records_read, records_loaded, records_quarantined, records_duplicate,"
        " error FROM raw.ingest_manifest WHERE source_file = ? ORDER BY ingested_at DESC",
        [rel],
    )[0]


# --- files DuckDB's line reader used to reject, failing every record in them -------------


def test_crlf_and_mixed_line_endings_load_every_record(isolated_env: Path):
    landing = isolated_env / "landing"
    _write(landing / "events/crlf.jsonl", [_event(i) for i in range(3)], newline="\r\n")
    mixed = landing / "events/mixed.jsonl.gz"
    mixed.write_bytes(
        gzip.compress(
            b"\xef\xbb\xbf"
            + json.dumps(_event(10)).encode()
            + b"\r\n\r\n"
            + json.dumps(_event(11)).encode()
            + b"\n{broken\r\n"
        )
    )
    # Found by the soak run: a byte order mark alone on a CRLF line is not a record.
    (landing / "events/bom-only.jsonl").write_bytes(b"\xef\xbb\xbf\r\n")
    ingest_landing(landing, load_settings())
    assert _manifest(isolated_env, "events/bom-only.jsonl")[:2] == ("ingested", 0)
    assert _manifest(isolated_env, "events/crlf.jsonl")[:5] == ("ingested", 3, 3, 0, 0)
    assert _manifest(isolated_env, "events/mixed.jsonl.gz")[:5] == ("ingested", 3, 2, 1, 0)
    # Physical line numbers survive: the broken record is on line 4.
    assert _q(isolated_env, "SELECT source_line, reason FROM raw.quarantine") == [
        (4, "malformed_json")
    ]


def test_unusual_unknown_keys_are_kept_in_extras_not_fatal(isolated_env: Path):
    landing = isolated_env / "landing"
    weird = {"": 1, "*": 2, "back\\slash": 3, 'quo"te': 4, "$.path": 5}
    _write(landing / "events/weird.jsonl", [_event(1, **weird)])
    # A duplicated unknown key keeps its first value (as duplicated known keys do).
    _write(
        landing / "events/dup.jsonl",
        ['{"event_id": "e-2", "event_ts": "2025-06-02", "x": 1, "x": 2, "event_ts": "bogus"}'],
    )
    ingest_landing(landing, load_settings())
    assert _manifest(isolated_env, "events/weird.jsonl")[:3] == ("ingested", 1, 1)
    extras = json.loads(
        _q(isolated_env, "SELECT extras FROM raw.inference_events WHERE event_id = 'e-1'")[0][0]
    )
    assert extras == {k: v for k, v in weird.items()}
    assert _manifest(isolated_env, "events/dup.jsonl")[:3] == ("ingested", 1, 1)
    extras = _q(isolated_env, "SELECT extras FROM raw.inference_events WHERE event_id = 'e-2'")
    assert json.loads(extras[0][0]) == {"x": 1}


# --- schema drift ---------------------------------------------------------------------------


def test_schema_drift_unknown_fields_aliases_and_a_type_change(isolated_env: Path):
    landing = isolated_env / "landing"
    # Drift 1: new fields appear. Drift 2: fields renamed to aliases the contract knows.
    renamed = [
        {
            "id": f"r-{i}",
            "timestamp": "2025-06-03T08:00:00+02:00",
            "traceId": "t-9",
            "model": "gpt-4o-mini",
            "trigger": "auto_save",
            "tokens_in": 50,
            "tokens_out": 5,
            "cost_usd": 0.002,
            "experiment_arm": "B",
            "gpu": {"kind": "h100", "count": 8},
        }
        for i in range(4)
    ]
    _write(landing / "events/drift.jsonl", renamed)
    # Drift 3: a type change in one file: tokens became strings in some rows.
    typed = [_event(100 + i) for i in range(6)]
    typed[1]["input_tokens"] = "lots"
    typed[4]["inference_cost_usd"] = {"amount": 1}
    _write(landing / "events/typed.jsonl", typed)
    _write(landing / "events/clean.jsonl", [_event(200 + i) for i in range(5)])

    result = ingest_landing(landing, load_settings())

    assert _manifest(isolated_env, "events/drift.jsonl")[:3] == ("ingested", 4, 4)
    rows = _q(
        isolated_env,
        "SELECT event_id, event_ts, trace_id, model_version, trigger_type, input_tokens,"
        " output_tokens, inference_cost_usd, extras FROM raw.inference_events"
        " WHERE source_file = 'events/drift.jsonl' ORDER BY 1",
    )
    first = rows[0]
    assert first[0] == "r-0" and str(first[1]) == "2025-06-03 06:00:00"
    assert first[2:8] == ("t-9", "gpt-4o-mini", "auto_save", 50, 5, 0.002)
    assert json.loads(first[8]) == {"experiment_arm": "B", "gpu": {"kind": "h100", "count": 8}}
    report = unknown_fields(isolated_env / "warehouse.duckdb", result.run_id)
    assert ("inference_events", "experiment_arm", 4) in report
    assert ("inference_events", "gpu", 4) in report

    status, read, loaded, quarantined, duplicate, _ = _manifest(isolated_env, "events/typed.jsonl")
    assert (status, read, loaded, quarantined, duplicate) == ("ingested", 6, 4, 2, 0)
    reasons = _q(
        isolated_env,
        "SELECT source_line, reason FROM raw.quarantine WHERE source_file = 'events/typed.jsonl'"
        " ORDER BY 1",
    )
    assert reasons == [(2, "bad_type:input_tokens"), (5, "bad_type:inference_cost_usd")]
    assert _manifest(isolated_env, "events/clean.jsonl")[:3] == ("ingested", 5, 5)
    # The raw user id in the quarantined text is redacted.
    texts = _q(isolated_env, "SELECT raw_text FROM raw.quarantine")
    assert all("raw-user-123" not in t for (t,) in texts)


def test_ingest_command_reports_unknown_fields(isolated_env: Path):
    landing = isolated_env / "landing"
    _write(landing / "events/a.jsonl", [_event(1, new_column="x")])
    done = subprocess.run(
        [*LEDGER, "ingest", "--landing", str(landing)],
        env=child_env(isolated_env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "unknown field kept in inference_events.extras: 'new_column' (1 records)" in done.stdout


# --- files that cannot be read at all ------------------------------------------------------


def test_unreadable_files_fail_loudly_load_nothing_and_are_retried(isolated_env: Path):
    landing = isolated_env / "landing"
    good = gzip.compress("\n".join(json.dumps(_event(i)) for i in range(50)).encode())
    (landing / "events").mkdir(parents=True)
    (landing / "events/truncated.jsonl.gz").write_bytes(good[: len(good) // 2])
    huge = json.dumps(_event(999, note="x" * (10 << 20)))  # one 10 MB line
    _write(landing / "events/huge.jsonl", [_event(998), huge])
    (landing / "events/empty.jsonl").write_bytes(b"")
    (landing / "events/not-utf8.jsonl").write_bytes(b'{"event_id": "\xff\xfe"}\n')
    (landing / "events/bad.parquet").write_bytes(b"PAR1 not really")

    result = ingest_landing(landing, load_settings())

    statuses = {f.source_file: f.status for f in result.files}
    assert statuses["events/empty.jsonl"] == "ingested"
    assert _manifest(isolated_env, "events/empty.jsonl")[1] == 0
    for rel in ("events/truncated.jsonl.gz", "events/huge.jsonl", "events/bad.parquet"):
        assert statuses[rel] == "failed", rel
        status, *_, error = _manifest(isolated_env, rel)
        assert status == "failed" and error, rel
        assert _q(
            isolated_env, "SELECT count(*) FROM raw.inference_events WHERE source_file = ?", [rel]
        ) == [(0,)]
    # Invalid UTF-8 is either quarantined or fails the file, never loaded as garbage.
    assert statuses["events/not-utf8.jsonl"] in ("failed", "ingested")
    assert _q(isolated_env, "SELECT count(*) FROM raw.inference_events") == [(0,)]

    # Fixed files are picked up by the next run; the failures are retried, not forgotten.
    (landing / "events/truncated.jsonl.gz").write_bytes(good)
    again = ingest_landing(landing, load_settings())
    assert {f.source_file for f in again.files} >= {
        "events/truncated.jsonl.gz",
        "events/huge.jsonl",
    }
    assert _manifest(isolated_env, "events/truncated.jsonl.gz")[:3] == ("ingested", 50, 50)


# --- hostile names and paths ------------------------------------------------------------


HOSTILE_NAMES = [
    "events/it's.jsonl",
    'events/a"b.jsonl',
    "events/x'; DROP TABLE raw.inference_events; --.jsonl",
    "events/new\nline.jsonl",
    "events/$(touch pwned).jsonl",
    "events/semi;colon/ünïcødé.jsonl",
]


def test_hostile_file_names_are_data_not_sql(isolated_env: Path):
    landing = isolated_env / "landing"
    for i, name in enumerate(HOSTILE_NAMES):
        _write(landing / name, [_event(i, note=name)])
    result = ingest_landing(landing, load_settings())
    assert sorted(f.source_file for f in result.files) == sorted(HOSTILE_NAMES)
    assert all(f.status == "ingested" and f.records_loaded == 1 for f in result.files)
    stored = _q(isolated_env, "SELECT source_file FROM raw.inference_events ORDER BY 1")
    assert [s for (s,) in stored] == sorted(HOSTILE_NAMES)
    assert not Path("pwned").exists() and not (isolated_env / "pwned").exists()
    # Unchanged on a second run: the names round-trip through the manifest exactly.
    assert ingest_landing(landing, load_settings()).unchanged_files == len(HOSTILE_NAMES)


def test_landing_paths_cannot_escape_the_landing_directory(isolated_env: Path, tmp_path: Path):
    landing = isolated_env / "landing"
    _write(landing / "events/inside.jsonl", [_event(1)])
    outside = tmp_path / "outside"
    secret = _write(outside / "secret.jsonl", [_event(2, note="OUTSIDE-SECRET")])
    (outside / "private.txt").write_text("OUTSIDE-SECRET password=hunter2\n")
    os.symlink(secret, landing / "events/link-to-outside.jsonl")
    os.symlink(outside, landing / "events/dir-link")
    os.symlink(outside / "private.txt", landing / "unknownkind" if False else landing / "x.jsonl")
    (landing / "transitions").mkdir()
    os.symlink("../../..", landing / "transitions/up")  # a `..` path out of the landing root
    os.symlink(outside / "private.txt", landing / "transitions/private.jsonl")

    result = ingest_landing(landing, load_settings())

    assert [f.source_file for f in result.files] == ["events/inside.jsonl"]
    dump = _q(
        isolated_env,
        "SELECT string_agg(CAST(t AS VARCHAR), '') FROM (SELECT * FROM raw.inference_events) t",
    )[0][0]
    assert "OUTSIDE-SECRET" not in dump
    assert _q(isolated_env, "SELECT count(*) FROM raw.quarantine") == [(0,)]


# --- SIGKILL during ingestion ------------------------------------------------------------


def test_sigkill_during_ingest_then_rerun_equals_a_clean_ingest(tmp_path: Path):
    landing = tmp_path / "landing"
    make_landing(landing, days=5, events_per_day=40, seed=7, format="mixed")
    clean = tmp_path / "clean"
    started = time.monotonic()
    ran = subprocess.run(
        [*LEDGER, "ingest", "--landing", str(landing)],
        env=child_env(clean),
        capture_output=True,
        text=True,
        timeout=600,
    )
    # Kills land between the first second (imports, nothing written yet) and 80% of a clean
    # run, so they hit the work itself whatever the machine's speed.
    kill_window = (1.0, max(1.2, 0.8 * (time.monotonic() - started)))
    assert ran.returncode == 0, ran.stderr
    expected = snapshot(clean / "warehouse.duckdb", "raw")

    rng = random.Random(int(os.environ.get("LEDGER_CRASH_SEED", "7")))
    kills = 0
    for attempt in range(soak_or(2, 12)):
        home = tmp_path / f"killed-{attempt}"
        for _ in range(rng.randint(1, soak_or(1, 3))):  # soak: up to 3 kills before a clean run
            child = subprocess.Popen(
                [*LEDGER, "ingest", "--landing", str(landing)],
                env=child_env(home),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                child.wait(timeout=rng.uniform(*kill_window))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                kills += 1
        rerun = subprocess.run(
            [*LEDGER, "ingest", "--landing", str(landing)],
            env=child_env(home),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert rerun.returncode == 0, rerun.stderr
        got = snapshot(home / "warehouse.duckdb", "raw")
        for table in expected:
            assert got[table] == expected[table], f"raw.{table} differs after a kill ({attempt})"
        leftovers = [p for p in (home / "raw").rglob("*") if p.name.endswith(".tmp")]
        assert leftovers == []
        # The Parquet raw zone matches the warehouse after the repair.
        con = duckdb.connect()
        try:
            parquet = con.execute(
                "SELECT count(*) FROM read_parquet(?, hive_partitioning = true)",
                [str(home / "raw/inference_events/*/*.parquet")],
            ).fetchone()[0]
        finally:
            con.close()
        assert parquet == len(expected["inference_events"])
    print(f"ingest SIGKILLs injected: {kills}")
    assert kills > 0, "every run finished before its kill: the test injected nothing"
    shutil.rmtree(tmp_path / "clean", ignore_errors=True)
