"""Publish marts for BI tools without ever exposing a half-written publication.

Layout of the publish directory::

    inference_ledger.duckdb          all published marts, readable by DuckDB 1.x clients
    parquet -> parquet_versions/<run_id>   symlink flipped atomically per publication
    parquet_versions/<run_id>/<mart>.parquet
    manifest.json                    published_at, run_id, row counts (written last)

Guarantees: everything is first written under temporary names (dot-prefixed, ``.tmp``)
and checked (row counts of the DuckDB copy and of every Parquet file must agree); only then
is each artifact swapped in with one atomic rename (``os.replace``). A reader therefore sees
either the previous or the new DuckDB file, and either the previous or the new Parquet
directory, never a mix inside one of them. A reader that holds the old DuckDB file open
keeps reading the old data until it reopens. If anything fails before the swap, the
previous publication is untouched and the temporary files are removed. The previous two
Parquet versions are kept so a reader that resolved the old directory can finish.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_DB_NAME = "inference_ledger.duckdb"
MANIFEST_NAME = "manifest.json"
PARQUET_LINK = "parquet"
PARQUET_VERSIONS = "parquet_versions"
# DuckDB 1.0-1.1 read storage version 64, which `STORAGE_VERSION 'v1.0.0'` writes; newer
# defaults (65+) would lock out BI tools that bundle an older DuckDB.
PUBLISHED_STORAGE_VERSION = "v1.0.0"
KEEP_PARQUET_VERSIONS = 2
LOCK_NAME = ".publish.lock"
TMP_SUFFIX = ".tmp"

# The public marts BI users query (names are part of the public interface).
DEFAULT_MARTS: tuple[str, ...] = (
    # Headline marts and their companions.
    "fct_cost_per_outcome",
    "cost_per_outcome_event_window",
    "fct_cost_per_outcome_cohort",
    "fct_control_surface_drift",
    "fct_control_surface_weekly",
    "fct_control_surface_monthly",
    "fct_margin_fragility",
    "fct_margin_10x_test",
    "fct_audit_completeness",
    "audit_gaps",
    "fct_metric_health",
    # The rest of the metrics reference.
    "fct_reliability_weekly",
    "fct_tool_reliability_weekly",
    "fct_latency_hourly",
    "fct_token_drift_daily",
    "fct_cost_by_feature_daily",
    "fct_top_users_monthly",
    "fct_cost_spikes_hourly",
    "fct_cost_per_active_user_daily",
    # Dimensions.
    "dim_date",
    "dim_model",
    "dim_prompt_version",
    "dim_tenant",
    "dim_trigger_type",
)

# dbt builds marts in the `marts` schema; they are published into the file's main schema,
# so BI users query `fct_cost_per_outcome` without a prefix.
MART_SCHEMAS = ("marts", "main")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class PublishError(RuntimeError):
    """Publishing failed; the previous publication is still in place."""


@dataclass(frozen=True)
class Publication:
    run_id: str
    published_at: datetime
    publish_dir: Path
    database_path: Path
    parquet_dir: Path
    manifest_path: Path
    storage_version: str
    row_counts: dict[str, int] = field(default_factory=dict)

    def parquet_path(self, mart: str) -> Path:
        return self.parquet_dir / f"{mart}.parquet"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source_ref(mart: str) -> tuple[str, str]:
    """(SQL reference in the warehouse, published table name) for `mart` or `schema.mart`.

    The reference of an unqualified name is resolved later (`_resolve`)."""
    if not _NAME.match(mart):
        raise PublishError(f"not a valid mart name: {mart!r}")
    parts = mart.split(".")
    return ".".join(_quote_ident(p) for p in parts), parts[-1]


def _resolve(con: duckdb.DuckDBPyConnection, mart: str) -> str:
    """The warehouse table for `mart`: as named, or in the marts schema, else in main."""
    source, name = _source_ref(mart)
    if "." in mart:
        return f"wh.{source}"
    for schema in MART_SCHEMAS:
        found = con.execute(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_catalog = 'wh' AND table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchone()
        if found:
            return f"wh.{_quote_ident(schema)}.{source}"
    raise PublishError(f"mart {mart!r} is missing from the warehouse")


def _sql_str(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _attach_sql(path: Path) -> str:
    return f"ATTACH {_sql_str(path)} AS pub (STORAGE_VERSION '{PUBLISHED_STORAGE_VERSION}')"


def _fsync_path(path: Path) -> None:
    # Renames are only durable once the data and the directory entry reach the disk.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _exclusive_lock(publish_dir: Path) -> Iterator[None]:
    """One publisher at a time per directory (a second one waits)."""
    with (publish_dir / LOCK_NAME).open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _clean_stale_temporaries(publish_dir: Path) -> None:
    """Leftovers of a publisher that was killed mid-way (we hold the lock, so none is live)."""
    for folder in (publish_dir, publish_dir / PARQUET_VERSIONS):
        if folder.is_dir():
            for child in folder.iterdir():
                if child.name.startswith(".") and TMP_SUFFIX in child.name:
                    _remove(child)


def _prune_versions(publish_dir: Path, current: str) -> None:
    versions_dir = publish_dir / PARQUET_VERSIONS
    versions = sorted(
        (p for p in versions_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    keep = {current} | {p.name for p in versions[: KEEP_PARQUET_VERSIONS + 1]}
    for path in versions:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _build_database(
    warehouse_path: Path,
    tmp_db: Path,
    staged_dir: Path,
    marts: Sequence[str],
    duckdb_config: Mapping[str, str],
) -> dict[str, int]:
    """Copy marts into `tmp_db` and Parquet files into `staged_dir`; return row counts."""
    counts: dict[str, int] = {}
    # An in-memory session attaching both files: the warehouse read-only (a concurrent
    # writer is not disturbed), the new file writable in the old-client storage format.
    con = duckdb.connect(config=dict(duckdb_config))
    try:
        con.execute(f"ATTACH {_sql_str(warehouse_path)} AS wh (READ_ONLY)")
        con.execute(_attach_sql(tmp_db))
        for mart in marts:
            source, name = _resolve(con, mart), _source_ref(mart)[1]
            target = f"pub.main.{_quote_ident(name)}"
            try:
                con.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")
            except duckdb.CatalogException as exc:
                raise PublishError(f"mart {mart!r} is missing from the warehouse") from exc
            rows = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
            parquet = staged_dir / f"{name}.parquet"
            con.execute(
                f"COPY (SELECT * FROM {target}) TO {_sql_str(parquet)} "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
            parquet_rows = con.execute(
                f"SELECT count(*) FROM read_parquet({_sql_str(parquet)})"
            ).fetchone()[0]
            if parquet_rows != rows:
                raise PublishError(f"{name}: parquet has {parquet_rows} rows, table {rows}")
            counts[name] = int(rows)
        con.execute("DETACH pub")
    finally:
        con.close()
    return counts


def _write_publication_table(
    tmp_db: Path, run_id: str, published_at: datetime, counts: dict[str, int]
) -> None:
    # Lets a BI user check, from inside the database, which publication they are reading.
    con = duckdb.connect()
    try:
        con.execute(_attach_sql(tmp_db))
        con.execute(
            "CREATE TABLE pub.main._publication "
            "(run_id VARCHAR, published_at TIMESTAMPTZ, mart VARCHAR, row_count BIGINT)"
        )
        con.executemany(
            "INSERT INTO pub.main._publication VALUES (?, ?, ?, ?)",
            [(run_id, published_at, mart, rows) for mart, rows in counts.items()],
        )
        con.execute("CHECKPOINT pub")
        con.execute("DETACH pub")
    finally:
        con.close()


def publish_marts(
    warehouse_path: Path | str,
    publish_dir: Path | str,
    marts: Sequence[str] = DEFAULT_MARTS,
    run_id: str | None = None,
    duckdb_config: Mapping[str, str] | None = None,
) -> Publication:
    """Publish `marts` from the warehouse into `publish_dir` atomically (see module doc).

    `duckdb_config` bounds the copying session (memory, threads, spill directory and cap;
    `inference_ledger.settings.duckdb_config`); without it DuckDB's defaults apply."""
    warehouse_path = Path(warehouse_path)
    publish_dir = Path(publish_dir)
    if not marts:
        raise PublishError("no marts to publish")
    if not warehouse_path.exists():
        raise PublishError(f"warehouse not found: {warehouse_path}")
    names = [_source_ref(m)[1] for m in marts]
    if len(set(names)) != len(names):
        raise PublishError(f"two marts would publish under the same name: {names}")
    publish_dir.mkdir(parents=True, exist_ok=True)
    (publish_dir / PARQUET_VERSIONS).mkdir(exist_ok=True)
    published_at = datetime.now(UTC)
    run_id = run_id or _new_run_id(published_at)
    if not re.fullmatch(r"[A-Za-z0-9_.:-]+", run_id) or run_id.startswith("."):
        raise PublishError(f"run_id may hold letters, digits and _.:- only: {run_id!r}")

    with _exclusive_lock(publish_dir):
        _clean_stale_temporaries(publish_dir)
        tmp_db = publish_dir / f".{PUBLISHED_DB_NAME}.{run_id}{TMP_SUFFIX}"
        staged_dir = publish_dir / PARQUET_VERSIONS / f".{run_id}{TMP_SUFFIX}"
        version_dir = publish_dir / PARQUET_VERSIONS / run_id
        tmp_link = publish_dir / f".{PARQUET_LINK}.{run_id}{TMP_SUFFIX}"
        tmp_manifest = publish_dir / f".{MANIFEST_NAME}.{run_id}{TMP_SUFFIX}"
        temporaries = [tmp_db, Path(f"{tmp_db}.wal"), staged_dir, tmp_link, tmp_manifest]
        link = publish_dir / PARQUET_LINK
        if link.exists() and not link.is_symlink():
            raise PublishError(f"{link} must be the symlink this publisher manages")
        if version_dir.exists():
            raise PublishError(f"run_id {run_id!r} was already published")
        try:
            staged_dir.mkdir()
            counts = _build_database(warehouse_path, tmp_db, staged_dir, marts, duckdb_config or {})
            _write_publication_table(tmp_db, run_id, published_at, counts)
            _fsync_path(tmp_db)
            for parquet in staged_dir.iterdir():
                _fsync_path(parquet)
            manifest = {
                "run_id": run_id,
                "published_at": published_at.isoformat(),
                "storage_version": PUBLISHED_STORAGE_VERSION,
                "database": PUBLISHED_DB_NAME,
                "parquet_dir": f"{PARQUET_VERSIONS}/{run_id}",
                "source_warehouse": warehouse_path.name,
                "row_counts": counts,
                "marts": {
                    name: {"rows": rows, "parquet": f"{PARQUET_LINK}/{name}.parquet"}
                    for name, rows in counts.items()
                },
            }
            tmp_manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            _fsync_path(tmp_manifest)
            # Point of no return: each swap below is a single atomic rename.
            staged_dir.rename(version_dir)
            os.symlink(f"{PARQUET_VERSIONS}/{run_id}", tmp_link)
        except duckdb.Error as exc:
            for path in temporaries:
                _remove(path)
            raise PublishError(f"publishing failed, previous publication kept: {exc}") from exc
        except BaseException:
            for path in temporaries:
                _remove(path)
            raise
        os.replace(tmp_db, publish_dir / PUBLISHED_DB_NAME)
        os.replace(tmp_link, link)
        os.replace(tmp_manifest, publish_dir / MANIFEST_NAME)
        _fsync_path(publish_dir)
        _prune_versions(publish_dir, run_id)

    return Publication(
        run_id=run_id,
        published_at=published_at,
        publish_dir=publish_dir,
        database_path=publish_dir / PUBLISHED_DB_NAME,
        parquet_dir=link,
        manifest_path=publish_dir / MANIFEST_NAME,
        storage_version=PUBLISHED_STORAGE_VERSION,
        row_counts=counts,
    )
