"""pandas: read every event and transition file, then merge and groupby.

Files are read one day at a time and cut to the needed columns before concatenation, the
usual way to keep a pandas job inside memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bench.alternatives.results import HIDDEN_TRIGGERS, PLACEHOLDERS, Results, from_rows

EVENT_COLUMNS = [
    "event_ts",
    "trace_id",
    "output_id",
    "state",
    "trigger_type",
    "model_version",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "inference_cost_usd",
    "orchestration_cost_usd",
    "tool_cost_usd",
]
TRANSITION_COLUMNS = ["transition_id", "output_id", "state", "event_ts"]
NUMERIC = EVENT_COLUMNS[6:]


def _read(folder: Path, fmt: str, columns: list[str]) -> pd.DataFrame:
    frames = []
    for path in sorted(folder.glob(f"*.{fmt}")):
        if fmt == "parquet":
            frame = pd.read_parquet(path, columns=columns)
        else:
            frame = pd.read_json(path, lines=True, engine="pyarrow")
            frame = frame.reindex(columns=columns)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    data["event_ts"] = pd.to_datetime(data["event_ts"], utc=True)
    return data


def _blank(column: pd.Series) -> pd.Series:
    text = column.astype("string")
    return text.isna() | text.str.strip().str.lower().isin(PLACEHOLDERS)


def run(landing: Path, prices_csv: Path, fmt: str) -> Results:
    events = _read(landing / "events", fmt, EVENT_COLUMNS)
    for name in NUMERIC:
        events[name] = pd.to_numeric(events[name], errors="coerce").astype("float64")
    transitions = _read(landing / "transitions", fmt, TRANSITION_COLUMNS)
    last = transitions.sort_values(["output_id", "event_ts", "transition_id"]).drop_duplicates(
        "output_id", keep="last"
    )[["output_id", "state"]]
    events = events.merge(last.rename(columns={"state": "last_state"}), on="output_id", how="left")
    events["day"] = events["event_ts"].dt.tz_convert(None).dt.normalize()

    # Price events that logged no cost: the price row in force on the event's day.
    prices = pd.read_csv(prices_csv, parse_dates=["effective_from"])
    prices["effective_to"] = pd.to_datetime(prices["effective_to"].replace("9999-12-31", None))
    prices["effective_to"] = prices["effective_to"].fillna(pd.Timestamp.max)
    events["row"] = np.arange(len(events))
    unlogged = events.loc[events["inference_cost_usd"].isna(), ["row", "model_version", "day"]]
    priced = unlogged.merge(prices, left_on="model_version", right_on="model", how="inner")
    in_force = (priced["day"] >= priced["effective_from"]) & (
        priced["day"] < priced["effective_to"]
    )
    priced = priced[in_force]
    rows = events.loc[priced["row"].to_numpy()]
    has_tokens = rows["input_tokens"].notna() | rows["output_tokens"].notna()
    cached = rows["cached_input_tokens"].fillna(0).to_numpy()
    cost = (
        (rows["input_tokens"].fillna(0).to_numpy() - cached)
        * priced["input_per_mtok_usd"].to_numpy()
        + cached * priced["cached_input_per_mtok_usd"].to_numpy()
        + rows["output_tokens"].fillna(0).to_numpy() * priced["output_per_mtok_usd"].to_numpy()
    ) / 1e6 + priced["per_request_usd"].to_numpy()
    inference = events["inference_cost_usd"].copy()
    inference[inference.isna()] = 0.0
    inference.iloc[priced["row"].to_numpy()] = np.where(has_tokens.to_numpy(), cost, 0.0)
    events["cost_usd"] = (
        inference + events["orchestration_cost_usd"].fillna(0) + events["tool_cost_usd"].fillna(0)
    )

    state = events["last_state"].fillna(events["state"])
    events["committed_output"] = events["output_id"].where(state == "committed")
    events["trigger_type"] = events["trigger_type"].fillna("unknown")
    events["hidden"] = events["trigger_type"].isin(HIDDEN_TRIGGERS)
    events["missing"] = _blank(events["trace_id"]) | _blank(events["model_version"])
    events["week"] = events["day"] - pd.to_timedelta(events["day"].dt.weekday, unit="D")

    by_day = events.groupby("day").agg(
        cost=("cost_usd", "sum"),
        committed=("committed_output", "nunique"),
        missing=("missing", "mean"),
    )
    cpo = (by_day["cost"] / by_day["committed"].replace(0, np.nan)).astype(object)
    cpo = cpo.where(by_day["committed"] > 0, None)
    hidden = events.groupby("week")["hidden"].mean()
    by_trigger = events.groupby(["week", "trigger_type"])["cost_usd"].sum()
    return from_rows(
        list(cpo.items()),
        list(hidden.items()),
        list(by_day["missing"].items()),
        [(w, t, v) for (w, t), v in by_trigger.items()],
    )
