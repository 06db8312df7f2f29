"""Publishing while a BI reader (a separate process) holds the published file open, and
opening the published file with a DuckDB 1.x engine."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import venv
from pathlib import Path

import duckdb
import pytest

from inference_ledger.publish import publish_marts
from inference_ledger.report.sample_marts import build_sample_warehouse

MARTS = ["fct_cost_per_outcome", "fct_metric_health", "audit_gaps"]

READER = textwrap.dedent(
    """
    import pathlib, sys, time
    import duckdb

    db, flag = sys.argv[1], pathlib.Path(sys.argv[2])
    sql = ("SELECT (SELECT any_value(run_id) FROM _publication), "
           "(SELECT count(*) FROM fct_cost_per_outcome)")
    con = duckdb.connect(db, read_only=True)
    print("open", *con.execute(sql).fetchone(), flush=True)
    queries = 0
    while not flag.exists():
        run_id, rows = con.execute(sql).fetchone()
        queries += 1
        time.sleep(0.005)
    print("held", run_id, rows, queries, flush=True)
    con.close()
    con = duckdb.connect(db, read_only=True)
    print("reopened", *con.execute(sql).fetchone(), flush=True)
    """
)


def test_reader_keeps_working_during_publish_and_sees_new_data_after_reopen(tmp_path: Path):
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    publish_dir = tmp_path / "pub"
    first = publish_marts(warehouse, publish_dir, MARTS, run_id="r1")
    flag = tmp_path / "reopen"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(first.database_path), str(flag)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().split() == ["open", "r1", "336"]
        with duckdb.connect(str(warehouse)) as con:
            con.execute(
                "INSERT INTO marts.fct_cost_per_outcome SELECT * FROM marts.fct_cost_per_outcome "
                "WHERE date_day = DATE '2025-05-18'"
            )
        second = publish_marts(warehouse, publish_dir, MARTS, run_id="r2")
        assert second.row_counts["fct_cost_per_outcome"] == 344
        time.sleep(0.2)  # the reader keeps querying its open file after the swap
        flag.touch()
        out, err = reader.communicate(timeout=30)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, err
    held, reopened = out.splitlines()
    word, run_id, rows, queries = held.split()
    assert (word, run_id, rows) == ("held", "r1", "336")
    assert int(queries) > 5
    assert reopened.split() == ["reopened", "r2", "344"]


OLD_CLIENT = textwrap.dedent(
    """
    import sys
    import duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    rows = con.execute("SELECT count(*) FROM fct_cost_per_outcome").fetchone()[0]
    print(duckdb.__version__, rows)
    """
)


@pytest.fixture(scope="session")
def duckdb_1x_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A separate virtualenv with a DuckDB 1.1 engine, as bundled by older BI tools."""
    env_dir = tmp_path_factory.mktemp("duckdb1x")
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    try:
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "duckdb==1.1.3",
            ],
            check=True,
            timeout=90,
            capture_output=True,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot install duckdb 1.1.3 from the package index: {exc}")
    return python


@pytest.mark.timeout(120)
def test_duckdb_1x_engine_opens_the_published_file(tmp_path: Path, duckdb_1x_python: Path):
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    pub = publish_marts(warehouse, tmp_path / "pub", MARTS)
    done = subprocess.run(
        [str(duckdb_1x_python), "-c", OLD_CLIENT, str(pub.database_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1.1.3", "336"]
    # The same engine cannot read the warehouse's own newer format: the test is meaningful.
    refused = subprocess.run(
        [str(duckdb_1x_python), "-c", OLD_CLIENT, str(warehouse)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "version" in refused.stderr.lower()


PUBLISHER = textwrap.dedent(
    """
    import sys
    from inference_ledger.publish import publish_marts
    publish_marts(sys.argv[1], sys.argv[2], ["big_mart", "audit_gaps"], run_id="killed")
    """
)


def test_publisher_killed_mid_publish_leaves_previous_publication(tmp_path: Path):
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        # Large enough that the copy takes a while, so the kill lands mid-publish.
        con.execute(
            "CREATE TABLE marts.big_mart AS SELECT i, md5(i::VARCHAR) AS h, random() AS x "
            "FROM range(3000000) t(i)"
        )
    publish_dir = tmp_path / "pub"
    first = publish_marts(warehouse, publish_dir, ["audit_gaps"], run_id="before")
    before = first.database_path.read_bytes()

    publisher = subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, str(warehouse), str(publish_dir)]
    )
    deadline = time.monotonic() + 30
    while not list(publish_dir.glob(".inference_ledger.duckdb.killed.tmp*")):
        assert publisher.poll() is None, "publisher finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    time.sleep(0.1)
    publisher.kill()
    publisher.wait(timeout=10)

    assert first.database_path.read_bytes() == before
    assert json.loads(first.manifest_path.read_text())["run_id"] == "before"
    assert (publish_dir / "parquet").resolve().name == "before"
    assert list(publish_dir.glob(".*.tmp*"))  # the kill left its temporaries...
    publish_marts(warehouse, publish_dir, ["audit_gaps"], run_id="after")
    assert not list(publish_dir.rglob("*.tmp*"))  # ...which the next publisher removes
