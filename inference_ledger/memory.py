"""Give memory a finished step freed back to the operating system."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def release_unused_memory() -> None:
    """Return freed heap pages to the OS (Arrow's pool, then glibc's arenas).

    Allocators keep what they freed for reuse, so after ingestion and validation this
    process holds hundreds of MB it no longer uses. That is harmless until a child process
    (dbt, with its own DuckDB memory limit) runs beside it: then the two together exceed
    what either needs.
    """
    gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except ImportError:
        pass
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
