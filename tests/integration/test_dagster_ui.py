"""`ledger ui` serves the whole code location: raw assets, dbt models, publication, checks,
the nightly schedule and the sensors, all in one asset graph."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ASSETS = "{ assetNodes { assetKey { path } hasAssetChecks } }"
AUTOMATION = """
{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError {
  ... on RepositoryLocation { repositories { schedules { name } sensors { name } } } } } } } }
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def test_ledger_ui_shows_the_whole_graph(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "DAGSTER_"))}
    env["LEDGER_HOME"] = str(tmp_path / "home")
    process = subprocess.Popen(
        [sys.executable, "-m", "inference_ledger.cli", "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, "the UI exited"
            try:
                # Answers once the code location has loaded (500 while it is loading).
                _graphql(port, "{ version }")
                break
            except OSError:
                assert time.monotonic() < deadline, "the UI did not come up"
                time.sleep(1)
        data = _graphql(port, ASSETS)
        keys = {"/".join(node["assetKey"]["path"]) for node in data["assetNodes"]}
        checked = {
            "/".join(node["assetKey"]["path"])
            for node in data["assetNodes"]
            if node["hasAssetChecks"]
        }
        assert {
            "raw/inference_events",
            "stg_raw__inference_events",
            "fct_cost_per_outcome",
            "fct_metric_health",
            "published_marts",
            "ops_report",
        } <= keys
        assert {"raw/inference_events", "fct_cost_per_outcome"} <= checked
        workspace = _graphql(port, AUTOMATION)["workspaceOrError"]
        repositories = [
            repo
            for entry in workspace["locationEntries"]
            for repo in entry["locationOrLoadError"]["repositories"]
        ]
        schedules = {s["name"] for repo in repositories for s in repo["schedules"]}
        sensors = {s["name"] for repo in repositories for s in repo["sensors"]}
        assert schedules == {"nightly_schedule"}
        assert {"landing_files_sensor", "nightly_run_failed", "alert_after_nightly_run"} <= sensors
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
