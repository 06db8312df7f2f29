"""The job process keeps start-up objects out of full garbage collections, and only those."""

from __future__ import annotations

import subprocess
import sys

# In a child process: freezing objects would otherwise reach into the test session's.
CHILD = """
import gc
from orchestration.lib.runner import long_lived_objects

frozen_before = gc.get_freeze_count()
with long_lived_objects():
    assert not gc.isenabled()
    kept = [[i] for i in range(1000)]
assert gc.isenabled()
assert gc.get_freeze_count() >= frozen_before + 1000

class Cycle:
    pass

later = Cycle()
later.me = later
del later
assert gc.collect() >= 1, "garbage made after start-up must still be collected"

try:
    with long_lived_objects():
        raise ValueError("loading failed")
except ValueError:
    pass
assert gc.isenabled()
print("ok")
"""


def test_objects_created_while_loading_are_frozen_and_collection_resumes() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
