"""PostgreSQL and Redis on loopback, as ``scripts/start-services.sh`` starts them.

:func:`configured` says where they listen; :func:`postgres_problem` and
:func:`redis_problem` say why one does not answer (None when it does).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

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


def postgres_problem(services: Services) -> str | None:
    """Why the test PostgreSQL does not answer, or None when it does."""
    engine = sa.create_engine(services.postgres_url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as error:
        return f"PostgreSQL is not reachable ({str(error.orig).strip()}): {HOW}"
    finally:
        engine.dispose()


def redis_problem(services: Services) -> str | None:
    """Why the test Redis does not answer, or None when it does."""
    host, port = services.env["REDIS_HOST"], int(services.env["REDIS_PORT"])
    return None if _redis_answers(host, port) else f"Redis is not reachable at {host}:{port}: {HOW}"
