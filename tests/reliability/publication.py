"""Check that a publish directory holds complete publications only (what a BI reader sees)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb


def check_publication(publish_dir: Path) -> str | None:
    """Open the published copy read-only and verify it is whole; returns its run id (or None
    when nothing was ever published). Raises AssertionError on any torn or partial state."""
    database = publish_dir / "inference_ledger.duckdb"
    manifest_path = publish_dir / "manifest.json"
    if not database.exists():
        assert not manifest_path.exists(), "manifest without a database"
        return None
    con = duckdb.connect(str(database), read_only=True)
    try:
        expected = con.execute("SELECT run_id, mart, row_count FROM _publication").fetchall()
        assert expected, "publication table is empty"
        assert len({r[0] for r in expected}) == 1, "two run ids inside one database"
        for _, mart, rows in expected:
            actual = con.execute(f'SELECT count(*) FROM "{mart}"').fetchone()[0]
            assert actual == rows, f"{mart}: {actual} rows, publication says {rows}"
        db_run = expected[0][0]
    finally:
        con.close()
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    version_dir = publish_dir / manifest["parquet_dir"]
    assert version_dir.is_dir(), f"manifest points at a missing {version_dir}"
    con = duckdb.connect()
    try:
        for mart, rows in manifest["row_counts"].items():
            parquet = version_dir / f"{mart}.parquet"
            count = con.execute("SELECT count(*) FROM read_parquet(?)", [str(parquet)]).fetchone()
            assert count[0] == rows, f"{parquet}: {count[0]} rows, manifest says {rows}"
        link = publish_dir / "parquet"
        if link.is_symlink():
            target = link.resolve()
            assert target.is_dir(), "parquet link dangles"
            for parquet in target.glob("*.parquet"):
                con.execute("SELECT count(*) FROM read_parquet(?)", [str(parquet)]).fetchone()
    finally:
        con.close()
    return db_run


def leftover_temporaries(home: Path) -> list[Path]:
    """Temporary files a killed or failed writer could leave behind: publish and raw-zone
    staging files, and DuckDB spill files (ingestion spills under `tmp/duckdb`, dbt next to
    the warehouse)."""
    found: list[Path] = []
    for root in (home / "published", home / "raw"):
        if root.exists():
            found += [p for p in root.rglob("*") if p.name.endswith(".tmp")]
    for spill in (home / "tmp" / "duckdb", home / "warehouse.duckdb.tmp"):
        if spill.is_dir():
            found += [p for p in spill.rglob("*") if p.is_file()]
    return found
