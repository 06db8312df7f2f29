"""Great Expectations on DuckDB through SQL: a datasource type for GE's SQLAlchemy engine.

GE 1.x runs SQL expectations through SQLAlchemy, and DuckDB has a SQLAlchemy dialect
(duckdb_engine, a subclass of the PostgreSQL dialect), but two things keep GE's generic SQL
datasource from working on it:

- GE returns a query's result after handing its connection back to the pool, and only then
  fetches the rows. DuckDB discards a pending result when its connection is reset, so every
  metric came back empty (GE issue #11579). This engine fetches while the connection is open.
- GE picks SQL operators (regex match, type names) by dialect module and knows none for
  DuckDB, so a regex expectation raised "not supported". DuckDB implements PostgreSQL's
  operators (`~` is a regex search, as in PostgreSQL), so the PostgreSQL module is used.

Every expectation is then computed by DuckDB where the data lives, instead of in pandas.
`datasource_on` opens GE on an open DuckDB connection (its cursors), so GE reads the same
database, its attached catalogs included, with the connection's memory and thread limits.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import duckdb
import sqlalchemy.dialects.postgresql as postgresql_dialect
from duckdb_engine import ConnectionWrapper
from great_expectations.datasource.fluent.sql_datasource import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """GE's SQLAlchemy engine with the two DuckDB fixes above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dialect_module = postgresql_dialect

    def execute_query(self, query: Any) -> Any:
        with self.get_connection() as connection:
            # freeze() reads every row now; calling the frozen result replays them later.
            return self._execute_query_with_recovery(connection, query).freeze()()


class DuckDBDatasource(SQLDatasource):
    """A DuckDB database file as a GE SQL datasource (`context.data_sources.add_duckdb`)."""

    type: Literal["duckdb"] = "duckdb"  # type: ignore[assignment]

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return DuckDBExecutionEngine


def datasource_on(context: Any, con: duckdb.DuckDBPyConnection, catalog: str) -> DuckDBDatasource:
    """A GE datasource whose connections are cursors of `con` with `catalog` as default."""

    def cursor() -> ConnectionWrapper:
        connection = con.cursor()
        connection.execute(f"USE {catalog}")
        return ConnectionWrapper(connection)

    return context.data_sources.add_duckdb(
        f"duckdb-{uuid.uuid4().hex[:8]}",
        # The URL only selects the dialect (and its one-connection-per-thread pool).
        connection_string="duckdb:///:memory:",
        kwargs={"creator": cursor},
    )
