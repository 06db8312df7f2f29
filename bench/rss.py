"""Peak resident memory of the calling process alone.

`getrusage(RUSAGE_SELF).ru_maxrss` cannot be used in a child: Linux carries the parent's
high-water mark across fork and exec, so a child started by a benchmark that generated or
ingested data itself reports the parent's peak (a 13 MiB child of an 800 MiB parent reports
800 MiB). `VmHWM` belongs to the process's own address space, which exec replaces."""

from __future__ import annotations

import resource
from pathlib import Path


def own_peak_rss_mib() -> float:
    """Peak RSS since this process started (exec), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB
