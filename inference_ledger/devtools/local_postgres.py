"""A throwaway PostgreSQL cluster on 127.0.0.1: initdb into a temporary directory, start,
yield, stop and delete. Used by the test-suite and the benchmarks."""

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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DB_USER = "ledger"


@dataclass(frozen=True)
class LocalPostgres:
    host: str
    port: int
    user: str
    dbname: str
    pid: int

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"

    def url(self, dbname: str | None = None) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname or self.dbname}"


def postgres_bindir() -> Path | None:
    """Directory of initdb/pg_ctl (Debian's versioned layout first), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    initdb = found[0] if found else shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def local_postgres(settings: str = "", prefix: str = "ledger-pg-") -> Iterator[LocalPostgres]:
    """Start a cluster; `settings` are extra `-c name=value` server options."""
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries not found (run scripts/install_system_deps.sh)")
    # PostgreSQL refuses to run as root.
    run_user = "nobody" if os.geteuid() == 0 else None

    def as_user(argv: list[str]) -> list[str]:
        return ["runuser", "-u", run_user, "--", *argv] if run_user else argv

    datadir = Path(tempfile.mkdtemp(prefix=prefix))
    if run_user:
        entry = pwd.getpwnam(run_user)
        os.chown(datadir, entry.pw_uid, entry.pw_gid)
    pgdata = datadir / "data"
    pg_ctl = str(bindir / "pg_ctl")
    try:
        subprocess.run(
            as_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(pgdata),
                    "-U",
                    DB_USER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} "
            f"-c unix_socket_directories={datadir} {settings}"
        )
        subprocess.run(
            as_user(
                [
                    pg_ctl,
                    "-D",
                    str(pgdata),
                    "-o",
                    options,
                    "-l",
                    str(datadir / "server.log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        yield LocalPostgres("127.0.0.1", port, DB_USER, "postgres", pid)
    finally:
        if (pgdata / "postmaster.pid").exists():
            subprocess.run(
                as_user([pg_ctl, "-D", str(pgdata), "-m", "fast", "stop"]), capture_output=True
            )
        shutil.rmtree(datadir, ignore_errors=True)
