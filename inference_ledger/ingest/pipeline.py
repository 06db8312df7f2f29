"""One ingestion run: landing files → canonical raw zone, each file exactly once.

Files are loaded in batches of the same record kind: one set of vectorised statements
canonicalizes, de-duplicates and inserts the whole batch, and one warehouse transaction
writes the batch's rows together with a manifest row per file, so every file is either fully
loaded and recorded or not at all (a crash rolls the batch back and the next run does it
again; a batch that fails is retried file by file, so one bad file cannot block the rest).
Parquet partitions are rewritten after the warehouse commits; the partitions to rewrite are
recorded in the same transaction, so a crash in between is repaired by the next run.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

import duckdb
import pyarrow as pa

from inference_ledger import pricing
from inference_ledger.ingest.canonical import lit, q, stage_sql
from inference_ledger.ingest.fields import (
    ENVELOPE_CHILD_ARRAYS,
    ENVELOPE_CHILD_DEFAULTS,
    KIND_SPECS,
    KindSpec,
)
from inference_ledger.ingest.landing import LandingFile, content_hash, discover
from inference_ledger.ingest.readers import UnreadableFile, load_source
from inference_ledger.ingest.schema import PARTITIONED_TABLES, record_table_columns
from inference_ledger.ingest.warehouse import export_parquet, mark_dirty, open_warehouse
from inference_ledger.settings import Settings, load_settings

RAW_TEXT_LIMIT = 4096
SEED_OVERRIDES = Path(__file__).resolve().parents[2] / "dbt_project/seeds/model_price_overrides.csv"
SEED_SOURCE = "seed:model_price_overrides.csv"
SUCCESS_STATUSES = ("ingested", "duplicate_file", "quarantined")
# All files of one batch share a temp table: (source_file, source_line, raw_text, j, parse_error).
BATCH = "_batch"
# Parquet and gzip are read at several times their size on disk.
COMPRESSED_EXPANSION = 8
RECORD_TABLES = (
    "inference_events",
    "output_transitions",
    "decision_envelopes",
    "tool_calls",
    "approvals",
    "revenue",
    "model_prices",
    "quarantine",
)


@dataclass(frozen=True)
class PendingFile:
    """A landing file that is new or changed since its last successful load."""

    file: LandingFile
    digest: str
    version: int
    replacing: bool  # an earlier version was loaded: its rows are replaced

    @property
    def weight(self) -> int:
        """Estimated bytes of records, for sizing batches."""
        expanded = self.file.compressed or self.file.fmt == "parquet"
        return self.file.size * (COMPRESSED_EXPANSION if expanded else 1)


class AccountingError(RuntimeError):
    """records_read != records_loaded + records_quarantined + records_duplicate."""


@dataclass
class FileResult:
    source_file: str
    kind: str | None
    status: str
    version: int = 0
    records_read: int = 0
    records_loaded: int = 0
    records_quarantined: int = 0
    records_duplicate: int = 0
    cost_usd: float = 0.0
    error: str | None = None
    seconds: float = 0.0


@dataclass
class IngestResult:
    run_id: str
    files: list[FileResult] = field(default_factory=list)
    unchanged_files: int = 0
    parquet_files_written: int = 0
    repriced_events: int = 0
    seconds: float = 0.0

    def total(self, attribute: str) -> float:
        return sum(getattr(f, attribute) for f in self.files)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def pseudonymize(user_id: str, key: str) -> str:
    """Keyed hash of a user id (HMAC-SHA256); the raw id is never stored."""
    return hmac.new(key.encode(), user_id.encode(), sha256).hexdigest()


def _redacted(column: str) -> str:
    # Quarantined text is kept for debugging, but a raw user id in it is still a raw user id.
    return (
        f"left(regexp_replace({column}, "
        '\'("(user_id|user|enduser\\.id)"\\s*:\\s*)"[^"]*"\', \'\\1"<redacted>"\', \'g\'), '
        f"{RAW_TEXT_LIMIT})"
    )


class _Run:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        settings: Settings,
        run_id: str,
        overrides_csv: Path | None,
    ) -> None:
        self.con = con
        self.settings = settings
        self.run_id = run_id
        self.overrides_csv = overrides_csv
        self.unpriceable: set[str] = set()

    # --- helpers -------------------------------------------------------------------------
    def scalar(self, sql: str, params: list[object] | None = None) -> object:
        return self.con.execute(sql, params or []).fetchone()[0]

    def per_file(self, sql: str) -> dict[str, int]:
        """`sql` selects (source_file, count) pairs."""
        return {row[0]: int(row[1]) for row in self.con.execute(sql).fetchall()}

    def quarantine(self, source: str, kind: str) -> dict[str, int]:
        self.con.execute(
            f"""INSERT INTO raw.quarantine
                SELECT source_file, source_line, ?, reason, {_redacted("raw_text")}, ?,
                       now()::TIMESTAMP
                FROM {source} WHERE reason IS NOT NULL""",
            [kind, self.run_id],
        )
        return self.per_file(
            f"SELECT source_file, count(*) FROM {source} WHERE reason IS NOT NULL GROUP BY 1"
        )

    def start_batch(self) -> None:
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {BATCH} (source_file VARCHAR, source_line BIGINT,
                raw_text VARCHAR, j VARCHAR, parse_error VARCHAR)"""
        )

    def stage(
        self,
        spec: KindSpec,
        source: str,
        target: str,
        extra_known: tuple[str, ...] = (),
        keep_json: bool = False,
    ) -> None:
        present = frozenset(
            r[0]
            for r in self.con.execute(
                f"SELECT DISTINCT unnest(json_keys(j)) FROM {source} WHERE j IS NOT NULL"
            ).fetchall()
        )
        sql = stage_sql(spec, source, extra_known, keep_json, present)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS {sql}")

    def dedup(self, stage: str, table: str, key_column: str, target: str) -> None:
        """Keep good rows whose key is new in the batch and in the table (first line wins)."""
        repeated = self.scalar(
            f"SELECT count(*) - count(DISTINCT record_key) FROM {stage} WHERE reason IS NULL"
        )
        # The window that picks each key's first line is skipped when no key repeats within
        # the batch (the usual case), which saves a pass over the wide staged rows.
        first_only = (
            "QUALIFY row_number() OVER (PARTITION BY s.record_key "
            "ORDER BY s.source_file, s.source_line) = 1"
            if repeated
            else ""
        )
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {target} AS
                SELECT s.* FROM {stage} s
                ANTI JOIN raw.{q(table)} t ON t.{q(key_column)} = s.record_key
                WHERE s.reason IS NULL
                {first_only}
                -- Back in file order, so rows land clustered by day as the files are and
                -- later reads of one day (Parquet export, dbt windows) skip the others.
                ORDER BY s.source_file, s.source_line"""
        )

    def user_map(self, source: str) -> None:
        users = [
            r[0]
            for r in self.con.execute(
                f"SELECT DISTINCT user_id FROM {source} WHERE user_id IS NOT NULL"
            ).fetchall()
        ]
        key = self.settings.pseudonymization_key
        table = pa.table(
            {
                "user_id": pa.array(users, pa.string()),
                "user_pseudo_id": pa.array([pseudonymize(u, key) for u in users], pa.string()),
            }
        )
        self.con.register("_users_arrow", table)
        self.con.execute("CREATE OR REPLACE TEMP TABLE _users AS SELECT * FROM _users_arrow")
        self.con.unregister("_users_arrow")

    def insert(
        self,
        table: str,
        source: str,
        overrides: dict[str, str],
        *,
        from_clause: str | None = None,
        alias: str = "s",
        tail: str = "",
    ) -> int:
        """Insert `source` rows into `raw.table`, computing lineage and derived columns.

        `overrides` gives SQL for columns that are not copied as they are; `from_clause`
        (rows aliased `alias`) replaces the plain source when joins are needed.
        """
        exprs = []
        for name, _type in record_table_columns(table):
            if name in overrides:
                exprs.append(f"{overrides[name]} AS {q(name)}")
            elif name == "event_date":
                exprs.append(f"CAST({alias}.event_ts AS DATE) AS event_date")
            elif name == "ingest_run_id":
                exprs.append(f"{lit(self.run_id)} AS ingest_run_id")
            else:
                exprs.append(f"{alias}.{q(name)}")
        self.con.execute(
            f"INSERT INTO raw.{q(table)} BY NAME SELECT {', '.join(exprs)} "
            f"FROM {from_clause or f'{source} {alias}'} {tail}"
        )
        if table in PARTITIONED_TABLES:
            mark_dirty(self.con, table, f"SELECT CAST(event_ts AS DATE) FROM {source}")
        return self.per_file(f"SELECT source_file, count(*) FROM {source} GROUP BY 1")

    # --- prices ----------------------------------------------------------------------------
    def _insert_price_rows(self, rows: list[pricing.ModelPrice], source_file: str) -> None:
        if not rows:
            return
        columns = {name: [getattr(r, name) for r in rows] for name in pricing.PRICE_COLUMNS}
        arrow = pa.table(columns)
        self.con.register("_prices_arrow", arrow)
        try:
            self.con.execute(
                f"""INSERT INTO raw.model_prices BY NAME
                    SELECT *, {lit(source_file)} AS source_file, NULL::BIGINT AS source_line,
                           sha256(to_json(p)::VARCHAR) AS record_hash,
                           {lit(self.run_id)} AS ingest_run_id
                    FROM _prices_arrow p"""
            )
        finally:
            self.con.unregister("_prices_arrow")

    def sync_seed_overrides(self) -> None:
        path = self.overrides_csv or SEED_OVERRIDES
        rows = pricing.load_overrides(path)
        self.con.execute("BEGIN")
        self.con.execute("DELETE FROM raw.model_prices WHERE source_file = ?", [SEED_SOURCE])
        self._insert_price_rows(rows, SEED_SOURCE)
        self._drop_shadowed_prices()
        self.con.execute("COMMIT")

    def _drop_shadowed_prices(self) -> None:
        # An override replaces the genai-prices rows of its model entirely.
        self.con.execute(
            "DELETE FROM raw.model_prices WHERE source = 'genai-prices' AND model IN "
            "(SELECT model FROM raw.model_prices WHERE source = 'override')"
        )

    def resolve_new_models(self, source: str) -> None:
        models = [
            r[0]
            for r in self.con.execute(
                f"SELECT DISTINCT model_version FROM {source} WHERE model_version IS NOT NULL "
                "AND model_version NOT IN (SELECT model FROM raw.model_prices)"
            ).fetchall()
        ]
        rows: list[pricing.ModelPrice] = []
        for model in sorted(set(models) - self.unpriceable):
            resolved = pricing.resolve_model(model)
            if resolved:
                rows.extend(resolved)
            else:
                self.unpriceable.add(model)
        self._insert_price_rows(rows, "genai-prices")

    def override_fingerprint(self) -> str:
        return str(
            self.scalar(
                "SELECT coalesce(string_agg(record_hash, ',' ORDER BY record_hash), '') "
                "FROM raw.model_prices WHERE source = 'override'"
            )
        )

    def reprice(self) -> int:
        """Re-price every event without logged cost against the current price table.

        Runs when overrides changed during the run, so events loaded before a price arrived
        are priced as of their own date, the same as events loaded after it.
        """
        price = pricing.PRICE_SQL_EXPRESSION
        self.con.execute("BEGIN")
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _repriced AS
                SELECT e.event_id, e.event_date,
                       CASE WHEN p.model IS NOT NULL AND e.has_tokens THEN {price} ELSE 0.0 END
                         AS cost,
                       CASE WHEN p.model IS NOT NULL AND e.has_tokens THEN 'priced'
                            ELSE 'unpriced' END AS source
                FROM (SELECT event_id, event_date, model_version,
                             coalesce(input_tokens, 0) AS input_tokens,
                             coalesce(output_tokens, 0) AS output_tokens, cached_input_tokens,
                             input_tokens IS NOT NULL OR output_tokens IS NOT NULL AS has_tokens,
                             inference_cost_usd AS old_cost, cost_source AS old_source
                      FROM raw.inference_events WHERE cost_source <> 'logged') e
                LEFT JOIN raw.model_prices p ON p.model = e.model_version
                  AND e.event_date >= p.effective_from AND e.event_date < p.effective_to
                QUALIFY row_number() OVER (PARTITION BY e.event_id ORDER BY
                  p.source = 'override' DESC NULLS LAST, p.effective_from DESC NULLS LAST) = 1
                  AND (cost IS DISTINCT FROM e.old_cost OR source IS DISTINCT FROM e.old_source)"""
        )
        self.con.execute(
            """UPDATE raw.inference_events AS t SET inference_cost_usd = r.cost,
                      cost_source = r.source
               FROM _repriced r WHERE t.event_id = r.event_id"""
        )
        mark_dirty(self.con, "inference_events", "SELECT event_date FROM _repriced")
        changed = int(self.scalar("SELECT count(*) FROM _repriced"))
        self.con.execute("COMMIT")
        return changed

    # --- record kinds ----------------------------------------------------------------------
    def load_events(self, kind: str) -> tuple[dict[str, int], dict[str, int]]:
        spec = KIND_SPECS[kind]
        self.stage(spec, BATCH, "_stage")
        quarantined = self.quarantine("_stage", "inference_event")
        self.dedup("_stage", "inference_events", "event_id", "_load")
        self.resolve_new_models("_load")
        self.user_map("_load")
        # One price row per (model, day) of this file, so the event join cannot fan out and
        # needs no window over the events: overlapping rows resolve as overrides first, then
        # the latest period.
        self.con.execute(
            """CREATE OR REPLACE TEMP TABLE _day_prices AS
               SELECT d.day, p.* FROM (SELECT DISTINCT model_version AS model,
                                              CAST(event_ts AS DATE) AS day FROM _load) d
               JOIN raw.model_prices p ON p.model = d.model
                AND d.day >= p.effective_from AND d.day < p.effective_to
               QUALIFY row_number() OVER (PARTITION BY d.model, d.day ORDER BY
                 p.source = 'override' DESC NULLS LAST, p.effective_from DESC NULLS LAST) = 1"""
        )
        price = pricing.PRICE_SQL_EXPRESSION
        has_tokens = "(e._input_tokens_logged IS NOT NULL OR e._output_tokens_logged IS NOT NULL)"
        priced = f"p.model IS NOT NULL AND {has_tokens}"
        loaded = self.insert(
            "inference_events",
            "_load",
            {
                "event_id": "e.record_key",
                "input_tokens": "e._input_tokens_logged",
                "output_tokens": "e._output_tokens_logged",
                "user_pseudo_id": "u.user_pseudo_id",
                "inference_cost_usd_logged": "e.inference_cost_usd",
                "inference_cost_usd": (
                    f"CASE WHEN e.inference_cost_usd IS NOT NULL THEN e.inference_cost_usd "
                    f"WHEN {priced} THEN {price} ELSE 0.0 END"
                ),
                "cost_source": (
                    f"CASE WHEN e.inference_cost_usd IS NOT NULL THEN 'logged' "
                    f"WHEN {priced} THEN 'priced' ELSE 'unpriced' END"
                ),
                "is_retry": (
                    "(coalesce(e.is_retry, false) OR e.trigger_type = 'retry' "
                    "OR coalesce(e.retry_count, 0) > 0)"
                ),
            },
            # Tokens are coalesced to 0 only for the price formula (one side may be missing);
            # the stored token columns keep what was logged.
            from_clause=(
                "(SELECT * REPLACE (coalesce(input_tokens, 0) AS input_tokens, "
                "coalesce(output_tokens, 0) AS output_tokens), "
                "input_tokens AS _input_tokens_logged, "
                "output_tokens AS _output_tokens_logged FROM _load) e "
                "LEFT JOIN _users u USING (user_id) "
                "LEFT JOIN _day_prices p ON p.model = e.model_version "
                "AND p.day = CAST(e.event_ts AS DATE)"
            ),
            alias="e",
        )
        return loaded, quarantined

    def load_flat(self, kind: str) -> tuple[dict[str, int], dict[str, int]]:
        spec = KIND_SPECS[kind]
        self.stage(spec, BATCH, "_stage")
        quarantined = self.quarantine("_stage", spec.kind)
        if spec.kind == "prices":
            self.con.execute(
                """CREATE OR REPLACE TEMP TABLE _load AS SELECT * FROM _stage
                   WHERE reason IS NULL
                   QUALIFY row_number() OVER (PARTITION BY record_key
                                              ORDER BY source_file, source_line) = 1"""
            )
            self.con.execute(
                f"""INSERT INTO raw.model_prices BY NAME
                    SELECT model, coalesce(provider, 'custom') AS provider, model AS model_id,
                           coalesce(effective_from, DATE '{pricing.OPEN_START}') AS effective_from,
                           coalesce(effective_to, DATE '{pricing.OPEN_END}') AS effective_to,
                           input_per_mtok_usd, output_per_mtok_usd,
                           coalesce(cached_input_per_mtok_usd, input_per_mtok_usd)
                             AS cached_input_per_mtok_usd,
                           coalesce(per_request_usd, 0.0) AS per_request_usd,
                           'override' AS source, source_file, source_line,
                           record_hash, {lit(self.run_id)} AS ingest_run_id
                    FROM _load"""
            )
            self._drop_shadowed_prices()
            loaded = self.per_file("SELECT source_file, count(*) FROM _load GROUP BY 1")
            return loaded, quarantined
        key_column = spec.key or "record_hash"
        self.dedup("_stage", spec.table, key_column, "_load")
        overrides = {key_column: "s.record_key"} if spec.key else {}
        if spec.kind == "tool_calls":
            overrides["success"] = (
                "coalesce(s.success, CASE WHEN s.status IS NULL THEN NULL "
                "ELSE s.status = 'success' END)"
            )
            overrides["status"] = (
                "coalesce(s.status, CASE WHEN s.success THEN 'success' "
                "WHEN NOT s.success THEN 'failed' END)"
            )
        loaded = self.insert(spec.table, "_load", overrides)
        return loaded, quarantined

    def load_envelopes(self) -> tuple[dict[str, int], dict[str, int]]:
        spec = KIND_SPECS["envelopes"]
        arrays = tuple(a for names in ENVELOPE_CHILD_ARRAYS.values() for a in names)
        self.stage(spec, BATCH, "_stage_env", extra_known=arrays, keep_json=True)
        # Nested tool calls and approvals inherit the envelope's ids and time unless they
        # carry their own; a bad child quarantines its whole envelope (one record, one fate).
        for child, names in ENVELOPE_CHILD_ARRAYS.items():
            structure = "{" + ", ".join(f'"{n}": "JSON[]"' for n in names) + "}"
            arrays_expr = ", ".join(f"t.{q(n)}" for n in names)
            self.con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _child_src AS
                    SELECT s.source_file, s.source_line, c.value::VARCHAR AS raw_text,
                           CASE WHEN try(json_type(c.value)) = 'OBJECT' THEN json_merge_patch(
                             json_object('decision_envelope_id', s.record_key,
                                         'envelope_trace_id', s.trace_id,
                                         'envelope_output_id', s.output_id,
                                         'envelope_ts',
                                         strftime(s.event_ts, '%Y-%m-%dT%H:%M:%S.%f')),
                             c.value)::VARCHAR END AS j,
                           CASE WHEN try(json_type(c.value)) <> 'OBJECT'
                                THEN 'not_an_object' END AS parse_error
                    FROM (SELECT *, json_transform(j, '{structure}') AS t
                          FROM _stage_env WHERE j IS NOT NULL) s,
                         unnest(coalesce({arrays_expr}, [])) AS c(value)"""
            )
            self.stage(KIND_SPECS[child], "_child_src", f"_stage_{child}", ENVELOPE_CHILD_DEFAULTS)
            self.con.execute(
                f"""UPDATE _stage_env SET reason = 'bad_{child[:-1]}:' || b.reason
                        FROM (SELECT source_file, source_line, min(reason) AS reason
                          FROM _stage_{child} WHERE reason IS NOT NULL GROUP BY ALL) b
                    WHERE _stage_env.source_file = b.source_file
                      AND _stage_env.source_line = b.source_line
                      AND _stage_env.reason IS NULL"""
            )
        quarantined = self.quarantine("_stage_env", "decision_envelope")
        self.dedup("_stage_env", "decision_envelopes", "envelope_id", "_load")
        self.user_map("_load")
        loaded = self.insert(
            "decision_envelopes",
            "_load",
            {"envelope_id": "s.record_key", "user_pseudo_id": "u.user_pseudo_id"},
            from_clause="_load s LEFT JOIN _users u USING (user_id)",
        )
        for child in ENVELOPE_CHILD_ARRAYS:
            spec_child = KIND_SPECS[child]
            self.con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _child_ok AS SELECT c.* FROM _stage_{child} c
                    SEMI JOIN _load l
                      ON l.source_file = c.source_file AND l.source_line = c.source_line"""
            )
            self.dedup("_child_ok", spec_child.table, spec_child.key or "", "_child_load")
            overrides = {spec_child.key or "": "s.record_key"}
            if child == "tool_calls":
                overrides["status"] = (
                    "coalesce(s.status, CASE WHEN s.success THEN 'success' "
                    "WHEN NOT s.success THEN 'failed' END)"
                )
            self.insert(spec_child.table, "_child_load", overrides)
        return loaded, quarantined

    # --- files -----------------------------------------------------------------------------
    def previous(self, relpath: str) -> tuple[str, int] | None:
        row = self.con.execute(
            f"""SELECT content_hash, version FROM raw.ingest_manifest
                WHERE source_file = ? AND status IN {SUCCESS_STATUSES}
                ORDER BY version DESC LIMIT 1""",
            [relpath],
        ).fetchone()
        return (row[0], row[1]) if row else None

    def remove_version(self, relpath: str) -> None:
        for table in RECORD_TABLES:
            if table in PARTITIONED_TABLES:
                mark_dirty(
                    self.con,
                    table,
                    f"SELECT event_date FROM raw.{q(table)} WHERE source_file = {lit(relpath)}",
                )
            self.con.execute(f"DELETE FROM raw.{q(table)} WHERE source_file = ?", [relpath])
        self.con.execute(
            "UPDATE raw.ingest_manifest SET is_current = false WHERE source_file = ?", [relpath]
        )

    def process_whole_file(self, item: PendingFile) -> FileResult | None:
        """Results for files decided without reading their records, else None.

        A file in an unknown folder or format is quarantined whole; a file with the same
        bytes as one already loaded under another name is a duplicate in every record.
        """
        file = item.file
        result = FileResult(file.relpath, file.kind, "quarantined", item.version)
        if file.kind is None or file.fmt is None:
            if item.replacing:
                self.remove_version(file.relpath)
            reason = "unknown_record_kind" if file.kind is None else "unsupported_format"
            self.con.execute(
                f"""INSERT INTO raw.quarantine
                    SELECT ?, NULL, NULL, ?, {_redacted("content")}, ?, now()::TIMESTAMP
                    FROM read_text(?)""",
                [file.relpath, reason, self.run_id, str(file.path)],
            )
            result.records_read = result.records_quarantined = 1
            return result
        twin = self.con.execute(
            """SELECT source_file, records_read FROM raw.ingest_manifest
               WHERE content_hash = ? AND is_current AND status = 'ingested'
                 AND source_file <> ? LIMIT 1""",
            [item.digest, file.relpath],
        ).fetchone()
        if twin is None:
            return None
        if item.replacing:
            self.remove_version(file.relpath)
        result.status = "duplicate_file"
        result.records_read = result.records_duplicate = int(twin[1])
        result.error = f"same content as {twin[0]}"
        return result

    def event_cost_by_file(self) -> dict[str, float]:
        days = [
            r[0]
            for r in self.con.execute(
                "SELECT DISTINCT CAST(event_ts AS DATE) FROM _load ORDER BY 1"
            ).fetchall()
        ]
        # Literal dates let DuckDB skip row groups of other days in a large table.
        day_list = ", ".join(f"DATE '{d.isoformat()}'" for d in days) or "NULL"
        rows = self.con.execute(
            f"""SELECT source_file, coalesce(sum(coalesce(inference_cost_usd, 0)
                  + coalesce(orchestration_cost_usd, 0) + coalesce(tool_cost_usd, 0)), 0)
                FROM raw.inference_events WHERE event_date IN ({day_list})
                  AND ingest_run_id = ? AND source_file IN (SELECT source_file FROM _load)
                GROUP BY 1""",
            [self.run_id],
        ).fetchall()
        return {row[0]: float(row[1]) for row in rows}

    def process_batch(self, items: list[PendingFile]) -> list[FileResult]:
        """Load files of one record kind together (inside the caller's transaction)."""
        kind = items[0].file.kind or ""
        self.start_batch()
        read: dict[str, int] = {}
        for item in items:
            if item.replacing:
                self.remove_version(item.file.relpath)
            read[item.file.relpath] = load_source(self.con, item.file, BATCH)
        costs: dict[str, float] = {}
        if kind in ("events", "otlp"):
            loaded, quarantined = self.load_events(kind)
            costs = self.event_cost_by_file()
        elif kind == "envelopes":
            loaded, quarantined = self.load_envelopes()
        else:
            loaded, quarantined = self.load_flat(kind)
        stage = "_stage_env" if kind == "envelopes" else "_stage"
        good = self.per_file(
            f"SELECT source_file, count(*) FROM {stage} WHERE reason IS NULL GROUP BY 1"
        )
        results = []
        for item in items:
            name = item.file.relpath
            result = FileResult(
                name,
                kind,
                "ingested",
                item.version,
                records_read=read[name],
                records_loaded=loaded.get(name, 0),
                records_quarantined=quarantined.get(name, 0),
                cost_usd=costs.get(name, 0.0),
            )
            result.records_duplicate = good.get(name, 0) - result.records_loaded
            # Counted independently (staged good rows vs source rows), so a row lost between
            # reading and loading fails the file instead of disappearing.
            if (
                result.records_duplicate < 0
                or result.records_read != good.get(name, 0) + result.records_quarantined
            ):
                raise AccountingError(
                    f"{name}: read {result.records_read} != loaded {result.records_loaded} + "
                    f"quarantined {result.records_quarantined} + "
                    f"duplicate {result.records_duplicate}"
                )
            results.append(result)
        return results

    def write_manifest(self, file: LandingFile, digest: str, result: FileResult) -> None:
        self.con.execute(
            "INSERT INTO raw.ingest_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                file.relpath,
                file.size,
                digest,
                result.version,
                result.records_read,
                result.records_loaded,
                result.records_quarantined,
                result.records_duplicate,
                result.status,
                result.error,
                self.run_id,
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                result.status != "failed",
            ],
        )


def ingest_landing(
    landing: Path,
    settings: Settings | None = None,
    *,
    progress: Callable[[FileResult], None] | None = None,
    overrides_csv: Path | None = None,
    kinds: tuple[str, ...] | None = None,
) -> IngestResult:
    """Ingest every new or changed file under `landing` into the raw zone.

    `kinds` limits the run to some landing folders (the Dagster sensor uses it per asset).
    Returns per-file results; files that could not be read are reported with status
    `failed` and are retried on the next run.
    """
    settings = settings or load_settings()
    started = time.monotonic()
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    outcome = IngestResult(run_id)
    batch_budget = max(1, settings.ingest_batch_mb) << 20
    with open_warehouse(settings) as con:
        run = _Run(con, settings, run_id, overrides_csv)
        export_parquet(con, settings.raw_dir, run_id)  # repair an interrupted export first
        overrides_before = run.override_fingerprint()
        run.sync_seed_overrides()
        batch: list[PendingFile] = []

        def flush() -> None:
            if not batch:
                return
            for result in _commit_batch(run, batch):
                outcome.files.append(result)
                if progress is not None:
                    progress(result)
            batch.clear()

        files = [f for f in discover(landing) if kinds is None or f.kind in kinds]
        # Files are fingerprinted one step ahead on a thread (hashlib releases the GIL), so
        # reading every byte for its hash overlaps with DuckDB loading earlier batches.
        hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-hash")
        try:
            digests = hasher.map(lambda f: content_hash(f.path), files)
            for file, digest in zip(files, digests, strict=True):
                previous = run.previous(file.relpath)
                if previous is not None and previous[0] == digest:
                    outcome.unchanged_files += 1
                    continue
                item = PendingFile(file, digest, previous[1] + 1 if previous else 1, bool(previous))
                if batch and (
                    batch[0].file.kind != file.kind
                    or any(p.digest == digest for p in batch)
                    or sum(p.weight for p in batch) + item.weight > batch_budget
                ):
                    # A twin of a file in this batch is recognised once that file is committed.
                    flush()
                started_file = time.monotonic()
                con.execute("BEGIN")
                whole = run.process_whole_file(item)
                if whole is None:
                    con.execute("ROLLBACK")
                    batch.append(item)
                    continue
                run.write_manifest(file, digest, whole)
                con.execute("COMMIT")
                whole.seconds = time.monotonic() - started_file
                outcome.files.append(whole)
                if progress is not None:
                    progress(whole)
            flush()
        finally:
            hasher.shutdown(cancel_futures=True)
        if run.override_fingerprint() != overrides_before:
            outcome.repriced_events = run.reprice()
        outcome.parquet_files_written = export_parquet(con, settings.raw_dir, run_id)
    outcome.seconds = time.monotonic() - started
    return outcome


def _commit_batch(run: _Run, items: list[PendingFile]) -> list[FileResult]:
    """Load `items` in one transaction; a batch that fails is retried one file at a time."""
    started = time.monotonic()
    run.con.execute("BEGIN")
    try:
        results = run.process_batch(items)
        for item, result in zip(items, results, strict=True):
            run.write_manifest(item.file, item.digest, result)
        run.con.execute("COMMIT")
    except (UnreadableFile, duckdb.Error) as exc:
        run.con.execute("ROLLBACK")
        if len(items) > 1:
            return [result for item in items for result in _commit_batch(run, [item])]
        item = items[0]
        failed = FileResult(
            item.file.relpath, item.file.kind, "failed", item.version, error=str(exc)
        )
        run.con.execute("BEGIN")
        run.write_manifest(item.file, item.digest, failed)
        run.con.execute("COMMIT")
        failed.seconds = time.monotonic() - started
        return [failed]
    # A batch's time is shared out by the records each file contributed.
    elapsed = time.monotonic() - started
    total = sum(r.records_read for r in results) or len(results)
    for result in results:
        result.seconds = elapsed * (result.records_read or 1) / total
    return results
