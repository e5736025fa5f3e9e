"""The tests' PostgreSQL and Redis (:mod:`harness.services`), and a throw-away PostgreSQL
server a test may stop.

The tests that need them skip, saying why, when they do not answer.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness.services import HOW, Services, configured, postgres_problem, redis_problem


def require_postgres() -> Services:
    """The services, or skip the test when PostgreSQL does not answer."""
    services = configured()
    problem = postgres_problem(services)
    if problem:
        pytest.skip(problem)
    return services


def require_redis() -> Services:
    """The services, or skip the test when Redis does not answer."""
    services = configured()
    problem = redis_problem(services)
    if problem:
        pytest.skip(problem)
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
