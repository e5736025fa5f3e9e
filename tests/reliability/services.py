"""PostgreSQL and Redis on loopback, as ``scripts/start-services.sh`` starts them, and a
throw-away PostgreSQL server a test may stop.

The tests that need them skip, saying why, when they do not answer.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

# the same defaults as scripts/start-services.sh (a throw-away test database)
DEFAULTS = {
    "POSTGRES_HOST": "127.0.0.1",
    "POSTGRES_PORT": "5432",
    "POSTGRES_DB": "lems_test",
    "POSTGRES_USER": "lems_test",
    "POSTGRES_PASSWORD": "lems_test_only",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_PASSWORD": "",
}
HOW = "run scripts/start-services.sh to start PostgreSQL and Redis on loopback"


@dataclass(frozen=True)
class Services:
    """Where the test PostgreSQL and Redis listen (the variables endpoints.postgres.yml reads)."""

    env: dict[str, str]

    @property
    def postgres_url(self) -> str:
        """SQLAlchemy URL of the test database."""
        e = self.env
        return sa.engine.url.URL.create(
            "postgresql",
            e["POSTGRES_USER"],
            e["POSTGRES_PASSWORD"],
            e["POSTGRES_HOST"],
            int(e["POSTGRES_PORT"]),
            e["POSTGRES_DB"],
        ).render_as_string(hide_password=False)


def configured() -> Services:
    """The services' settings: the environment, else the script's defaults."""
    return Services({key: os.environ.get(key, value) for key, value in DEFAULTS.items()})


def _redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def require_postgres() -> Services:
    """The services, or skip the test when PostgreSQL does not answer."""
    services = configured()
    engine = sa.create_engine(services.postgres_url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable ({str(error.orig).strip()}): {HOW}")
    finally:
        engine.dispose()
    return services


def require_redis() -> Services:
    """The services, or skip the test when Redis does not answer."""
    services = configured()
    host, port = services.env["REDIS_HOST"], int(services.env["REDIS_PORT"])
    if not _redis_answers(host, port):
        pytest.skip(f"Redis is not reachable at {host}:{port}: {HOW}")
    return services


def require_postgres_and_redis() -> Services:
    """The services, or skip the test when PostgreSQL or Redis does not answer."""
    require_redis()
    return require_postgres()


def postgres_binaries() -> Path | None:
    """The folder of PostgreSQL's ``initdb`` and ``pg_ctl`` (newest version), if installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(versions[-1]).parent if versions else None


class ThrowawayPostgres:
    """A PostgreSQL server of its own in a temporary folder, on a loopback port.

    It trusts local connections of the user ``lems`` (nothing else can reach it) and is
    removed when closed. As root it runs as the ``postgres`` user (PostgreSQL refuses
    root).
    """

    def __init__(self, port: int) -> None:
        binaries = postgres_binaries()
        if binaries is None:
            pytest.skip(f"PostgreSQL is not installed: {HOW}")
        self.binaries = binaries
        self.port = port
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip(f"no 'postgres' user to run a throw-away PostgreSQL as: {HOW}")
        self.directory = Path(tempfile.mkdtemp(prefix="lems-pg-"))
        if self.owner is not None:
            os.chown(self.directory, self.owner.pw_uid, self.owner.pw_gid)
        self.data = self.directory / "data"
        self._run("initdb", "-D", str(self.data), "-U", "lems", "--auth=trust", "-E", "UTF8")

    @property
    def url(self) -> str:
        """SQLAlchemy URL of its ``postgres`` database."""
        return f"postgresql://lems@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if self.owner is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        log = str(self.directory / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop it (fast shutdown: open connections are closed)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        """Stop it if running and remove its files."""
        with contextlib.suppress(subprocess.CalledProcessError):  # it was not running
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
