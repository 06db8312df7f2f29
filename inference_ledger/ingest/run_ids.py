"""Ingestion run ids: they sort in the order the runs started.

The nightly build finds rows loaded since its last build by comparing run ids as strings, so
the timestamp carries microseconds and never repeats within a process: two runs in the same
second must still sort by start time, not by their random suffix. (Runs in different
processes are at least one warehouse lock apart.)"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

_lock = threading.Lock()
_last = dt.datetime.min.replace(tzinfo=dt.UTC)


def new_run_id(source: str = "") -> str:
    """`20250601T120000123456Z-<source->abcdef12`; `source` tags where the run read from."""
    global _last
    with _lock:
        now = max(dt.datetime.now(dt.UTC), _last + dt.timedelta(microseconds=1))
        _last = now
    tag = f"{source}-" if source else ""
    return f"{now:%Y%m%dT%H%M%S%fZ}-{tag}{uuid.uuid4().hex[:8]}"
