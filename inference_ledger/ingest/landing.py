"""Find landing files, name their record kind and format, and fingerprint their content."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Landing folder → record kind (docs/data_contract.md, section 1).
KIND_FOLDERS = (
    "events",
    "transitions",
    "envelopes",
    "tool_calls",
    "approvals",
    "revenue",
    "otlp",
    "prices",
)

# Prices load first so the same run can price events with them.
KIND_ORDER = {kind: index for index, kind in enumerate(("prices", *KIND_FOLDERS[:-1]))}

FORMATS = (
    (".jsonl.gz", "jsonl"),
    (".ndjson.gz", "jsonl"),
    (".json.gz", "json"),
    (".csv.gz", "csv"),
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
    (".json", "json"),
    (".csv", "csv"),
    (".parquet", "parquet"),
)


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relpath: str  # POSIX path relative to the landing root: the file's identity
    kind: str | None  # None: the first folder names no record kind
    fmt: str | None  # None: not a supported file type
    size: int
    mtime_ns: int = 0

    @property
    def compressed(self) -> bool:
        return self.path.name.lower().endswith(".gz")


def file_format(name: str) -> str | None:
    lowered = name.lower()
    for suffix, fmt in FORMATS:
        if lowered.endswith(suffix):
            return fmt
    return None


def _is_hidden_or_partial(relparts: tuple[str, ...]) -> bool:
    # Writers stage files as dot-files or *.tmp/*.partial and rename when done.
    name = relparts[-1]
    return (
        any(part.startswith(".") or part.startswith("_") for part in relparts)
        or name.endswith((".tmp", ".partial", ".crdownload"))
        or "~" in name
    )


def discover(landing: Path) -> list[LandingFile]:
    """Every candidate file under `landing`, in load order (prices first, then by path).

    Files directly in the root (such as a generator's `ground_truth.json`) are not records and
    are skipped; files under an unknown first folder are returned with `kind=None`.
    """
    found: list[LandingFile] = []
    root = landing.resolve()
    for path in sorted(landing.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(landing)
        if len(rel.parts) < 2 or _is_hidden_or_partial(rel.parts):
            continue
        if not path.resolve().is_relative_to(root):
            # A symlink out of the landing directory would let anyone who can write there
            # load (and quarantine the text of) any file the ledger can read.
            log.warning("skipped %s: it resolves outside the landing directory", rel.as_posix())
            continue
        folder = rel.parts[0]
        kind = folder if folder in KIND_FOLDERS else None
        fmt = file_format(path.name)
        if fmt == "json" and kind not in ("otlp", None):
            # A whole-document JSON file is only defined for OTLP exports.
            fmt = "jsonl"
        stat = path.stat()
        found.append(LandingFile(path, rel.as_posix(), kind, fmt, stat.st_size, stat.st_mtime_ns))
    found.sort(key=lambda f: (KIND_ORDER.get(f.kind or "", 99), f.relpath))
    return found


def content_hash(path: Path, chunk_size: int = 8 << 20) -> str:
    """SHA-256 of the file bytes (as stored, before decompression)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()
