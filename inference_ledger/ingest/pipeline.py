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
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from inference_ledger.ingest.canonical import lit, q
from inference_ledger.ingest.landing import LandingFile, content_hash, discover
from inference_ledger.ingest.readers import UnreadableFile
from inference_ledger.ingest.records import RecordLoader, redacted
from inference_ledger.ingest.run_ids import new_run_id
from inference_ledger.ingest.schema import PARTITIONED_TABLES
from inference_ledger.ingest.warehouse import export_parquet, mark_dirty, open_warehouse
from inference_ledger.settings import Settings, load_settings

# How much older than its last hashing a file must be for its size and mtime to vouch for
# its content (file systems update mtime at a coarse tick; a rewrite within it keeps mtime).
STAT_TRUST_NS = 2_000_000_000
SUCCESS_STATUSES = ("ingested", "duplicate_file", "quarantined")
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


class _Run(RecordLoader):
    """One ingestion run: which files are new, loading them in batches, the manifest."""

    # --- files -----------------------------------------------------------------------------
    def loaded_versions(self) -> dict[str, tuple[str, int]]:
        """Per landing file: (content hash, version) of its latest successful load.

        Read once per run: a run looks up each path once, before it loads that path.
        """
        rows = self.con.execute(
            f"""SELECT source_file, arg_max(content_hash, version), max(version)
                FROM raw.ingest_manifest WHERE status IN {SUCCESS_STATUSES}
                GROUP BY source_file"""
        ).fetchall()
        return {row[0]: (row[1], row[2]) for row in rows}

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
                    SELECT ?, NULL, NULL, ?, {redacted("content")}, ?, now()::TIMESTAMP
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
            read[item.file.relpath] = self.add_source(item.file)
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

    def file_stats(self) -> dict[str, tuple[int, int, str, int]]:
        """Per landing file: (size, mtime_ns, content hash, when the hash was taken)."""
        rows = self.con.execute(
            "SELECT source_file, size, mtime_ns, content_hash, checked_ns "
            "FROM ingest_state.file_stats"
        ).fetchall()
        return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}

    def remember_stat(self, file: LandingFile, digest: str) -> None:
        if not file.mtime_ns:
            return  # not a landing file (e.g. a PostgreSQL source)
        self.con.execute(
            "DELETE FROM ingest_state.file_stats WHERE source_file = ?", [file.relpath]
        )
        self.con.execute(
            "INSERT INTO ingest_state.file_stats VALUES (?, ?, ?, ?, ?)",
            [file.relpath, file.size, file.mtime_ns, digest, time.time_ns()],
        )

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
        if result.status != "failed":
            self.remember_stat(file, digest)


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
    run_id = new_run_id()
    outcome = IngestResult(run_id)
    batch_budget = max(0, settings.ingest_batch_mb) << 20  # 0: one file per transaction
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
        known = run.file_stats()
        loaded = run.loaded_versions()

        def fingerprint(file: LandingFile) -> str:
            seen = known.get(file.relpath)
            # A stat is trusted only if the file was already older than the clock's
            # resolution when it was hashed: a rewrite within the same tick keeps its mtime.
            if (
                seen is not None
                and seen[:2] == (file.size, file.mtime_ns)
                and file.mtime_ns < seen[3] - STAT_TRUST_NS
            ):
                return seen[2]
            return content_hash(file.path)

        # Files are fingerprinted one step ahead on a thread (hashlib releases the GIL), so
        # reading every byte for its hash overlaps with DuckDB loading earlier batches.
        hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-hash")
        try:
            digests = hasher.map(fingerprint, files)
            for file, digest in zip(files, digests, strict=True):
                previous = loaded.get(file.relpath)
                if previous is not None and previous[0] == digest:
                    outcome.unchanged_files += 1
                    if known.get(file.relpath, ())[:3] != (file.size, file.mtime_ns, digest):
                        run.remember_stat(file, digest)  # e.g. touched, same content
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
    except duckdb.OutOfMemoryException:
        # Out of memory or temp space is the machine's limit, not the file's fault: recorded
        # as a failed file, the run would go on to build and publish marts without its rows.
        run.con.execute("ROLLBACK")
        raise
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
