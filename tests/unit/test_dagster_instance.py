"""The ledger's Dagster instance: Dagster's own SQLite layout, each database opened once."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from inference_ledger.settings import load_settings
from orchestration.lib import dagster_instance
from orchestration.lib.dagster_instance import LedgerInstance, PooledSqliteEventLogStorage
from orchestration.lib.runner import DAGSTER_YAML, EARLIER_DAGSTER_YAML, dagster_home


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
def numbers() -> dg.MaterializeResult:
    return dg.MaterializeResult(check_results=[dg.AssetCheckResult(passed=True)])


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return dagster_home(load_settings())


def test_a_run_stores_its_events_once_per_database_and_plain_dagster_reads_them(home, monkeypatch):
    created: list[str] = []
    real = dagster_instance.create_engine
    monkeypatch.setattr(
        dagster_instance, "create_engine", lambda url, **kw: created.append(url) or real(url, **kw)
    )
    instance = dg.DagsterInstance.from_config(str(home))
    assert isinstance(instance, LedgerInstance)
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    for _ in range(3):
        result = dg.materialize([numbers], instance=instance)
        assert result.success
    # Three runs of a dozen events each: one engine per run database, one for the index.
    assert len(created) == len(set(created)) == 4
    # Commits do not sync the log each time (NORMAL is 1; SQLite's default FULL is 2).
    with instance.event_log_storage.index_connection() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    instance.dispose()

    # The files are Dagster's own: an instance without the ledger's class reads them.
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    plain = dg.DagsterInstance.from_config(str(home))
    assert type(plain.event_log_storage) is SqliteEventLogStorage
    runs = plain.get_runs()
    assert len(runs) == 3
    check = plain.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("numbers"), "positive")]
    )
    assert check
    assert plain.get_latest_materialization_event(dg.AssetKey("numbers")) is not None
    plain.dispose()


def test_a_home_written_by_an_earlier_version_gets_the_instance_class(home):
    config = home / "dagster.yaml"
    config.write_text(EARLIER_DAGSTER_YAML, encoding="utf-8")
    dagster_home(load_settings())
    assert config.read_text(encoding="utf-8") == DAGSTER_YAML
    # A file the user changed is left alone.
    config.write_text(EARLIER_DAGSTER_YAML + "# mine\n", encoding="utf-8")
    dagster_home(load_settings())
    assert config.read_text(encoding="utf-8").endswith("# mine\n")
