"""Schema drift report: the unknown fields a run kept in `extras`, per raw table."""

from __future__ import annotations

from pathlib import Path

import duckdb

from inference_ledger.ingest.canonical import q

EXTRAS_TABLES = (
    "inference_events",
    "output_transitions",
    "decision_envelopes",
    "tool_calls",
    "approvals",
    "revenue",
)


def unknown_fields(warehouse: Path, run_id: str | None = None) -> list[tuple[str, str, int]]:
    """(table, field, records) for every unknown field in `extras` (of one ingest run, or all)."""
    if not warehouse.exists():
        return []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
            ).fetchall()
        }
        report: list[tuple[str, str, int]] = []
        for table in EXTRAS_TABLES:
            if table not in present:
                continue
            where = "extras IS NOT NULL" + (" AND ingest_run_id = ?" if run_id else "")
            rows = con.execute(
                f"""SELECT field, count(*) FROM (
                      SELECT unnest(json_keys(extras)) AS field FROM raw.{q(table)} WHERE {where}
                    ) GROUP BY field ORDER BY 2 DESC, 1""",
                [run_id] if run_id else [],
            ).fetchall()
            report += [(table, field, int(n)) for field, n in rows]
        return report
    finally:
        con.close()
