"""Publication under SIGKILL with a BI reader polling, hostile mart names, and the
pseudonymization key / credentials configuration."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from publication import check_publication
from rel_helpers import LEDGER, child_env, soak_or

from inference_ledger.ingest import pseudonymize
from inference_ledger.publish import PublishError, publish_marts
from inference_ledger.report.sample_marts import build_sample_warehouse
from inference_ledger.settings import SettingsError, load_settings

SAMPLE_MARTS = [
    "fct_cost_per_outcome",
    "fct_control_surface_drift",
    "fct_metric_health",
    "audit_gaps",
]
PUBLISH = [
    sys.executable, "-m", "inference_ledger.publish",
    *[arg for mart in SAMPLE_MARTS for arg in ("--mart", mart)],
]  # fmt: skip


def test_publish_killed_at_random_points_never_shows_a_torn_publication(tmp_path: Path):
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    publish_dir = tmp_path / "published"
    publish_marts(warehouse, publish_dir, SAMPLE_MARTS, run_id="first")
    seen: set[str] = set()
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        # A BI tool that keeps re-opening the published copy while publications come and go.
        while not stop.is_set():
            try:
                run = check_publication(publish_dir)
                if run:
                    seen.add(run)
            except AssertionError as exc:
                errors.append(str(exc))
            except (duckdb.IOException, FileNotFoundError, OSError):
                # The file was swapped between listing and opening: reopen, as a BI tool does.
                pass
            time.sleep(0.01)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    rng = random.Random(int(os.environ.get("LEDGER_CRASH_SEED", "3")))
    kills = 0
    env = child_env(tmp_path, LEDGER_WAREHOUSE=str(warehouse), LEDGER_PUBLISH_DIR=str(publish_dir))
    # Kills land within 90% of a whole publish (start-up included), so most hit a publish
    # in progress whatever the machine's speed.
    started = time.monotonic()
    timed = subprocess.run(PUBLISH, env=env, capture_output=True, text=True, timeout=300)
    assert timed.returncode == 0, timed.stderr
    kill_window = (0.1, 0.9 * (time.monotonic() - started))
    try:
        for _ in range(soak_or(6, 40)):
            child = subprocess.Popen(
                PUBLISH,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            try:
                child.wait(timeout=rng.uniform(*kill_window))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                kills += 1
            assert check_publication(publish_dir) is not None
        final = subprocess.run(PUBLISH, env=env, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == []
    assert len(seen) >= 2, "the reader should have seen more than one publication"
    assert not [p for p in publish_dir.rglob("*") if p.name.endswith(".tmp")]
    print(f"publish SIGKILLs injected: {kills}, publications seen by the reader: {len(seen)}")
    assert kills > 0, "every publish finished before its kill: the test injected nothing"


@pytest.mark.parametrize(
    "name",
    [
        'fct_cost_per_outcome"; DROP TABLE marts.audit_gaps; --',
        "fct_cost_per_outcome; DROP TABLE x",
        "marts.audit_gaps.extra",
        "audit_gaps\n",
        "../audit_gaps",
        "audit gaps",
        "'audit_gaps'",
        "",
    ],
)
def test_hostile_mart_names_are_refused_before_any_sql(tmp_path: Path, name: str):
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    publish_marts(warehouse, tmp_path / "pub", ["audit_gaps"], run_id="before")
    with pytest.raises(PublishError):
        publish_marts(warehouse, tmp_path / "pub", ["audit_gaps", name])
    assert check_publication(tmp_path / "pub") == "before"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.audit_gaps").fetchone()[0] > 0
    finally:
        con.close()


def test_pseudonymization_key_comes_from_configuration(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    monkeypatch.delenv("LEDGER_PSEUDONYMIZATION_KEY", raising=False)
    monkeypatch.delenv("LEDGER_PSEUDONYMIZATION_KEY_FILE", raising=False)
    monkeypatch.setenv("LEDGER_ENV", "production")
    with pytest.raises(SettingsError, match="LEDGER_PSEUDONYMIZATION_KEY"):
        load_settings()
    key_file = tmp_path / "key"
    key_file.write_text("file-key\n")
    monkeypatch.setenv("LEDGER_PSEUDONYMIZATION_KEY_FILE", str(key_file))
    assert load_settings().pseudonymization_key == "file-key"
    monkeypatch.setenv("LEDGER_PSEUDONYMIZATION_KEY", "env-key")
    settings = load_settings()
    assert settings.pseudonymization_key == "env-key"
    assert "env-key" not in repr(settings)  # never printed with the settings
    # Different keys, different pseudonyms: the key really is the configured one.
    assert pseudonymize("u-1", "env-key") != pseudonymize("u-1", "file-key")


@pytest.mark.parametrize(
    "command", [["run"], ["ingest"], ["backfill", "--start", "2025-06-01", "--end", "2025-06-02"]]
)
def test_production_without_a_key_stops_with_a_clear_message(tmp_path: Path, command):
    (tmp_path / "landing").mkdir()
    env = child_env(tmp_path, LEDGER_ENV="production")
    done = subprocess.run([*LEDGER, *command], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "LEDGER_PSEUDONYMIZATION_KEY" in done.stderr and "production" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_the_only_built_in_key_is_the_development_default():
    # Grep the product for anything that looks like a second, hard-coded key.
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for folder in ("inference_ledger", "orchestration", "expectations"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "pseudonymize(" in text and path.name not in ("pipeline.py", "__init__.py"):
                for line in text.splitlines():
                    if "pseudonymize(" in line and ('"' in line.split("pseudonymize(")[1]):
                        offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []


def test_postgres_credentials_never_appear_in_output(tmp_path: Path, postgres_server):
    (tmp_path / "landing").mkdir()
    secret = "PgS3cretPw"
    for dsn in (
        f"postgresql://ledger:{secret}@127.0.0.1:9/nowhere",  # connection refused
        f"postgresql://ledger:{secret}@{postgres_server.host}:{postgres_server.port}/no_such_db",
    ):
        done = subprocess.run(
            [*LEDGER, "ingest", "--landing", str(tmp_path / "landing"), "--postgres-dsn", dsn],
            env=child_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 1, done.stderr
        assert "PostgreSQL source failed" in done.stderr
        assert secret not in done.stdout + done.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
