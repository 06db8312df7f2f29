"""What the ingest sensor needs to know about a landing directory, without opening the warehouse.

The sensor fingerprints files by path, size and modification time (cheap), and names the
event dates they probably hold from a `YYYY-MM-DD` in their name; ingestion itself decides
what is new by content hash, so a wrong guess here costs a run, never a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from inference_ledger.ingest.landing import discover

_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def fingerprints(landing: Path) -> dict[str, list[int]]:
    """`relpath → [size, mtime_ns]` for every candidate landing file."""
    if not landing.is_dir():
        return {}
    result = {}
    for file in discover(landing):
        stat = file.path.stat()
        result[file.relpath] = [stat.st_size, stat.st_mtime_ns]
    return result


def changed_files(previous: dict[str, list[int]], current: dict[str, list[int]]) -> list[str]:
    """Files that are new or whose size or modification time changed, sorted."""
    return sorted(path for path, stamp in current.items() if previous.get(path) != stamp)


def date_of(relpath: str, default: dt.date) -> dt.date:
    """The event date named in a landing file path, else `default`."""
    for match in reversed(_DATE.findall(relpath)):
        try:
            return dt.date.fromisoformat(match)
        except ValueError:
            continue
    return default


def run_key(paths: list[str], current: dict[str, list[int]]) -> str:
    """A stable key for one batch of changes, so a re-evaluated tick never launches it twice."""
    payload = json.dumps([[p, current[p]] for p in paths])
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def encode_cursor(current: dict[str, list[int]]) -> str:
    return json.dumps(current, sort_keys=True, separators=(",", ":"))


def decode_cursor(cursor: str | None) -> dict[str, list[int]]:
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
