"""PostgreSQL, the manual's way: COPY the logs into a flat table, then its diagnostic queries.

The JSON lines are streamed with COPY (one text column, no quoting), turned into the
manual's flat `inference_events` table (one row per call with `result_id`, `timestamp`,
`trigger_type`, `model_version`, `cost_usd` and the output's current state), indexed on
`timestamp` like the manual's schema, and queried one period at a time with the manual's SQL
(the same queries as `tests/dbt/test_reconcile_manual.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2

from bench.alternatives.results import HIDDEN_TRIGGERS, PLACEHOLDERS, Results, from_rows
from inference_ledger.devtools.local_postgres import local_postgres

# CSV with delimiter and quote characters that never occur in JSON text: one line, one value.
COPY_LINES = "COPY {table} (doc) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')"
PRICE_COLUMNS = (
    "model text, effective_from date, effective_to date, input_per_mtok_usd float8,"
    " output_per_mtok_usd float8, cached_input_per_mtok_usd float8, per_request_usd float8"
)

COST_PER_OUTCOME = """
select sum(cost_usd) / nullif(count(distinct case when state = 'committed' then result_id end), 0)
from inference_events where "timestamp" >= %s and "timestamp" < %s
"""
HIDDEN_RATIO = f"""
select count(*) filter (where trigger_type in ({", ".join(f"'{t}'" for t in HIDDEN_TRIGGERS)}))
       ::float8 / count(*)
from inference_events where "timestamp" >= %s and "timestamp" < %s
"""
MISSING_PROVENANCE = """
select count(*) filter (where trace_id is null or model_version is null)::float8 / count(*)
from inference_events where "timestamp" >= %s and "timestamp" < %s
"""
COST_BY_TRIGGER = """
select trigger_type, sum(cost_usd) from inference_events
where "timestamp" >= %s and "timestamp" < %s group by trigger_type
"""


def _blank(expr: str) -> str:
    placeholders = ", ".join(f"'{p}'" for p in PLACEHOLDERS)
    return f"case when lower(trim({expr})) in ({placeholders}) then null else {expr} end"


FLAT_TABLE = f"""
create table inference_events as
with last_state as (
    select distinct on (doc->>'output_id') doc->>'output_id' as output_id, doc->>'state' as state
    from (select doc::jsonb as doc from transitions_json) t
    order by doc->>'output_id', (doc->>'event_ts')::timestamptz desc, doc->>'transition_id' desc
), e as (
    select doc::jsonb as j from events_json
)
select
    (j->>'event_ts')::timestamptz at time zone 'UTC' as "timestamp",
    {_blank("j->>'trace_id'")} as trace_id,
    {_blank("j->>'model_version'")} as model_version,
    coalesce(j->>'trigger_type', 'unknown') as trigger_type,
    j->>'output_id' as result_id,
    coalesce(s.state, j->>'state') as state,
    coalesce((j->>'inference_cost_usd')::float8,
             case when p.model is not null
                   and (j->>'input_tokens' is not null or j->>'output_tokens' is not null)
                  then ((coalesce((j->>'input_tokens')::float8, 0)
                         - coalesce((j->>'cached_input_tokens')::float8, 0))
                           * p.input_per_mtok_usd
                        + coalesce((j->>'cached_input_tokens')::float8, 0)
                          * p.cached_input_per_mtok_usd
                        + coalesce((j->>'output_tokens')::float8, 0) * p.output_per_mtok_usd)
                       / 1e6 + p.per_request_usd
                  else 0 end)
      + coalesce((j->>'orchestration_cost_usd')::float8, 0)
      + coalesce((j->>'tool_cost_usd')::float8, 0) as cost_usd
from e
left join last_state s on s.output_id = j->>'output_id'
left join prices p on p.model = j->>'model_version'
     and ((j->>'event_ts')::timestamptz at time zone 'UTC')::date >= p.effective_from
     and ((j->>'event_ts')::timestamptz at time zone 'UTC')::date < p.effective_to
"""


@contextmanager
def server() -> Iterator[tuple[str, int]]:
    """A throwaway cluster on 127.0.0.1; yields (dsn, postmaster pid)."""
    # Settings a DBA would give an analytics box with this memory; fsync stays on.
    tuned = (
        "-c shared_buffers=512MB -c work_mem=256MB -c maintenance_work_mem=512MB"
        " -c max_wal_size=4GB"
    )
    with local_postgres(tuned, prefix="ledger-bench-pg-") as pg:
        yield pg.dsn, pg.pid


def fresh_database(dsn: str, name: str) -> str:
    con = psycopg2.connect(dsn)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"drop database if exists {name}")
        cur.execute(f"create database {name}")
    con.close()
    return dsn.replace("dbname=postgres", f"dbname={name}")


def run(dsn: str, landing: Path, prices_csv: Path) -> Results:
    con = psycopg2.connect(dsn)
    with con, con.cursor() as cur:
        cur.execute("create table events_json (doc text)")
        cur.execute("create table transitions_json (doc text)")
        cur.execute(f"create table prices ({PRICE_COLUMNS})")
        for table, folder in (("events_json", "events"), ("transitions_json", "transitions")):
            for path in sorted((landing / folder).glob("*.jsonl")):
                with path.open("rb") as handle:
                    cur.copy_expert(COPY_LINES.format(table=table), handle)
        with prices_csv.open("rb") as handle:
            cur.copy_expert("COPY prices FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
        cur.execute(FLAT_TABLE)
        cur.execute('create index on inference_events ("timestamp")')
        cur.execute("analyze inference_events")
        cur.execute("""select distinct ("timestamp")::date from inference_events order by 1""")
        days: list[dt.date] = [r[0] for r in cur.fetchall()]
        weeks = sorted({d - dt.timedelta(days=d.weekday()) for d in days})
        cpo, missing, hidden, by_trigger = [], [], [], []
        for day in days:
            period = (day, day + dt.timedelta(days=1))
            cur.execute(COST_PER_OUTCOME, period)
            cpo.append((day, cur.fetchone()[0]))  # type: ignore[index]
            cur.execute(MISSING_PROVENANCE, period)
            missing.append((day, cur.fetchone()[0]))  # type: ignore[index]
        for week in weeks:
            period = (week, week + dt.timedelta(days=7))
            cur.execute(HIDDEN_RATIO, period)
            hidden.append((week, cur.fetchone()[0]))  # type: ignore[index]
            cur.execute(COST_BY_TRIGGER, period)
            by_trigger.extend((week, t, v) for t, v in cur.fetchall())
    con.close()
    return from_rows(cpo, hidden, missing, by_trigger)
