"""Rasa servers on PostgreSQL and Redis (``endpoints.postgres.yml``), and what they stored.

For the tests of several servers sharing one conversation store: start an instance on a
free loopback port, kill it, start it again on the same port, and read a conversation's
events back from PostgreSQL in the order they were written.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bot.identity import REST, conversation_id
from bot.launch.run import wait_until_ready
from bot.launch.settings import PROJECT_DIR
from harness.servers import READY_SECONDS, BotServers, free_port
from harness.services import Services

POSTGRES_ENDPOINTS = PROJECT_DIR / "endpoints.postgres.yml"

Events = list[tuple[str, dict[str, object]]]
EventsOf = Callable[[str], Events]


def turns_in(events: Events) -> list[tuple[str, bool]]:
    """(user text, answered before the next user message) for each stored user message."""
    turns: list[tuple[str, bool]] = []
    for kind, data in events:
        if kind == "user":
            turns.append((str(data.get("text")), False))
        elif kind == "bot" and turns and data.get("text"):
            turns[-1] = (turns[-1][0], True)
    return turns


def stored_events(url: str) -> EventsOf:
    """A function giving a REST sender's stored events (type, data), in the order written."""
    engine = sa.create_engine(url)

    def events_of(sender: str) -> Events:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": conversation_id(REST, sender)},
            )
            return [(kind, json.loads(data)) for kind, data in rows]

    return events_of


def endpoints_with_cache(folder: Path, cache_size: int) -> Path:
    """A copy of endpoints.postgres.yml in ``folder`` keeping ``cache_size`` trackers."""
    text, found = re.subn(
        r"(?m)^(\s+cache_size:) \d+", rf"\g<1> {cache_size}", POSTGRES_ENDPOINTS.read_text()
    )
    if found != 1:
        raise AssertionError("endpoints.postgres.yml no longer sets the tracker store's cache_size")
    path = folder / f"endpoints.cache-{cache_size}.yml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Instance:
    """One Rasa server started with a PostgreSQL endpoints file, restartable on its port.

    It starts when made (not waiting for it to be ready).
    """

    url: str
    log: Path
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self.launch()

    def launch(self) -> None:
        """Start the server (again), its output appended to :attr:`log`."""
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command, cwd=PROJECT_DIR, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )

    def wait_until_ready(self) -> None:
        """Return once the REST channel answers (raises if the server exits first)."""
        wait_until_ready(self.url + "/webhooks/rest/", self.process, READY_SECONDS)

    def kill(self) -> None:
        """SIGKILL the server, as a crash or an out-of-memory kill would."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def start_instance(
    bot: BotServers,
    workdir: Path,
    services: Services,
    endpoints: Path = POSTGRES_ENDPOINTS,
    action_port: int | None = None,
    **env: str,
) -> Instance:
    """Start a Rasa server on ``endpoints`` (not waiting for it to be ready).

    It shares the identity secret of the session's servers (one database, one secret) and
    calls the action server on ``action_port`` (the session's by default).
    """
    servers = BotServers.create(
        workdir,
        RASA_PORT=str(free_port()),
        ACTION_PORT=str(action_port or bot.settings.action_port),
        BOT_IDENTITY_SECRET=bot.env["BOT_IDENTITY_SECRET"],
        **services.env,
        **env,
    )
    command = [sys.executable, "-m", "bot.launch.rasa_server", "--endpoints", str(endpoints)]
    return Instance(servers.rasa_url, workdir / "rasa.log", command, servers.env)


def stop(instances: list[Instance]) -> None:
    """Stop the instances (SIGTERM, then SIGKILL after 15 s)."""
    for instance in instances:
        instance.process.terminate()
    for instance in instances:
        try:
            instance.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait()
