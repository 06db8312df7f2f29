"""Publishing marts: complete copies, old-client storage format, nothing partial on failure."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import duckdb
import pytest

from inference_ledger.publish import DEFAULT_MARTS, PublishError, publish_marts
from inference_ledger.report.sample_marts import build_sample_warehouse

MARTS = ["fct_cost_per_outcome", "fct_control_surface_drift", "fct_metric_health", "audit_gaps"]


def storage_version(path: Path) -> int:
    """The storage version number in a DuckDB file's main header (after the magic bytes)."""
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    return struct.unpack("<Q", header[12:20])[0]


def leftovers(publish_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(publish_dir)) for p in publish_dir.rglob("*.tmp*"))


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    return build_sample_warehouse(tmp_path / "warehouse.duckdb")


def test_publication_copies_every_mart_with_matching_counts(warehouse: Path, tmp_path: Path):
    pub = publish_marts(warehouse, tmp_path / "pub", MARTS, run_id="r1")

    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = {m: con.execute(f"SELECT count(*) FROM marts.{m}").fetchone()[0] for m in MARTS}
    assert pub.row_counts == expected
    assert expected["fct_cost_per_outcome"] == 42 * 8

    manifest = json.loads(pub.manifest_path.read_text())
    assert manifest["run_id"] == "r1"
    assert manifest["row_counts"] == expected
    assert manifest["published_at"].startswith(pub.published_at.strftime("%Y-%m-%d"))

    with duckdb.connect(str(pub.database_path), read_only=True) as con:
        for mart, rows in expected.items():
            assert con.execute(f"SELECT count(*) FROM {mart}").fetchone()[0] == rows
            assert (
                con.execute(
                    f"SELECT count(*) FROM read_parquet('{pub.parquet_path(mart)}')"
                ).fetchone()[0]
                == rows
            )
        assert con.execute("SELECT DISTINCT run_id FROM _publication").fetchall() == [("r1",)]
    assert (tmp_path / "pub" / "parquet").is_symlink()
    assert (tmp_path / "pub" / "parquet" / "audit_gaps.parquet").is_file()
    assert leftovers(tmp_path / "pub") == []


def test_published_file_uses_the_storage_version_duckdb_1x_reads(warehouse: Path, tmp_path: Path):
    pub = publish_marts(warehouse, tmp_path / "pub", MARTS)
    # 64 is what DuckDB 1.0 and 1.1 read; the warehouse itself is written in the newer format.
    assert storage_version(pub.database_path) == 64
    assert storage_version(warehouse) > 64


def test_failed_publish_keeps_previous_publication_and_leaves_no_temporaries(
    warehouse: Path, tmp_path: Path
):
    publish_dir = tmp_path / "pub"
    first = publish_marts(warehouse, publish_dir, MARTS, run_id="good")
    before_db = first.database_path.read_bytes()
    before_manifest = first.manifest_path.read_text()
    before_link = (publish_dir / "parquet").resolve()

    with pytest.raises(PublishError, match="fct_does_not_exist"):
        publish_marts(warehouse, publish_dir, [*MARTS, "fct_does_not_exist"], run_id="bad")

    assert first.database_path.read_bytes() == before_db
    assert first.manifest_path.read_text() == before_manifest
    assert (publish_dir / "parquet").resolve() == before_link
    assert not (publish_dir / "parquet_versions" / "bad").exists()
    assert leftovers(publish_dir) == []
    with duckdb.connect(str(first.database_path), read_only=True) as con:
        assert con.execute("SELECT DISTINCT run_id FROM _publication").fetchone() == ("good",)


def test_old_parquet_versions_are_pruned(warehouse: Path, tmp_path: Path):
    publish_dir = tmp_path / "pub"
    for run in ("a", "b", "c", "d", "e"):
        publish_marts(warehouse, publish_dir, ["audit_gaps"], run_id=run)
    versions = sorted(p.name for p in (publish_dir / "parquet_versions").iterdir())
    # The current version plus the previous ones a slow reader may still be using.
    assert "e" in versions and "a" not in versions and len(versions) == 3
    assert (publish_dir / "parquet").resolve().name == "e"


def test_invalid_mart_name_is_refused(warehouse: Path, tmp_path: Path):
    with pytest.raises(PublishError, match="not a valid mart name"):
        publish_marts(warehouse, tmp_path / "pub", ["fct; DROP TABLE x"])


def test_leftovers_of_a_killed_publisher_are_cleaned_by_the_next_one(
    warehouse: Path, tmp_path: Path
):
    publish_dir = tmp_path / "pub"
    publish_marts(warehouse, publish_dir, ["audit_gaps"], run_id="first")
    # What a publisher killed before its swap leaves behind.
    (publish_dir / ".inference_ledger.duckdb.killed.tmp").write_bytes(b"partial")
    (publish_dir / "parquet_versions" / ".killed.tmp").mkdir()
    (publish_dir / "parquet_versions" / ".killed.tmp" / "audit_gaps.parquet").write_bytes(b"x")
    (publish_dir / ".manifest.json.killed.tmp").write_text("{")

    publish_marts(warehouse, publish_dir, ["audit_gaps"], run_id="second")
    assert leftovers(publish_dir) == []
    assert json.loads((publish_dir / "manifest.json").read_text())["run_id"] == "second"


def test_every_mart_the_dbt_project_builds_is_published():
    marts_dir = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"
    built = {path.stem for path in marts_dir.rglob("*.sql")}
    assert set(DEFAULT_MARTS) == built
