"""Shared fixtures: an isolated ledger home per test and a real PostgreSQL server per session."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@pytest.fixture
def ledger_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every setting at a fresh home under tmp_path (warehouse, raw zone, landing)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("LEDGER_HOME", str(home))
    for name in (
        "LEDGER_LANDING_DIR",
        "LEDGER_RAW_DIR",
        "LEDGER_WAREHOUSE",
        "LEDGER_PUBLISH_DIR",
        "LEDGER_REPORT_DIR",
        "LEDGER_ENV",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEDGER_DUCKDB_THREADS", "2")
    monkeypatch.setenv("LEDGER_DUCKDB_MEMORY_LIMIT", "1GB")
    return home


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    dbname: str

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"

    def url(self, dbname: str | None = None) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname or self.dbname}"


def _postgres_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_user(user: str | None, argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; tests in containers often are root.
    return ["runuser", "-u", user, "--", *argv] if user else argv


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (initdb into a temp dir, stopped at the end)."""
    bindir = _postgres_bin()
    if bindir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL binaries not found (run scripts/install_system_deps.sh)")
        pytest.skip(
            "PostgreSQL binaries not found; install them with scripts/install_system_deps.sh"
        )
    run_user = None
    if os.geteuid() == 0:
        run_user = "nobody"
        pwd.getpwnam(run_user)
    datadir = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
    if run_user:
        entry = pwd.getpwnam(run_user)
        os.chown(datadir, entry.pw_uid, entry.pw_gid)
    pgdata = datadir / "data"
    db_user = "ledger"
    subprocess.run(
        _as_user(
            run_user,
            [str(bindir / "initdb"), "-D", str(pgdata), "-U", db_user, "-A", "trust", "-E", "UTF8"],
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={datadir}"
    subprocess.run(
        _as_user(
            run_user,
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(pgdata),
                "-o",
                options,
                "-l",
                str(datadir / "server.log"),
                "-w",
                "start",
            ],
        ),
        check=True,
        capture_output=True,
    )
    server = PostgresServer("127.0.0.1", port, db_user, "postgres")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        subprocess.run(
            _as_user(run_user, [str(bindir / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(datadir, ignore_errors=True)


# Real webhook and SMTP servers on 127.0.0.1 (see local_servers.py).
from local_servers import mailbox, receiver  # noqa: E402,F401
