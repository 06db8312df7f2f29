"""Replay of a real arrival trace (CSV with TIMESTAMP, ContextTokens, GeneratedTokens).

The trace's span (about an hour for the Azure LLM inference trace) is stretched onto a full
day, so its burst pattern becomes the day's time-of-day pattern; token sizes come from the
same rows. Sampling is seeded, so a replayed run is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DAY_MS = 86_400_000
REQUIRED_COLUMNS = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")


@dataclass(frozen=True)
class ArrivalTrace:
    """Sorted arrival times as fractions of the trace span, with each row's token sizes."""

    position: np.ndarray  # in [0, 1)
    context_tokens: np.ndarray
    generated_tokens: np.ndarray

    @classmethod
    def from_csv(cls, path: Path) -> ArrivalTrace:
        frame = pd.read_csv(path)
        absent = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if absent:
            raise ValueError(f"{path}: arrival trace lacks column(s) {', '.join(absent)}")
        if frame.empty:
            raise ValueError(f"{path}: arrival trace has no rows")
        times = pd.to_datetime(frame["TIMESTAMP"], format="mixed").astype("int64").to_numpy()
        order = np.argsort(times, kind="stable")
        times = times[order]
        span = max(int(times[-1] - times[0]), 1)
        # The last arrival maps just before midnight rather than onto the next day.
        position = (times - times[0]) / (span * (1.0 + 1e-9))
        return cls(
            position=position,
            context_tokens=frame["ContextTokens"].to_numpy(dtype=np.int64)[order],
            generated_tokens=frame["GeneratedTokens"].to_numpy(dtype=np.int64)[order],
        )

    def sample(
        self, rng: np.random.Generator, n: int
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """`n` arrivals: time of day in ms and the (context, generated) tokens of each."""
        rows = rng.integers(0, len(self.position), size=n)
        # Jitter within about one trace inter-arrival gap so tiled days are not identical.
        jitter = rng.random(n) / len(self.position)
        tod = np.minimum((self.position[rows] + jitter) * DAY_MS, DAY_MS - 1).astype(np.int64)
        return tod, (self.context_tokens[rows], self.generated_tokens[rows])
