"""Load a batch of records into the raw tables: canonicalize, quarantine, de-duplicate, price.

The batch is the temp table `_batch(source_file, source_line, raw_text, j, parse_error)`
filled by `readers.load_source`. Every step is one vectorised statement over the whole
batch; per-file counts come back as dictionaries keyed by source file. Transactions belong
to the caller (`pipeline`), so a batch and its manifest rows commit together.
"""

from __future__ import annotations

import hmac
from hashlib import sha256
from pathlib import Path

import duckdb
import pyarrow as pa

from inference_ledger import pricing
from inference_ledger.ingest.canonical import lit, q, reads_columns_directly, stage_sql
from inference_ledger.ingest.fields import (
    ENVELOPE_CHILD_ARRAYS,
    ENVELOPE_CHILD_DEFAULTS,
    KIND_SPECS,
    KindSpec,
)
from inference_ledger.ingest.landing import LandingFile
from inference_ledger.ingest.readers import (
    ParquetFile,
    describe_parquet,
    load_source,
    parquet_json,
    scan_parquet,
)
from inference_ledger.ingest.schema import PARTITIONED_TABLES, record_table_columns
from inference_ledger.ingest.warehouse import mark_dirty
from inference_ledger.settings import Settings

RAW_TEXT_LIMIT = 4096
SEED_OVERRIDES = Path(__file__).resolve().parents[2] / "dbt_project/seeds/model_price_overrides.csv"
SEED_SOURCE = "seed:model_price_overrides.csv"
# All files of one batch share a temp table: (source_file, source_line, raw_text, j, parse_error).
BATCH = "_batch"


def pseudonymize(user_id: str, key: str) -> str:
    """Keyed hash of a user id (HMAC-SHA256); the raw id is never stored."""
    return hmac.new(key.encode(), user_id.encode(), sha256).hexdigest()


def redacted(column: str) -> str:
    # Quarantined text is kept for debugging, but a raw user id in it is still a raw user id.
    return (
        f"left(regexp_replace({column}, "
        '\'("(user_id|user|enduser\\.id)"\\s*:\\s*)"[^"]*"\', \'\\1"<redacted>"\', \'g\'), '
        f"{RAW_TEXT_LIMIT})"
    )


class RecordLoader:
    """Turns the batch table into raw rows: canonicalize, quarantine, de-duplicate, price,
    insert. Every method works on whole batches in SQL; the caller owns the transaction."""

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
        self.parquet: list[ParquetFile] = []  # staged from their columns (see add_source)

    # --- helpers -------------------------------------------------------------------------
    def scalar(self, sql: str, params: list[object] | None = None) -> object:
        return self.con.execute(sql, params or []).fetchone()[0]

    def per_file(self, sql: str) -> dict[str, int]:
        """`sql` selects (source_file, count) pairs."""
        return {row[0]: int(row[1]) for row in self.con.execute(sql).fetchall()}

    def quarantine(self, source: str, kind: str) -> dict[str, int]:
        self.con.execute(
            f"""INSERT INTO raw.quarantine
                SELECT source_file, source_line, ?, reason, {redacted("raw_text")}, ?,
                       now()::TIMESTAMP
                FROM {source} WHERE reason IS NOT NULL
                -- In load order (files by path, then lines; rowid keeps the order of records
                -- that share a line) even when Parquet files were staged after the others.
                ORDER BY source_file, source_line, rowid""",
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
        self.parquet = []

    def add_source(self, file: LandingFile) -> int:
        """Add a file's records to the batch; returns the number read.

        A Parquet file whose columns can be staged as they are is only noted: canonicalizing
        reads it then, without turning every row into JSON text and parsing it back.
        """
        if file.fmt == "parquet" and file.kind in KIND_SPECS and file.kind != "envelopes":
            parquet = describe_parquet(self.con, file)
            # Files under hive-style folders (key=value) get columns from their path, and a
            # scan of several files might see those differently: they are read as JSON.
            hive = any("=" in part for part in file.relpath.split("/")[:-1])
            if (
                not hive
                and parquet.root
                and reads_columns_directly(KIND_SPECS[file.kind], parquet.columns)
            ):
                self.parquet.append(parquet)
                return parquet.rows
        return load_source(self.con, file, BATCH)

    def stage(
        self,
        spec: KindSpec,
        source: str,
        target: str,
        extra_known: tuple[str, ...] = (),
        keep_json: bool = False,
        parquet: tuple[ParquetFile, ...] = (),
    ) -> None:
        """Canonicalize the records of `source` (and of the `parquet` files) into `target`."""
        present = frozenset(
            [
                r[0]
                for r in self.con.execute(
                    f"SELECT DISTINCT unnest(json_keys(j)) FROM {source} WHERE j IS NOT NULL"
                ).fetchall()
            ]
            + [name for file in parquet for name in file.names]
        )
        groups: dict[tuple[object, ...], list[ParquetFile]] = {}
        for file in parquet:
            groups.setdefault((file.columns, file.root), []).append(file)
        direct = tuple(
            (scan_parquet(files), frozenset(files[0].names)) for files in groups.values()
        )
        sql = stage_sql(spec, source, extra_known, keep_json, present, direct)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS {sql}")
        quarantined = {
            r[0]
            for r in self.con.execute(
                f"SELECT DISTINCT source_file FROM {target} WHERE reason IS NOT NULL"
            ).fetchall()
        }
        for file in parquet:
            if file.source_file in quarantined:
                # Quarantined rows keep the JSON text they would have been read from.
                self.con.execute(
                    f"""UPDATE {target} AS t SET raw_text = r.raw_text
                        FROM (SELECT source_line, {parquet_json(file.names)} AS raw_text
                              FROM {scan_parquet([file])}) r
                        WHERE t.source_file = {lit(file.source_file)}
                          AND t.source_line = r.source_line AND t.reason IS NOT NULL"""
                )

    def dedup(self, stage: str, table: str, key_column: str, target: str) -> None:
        """Keep good rows whose key is new in the batch and in the table (first line wins).

        `target` is a view. In the usual case every good row is new and the view only
        filters the staged rows, which are in file order already, so nothing is copied.
        """
        repeated = self.scalar(
            f"SELECT count(*) - count(DISTINCT record_key) FROM {stage} WHERE reason IS NULL"
        )
        if not repeated and not self.scalar(
            f"SELECT count(*) FROM {stage} s SEMI JOIN raw.{q(table)} t "
            f"ON t.{q(key_column)} = s.record_key WHERE s.reason IS NULL"
        ):
            self.con.execute(
                f"CREATE OR REPLACE TEMP VIEW {target} AS SELECT * FROM {stage} "
                "WHERE reason IS NULL"
            )
            return
        # The window that picks each key's first line runs only when a key repeats within
        # the batch, which saves a pass over the wide staged rows.
        first_only = (
            "QUALIFY row_number() OVER (PARTITION BY s.record_key "
            "ORDER BY s.source_file, s.source_line) = 1"
            if repeated
            else ""
        )
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {target}_rows AS
                SELECT s.* FROM {stage} s
                ANTI JOIN raw.{q(table)} t ON t.{q(key_column)} = s.record_key
                WHERE s.reason IS NULL
                {first_only}
                -- Back in file order, so rows land clustered by day as the files are and
                -- later reads of one day (Parquet export, dbt windows) skip the others.
                ORDER BY s.source_file, s.source_line"""
        )
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {target} AS SELECT * FROM {target}_rows")

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
        self.stage(spec, BATCH, "_stage", parquet=tuple(self.parquet))
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
        self.stage(spec, BATCH, "_stage", parquet=tuple(self.parquet))
        quarantined = self.quarantine("_stage", spec.kind)
        if spec.kind == "prices":
            self.con.execute(
                """CREATE OR REPLACE TEMP TABLE _price_load AS SELECT * FROM _stage
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
                    FROM _price_load"""
            )
            self._drop_shadowed_prices()
            loaded = self.per_file("SELECT source_file, count(*) FROM _price_load GROUP BY 1")
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
