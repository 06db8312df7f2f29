"""Hand-written DuckDB: the reference limit. Four direct SQL queries over the landing files.

No warehouse, no exactly-once bookkeeping, no quarantine, no tests: read the event and
transition files once into memory, price events that logged no cost, and aggregate.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.alternatives.results import HIDDEN_TRIGGERS, PLACEHOLDERS, Results, from_rows

# Only the columns the four results need, typed up front (no schema inference pass).
EVENT_COLUMNS = {
    "event_ts": "TIMESTAMPTZ",
    "trace_id": "VARCHAR",
    "output_id": "VARCHAR",
    "state": "VARCHAR",
    "trigger_type": "VARCHAR",
    "model_version": "VARCHAR",
    "input_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "cached_input_tokens": "BIGINT",
    "inference_cost_usd": "DOUBLE",
    "orchestration_cost_usd": "DOUBLE",
    "tool_cost_usd": "DOUBLE",
}
TRANSITION_COLUMNS = {
    "transition_id": "VARCHAR",
    "output_id": "VARCHAR",
    "state": "VARCHAR",
    "event_ts": "TIMESTAMPTZ",
}


def _source(landing: Path, folder: str, fmt: str, columns: dict[str, str]) -> str:
    names = ", ".join(columns)
    if fmt == "parquet":
        return f"(select {names} from read_parquet('{landing / folder}/*.parquet'))"
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    return (
        f"read_json('{landing / folder}/*.jsonl', format = 'newline_delimited', columns = {spec})"
    )


def _blank(column: str) -> str:
    placeholders = ", ".join(f"'{p}'" for p in PLACEHOLDERS)
    return f"case when lower(trim({column})) in ({placeholders}) then null else {column} end"


def run(landing: Path, prices_csv: Path, fmt: str) -> Results:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    hidden = ", ".join(f"'{t}'" for t in HIDDEN_TRIGGERS)
    con.execute(
        f"""create temp table events as
        with prices as (select * from read_csv('{prices_csv}', header = true)),
        last_state as (
            select output_id, arg_max(state, (event_ts, transition_id)) as state
            from {_source(landing, "transitions", fmt, TRANSITION_COLUMNS)}
            group by output_id
        )
        select e.event_ts::timestamp as ts,
               {_blank("e.trace_id")} is null or {_blank("e.model_version")} is null
                   as missing_provenance,
               coalesce(e.trigger_type, 'unknown') as trigger_type,
               case when coalesce(s.state, e.state) = 'committed' then e.output_id end
                   as committed_output,
               coalesce(e.inference_cost_usd,
                        case when p.model is not null
                              and (e.input_tokens is not null or e.output_tokens is not null)
                             then ((coalesce(e.input_tokens, 0)
                                    - coalesce(e.cached_input_tokens, 0)) * p.input_per_mtok_usd
                                   + coalesce(e.cached_input_tokens, 0)
                                     * p.cached_input_per_mtok_usd
                                   + coalesce(e.output_tokens, 0) * p.output_per_mtok_usd) / 1e6
                                  + p.per_request_usd
                             else 0 end)
                 + coalesce(e.orchestration_cost_usd, 0) + coalesce(e.tool_cost_usd, 0)
                   as cost_usd
        from {_source(landing, "events", fmt, EVENT_COLUMNS)} as e
        left join last_state as s on s.output_id = e.output_id
        left join prices as p on p.model = e.model_version
             and e.event_ts::date >= p.effective_from and e.event_ts::date < p.effective_to"""
    )
    try:
        return from_rows(
            con.execute(
                "select ts::date, sum(cost_usd) / nullif(count(distinct committed_output), 0)"
                " from events group by 1"
            ).fetchall(),
            con.execute(
                f"select date_trunc('week', ts)::date,"
                f" count(*) filter (where trigger_type in ({hidden}))::double / count(*)"
                " from events group by 1"
            ).fetchall(),
            con.execute(
                "select ts::date, count(*) filter (where missing_provenance)::double / count(*)"
                " from events group by 1"
            ).fetchall(),
            con.execute(
                "select date_trunc('week', ts)::date, trigger_type, sum(cost_usd)"
                " from events group by 1, 2"
            ).fetchall(),
        )
    finally:
        con.close()
