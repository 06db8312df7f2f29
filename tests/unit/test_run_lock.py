"""The run lock: a second holder waits or gives up with a message naming the first."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from orchestration.lib.runner import RUN_LOCK_NAME, WarehouseBusy, warehouse_run_lock

HOLD = """
import sys, time
from pathlib import Path
from orchestration.lib.runner import warehouse_run_lock
with warehouse_run_lock(Path(sys.argv[1]), 0):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(home, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(home), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "held"
    return process


def test_busy_lock_names_its_holder_and_is_cleared_after(tmp_path):
    holder = _holder(tmp_path, 30)
    try:
        with pytest.raises(WarehouseBusy) as busy, warehouse_run_lock(tmp_path, 0.5, say=print):
            pass
        assert f"pid {holder.pid} " in str(busy.value)
    finally:
        holder.kill()
        holder.wait()
    # The kernel released the dead holder's lock; its text no longer names a holder.
    with warehouse_run_lock(tmp_path, 0):
        assert f"pid {os.getpid()} " in (tmp_path / RUN_LOCK_NAME).read_text()
    assert (tmp_path / RUN_LOCK_NAME).read_text() == ""


def test_waiting_run_starts_when_the_holder_finishes(tmp_path):
    messages: list[str] = []
    holder = _holder(tmp_path, 1.5)
    started = time.monotonic()
    with warehouse_run_lock(tmp_path, 30, say=messages.append):
        waited = time.monotonic() - started
    holder.wait()
    assert waited > 0.5
    assert messages and f"pid {holder.pid} " in messages[0]
