"""The Dagster instance of a ledger home: Dagster's SQLite storage, one engine per database.

Dagster's SQLite event log creates a SQLAlchemy engine, opens a SQLite connection and
disposes of both for every event it stores, often twice (the run's database and the
cross-run index). A ledger run stores about 750 events (each asset materialization and
each dbt test and quality check result), which took 8.9 s of a 40 s nightly run at 1M
events. This instance class (`instance_class` in the home's `dagster.yaml`) keeps Dagster's
layout, files and schema, and only keeps an engine per database file open while the
instance lives. Its connections commit with `synchronous=NORMAL`: in SQLite's WAL mode (which
Dagster sets) a crash of the process loses nothing and the database cannot be corrupted; a
power cut may lose the last events of the run history, never the warehouse.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import yaml
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from dagster._serdes import ConfigurableClassData
from sqlalchemy import Connection, Engine, create_engine, event

# A run writes to its own database and to the index; the UI reads a few runs at a time.
OPEN_DATABASES = 8


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log with an engine kept per database file (the most recently
    used `OPEN_DATABASES` of them)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                event.listen(engine, "connect", _commit_without_fsync_per_event)
            self._engines[shard] = engine
            while len(self._engines) > OPEN_DATABASES:
                _, evicted = self._engines.popitem(last=False)
                evicted.dispose()
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            while self._engines:
                _, engine = self._engines.popitem()
                engine.dispose()


def _commit_without_fsync_per_event(dbapi_connection: Any, _record: Any) -> None:
    # FULL (SQLite's default) syncs the log on every commit: 1.8 ms an event here.
    dbapi_connection.execute("PRAGMA synchronous = NORMAL")


class LedgerSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage with the pooled event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data)
        default = self._event_log_storage
        self._event_log_storage = PooledSqliteEventLogStorage(default._base_dir)  # noqa: SLF001
        default.dispose()

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]
    ) -> LedgerSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)


class LedgerInstance(DagsterInstance):
    """A Dagster instance whose default storage is `LedgerSqliteStorage`."""

    @classmethod
    def config_schema(cls) -> dict[str, Any]:
        return {}

    @staticmethod
    def config_defaults(base_dir: str) -> Mapping[str, ConfigurableClassData | None]:
        return {
            **InstanceRef.config_defaults(base_dir),
            "storage": ConfigurableClassData(
                __name__,
                LedgerSqliteStorage.__name__,
                yaml.dump({"base_dir": base_dir}, default_flow_style=False),
            ),
        }
