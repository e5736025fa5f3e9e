"""Load: 20 concurrent senders, and two Rasa servers sharing PostgreSQL and Redis.

Every message must get the answer to its own question, and the stored conversation must
hold every turn, in order: a user message, then its reply, then the next message.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa

from bot.launch.run import wait_until_ready
from bot.launch.settings import PROJECT_DIR
from harness.servers import READY_SECONDS, BotServers, free_port
from tests.reliability.client import rest_conversation
from tests.reliability.load import REST_PATH, LoadResult, question_for, run_load
from tests.reliability.services import Services, require_postgres_and_redis

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SENDERS, MESSAGES = 20, 5
MB = 1024 * 1024
# memory budget per process with the real model (measured: docs/deployment.md)
RASA_RSS_LIMIT_MB, ACTIONS_RSS_LIMIT_MB = 2_048, 384

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


def check_stored(result: LoadResult, events_of: EventsOf) -> None:
    """Every sender's stored turns are exactly the questions it asked, each answered."""
    for number, (sender, turns) in enumerate(sorted(result.turns.items())):
        stored = turns_in(events_of(sender))
        asked = [question_for(number, i)[0] for i in range(len(turns))]
        assert stored == [(q, True) for q in asked], sender


def stored_events(url: str) -> EventsOf:
    """A function giving a sender's stored events (type, data), in order."""
    engine = sa.create_engine(url)

    def events_of(sender: str) -> Events:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": rest_conversation(sender)},
            )
            return [(kind, json.loads(data)) for kind, data in rows]

    return events_of


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_twenty_concurrent_senders(bot: BotServers, tracker_db: Path) -> None:
    result = run_load(bot.rasa_url, SENDERS, MESSAGES, timeout=300)
    print(result.summary())
    assert result.ok, "\n".join(result.errors[:20])
    check_stored(result, stored_events(f"sqlite:///{tracker_db}"))
    rasa, actions = (rss_mb(bot.processes[name].pid) for name in ("rasa", "actions"))
    print(f"RSS after load: Rasa server {rasa:.0f} MiB, action server {actions:.0f} MiB")
    assert rasa < RASA_RSS_LIMIT_MB and actions < ACTIONS_RSS_LIMIT_MB


# --------------------------------------------- two instances, PostgreSQL and Redis


@dataclass
class Instance:
    """One Rasa server started with endpoints.postgres.yml."""

    url: str
    log: Path
    process: subprocess.Popen[bytes]


def start_instance(bot: BotServers, workdir: Path, services: Services) -> Instance:
    servers = BotServers.create(
        workdir,
        RASA_PORT=str(free_port()),
        ACTION_PORT=str(bot.settings.action_port),  # the session's action server
        BOT_IDENTITY_SECRET=bot.env["BOT_IDENTITY_SECRET"],  # one database, one secret
        **services.env,
    )
    log = workdir / "rasa.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.launch.rasa_server",
                "--endpoints",
                str(PROJECT_DIR / "endpoints.postgres.yml"),
            ],
            cwd=PROJECT_DIR,
            env=servers.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Instance(servers.rasa_url, log, process)


def stop(instances: list[Instance]) -> None:
    for instance in instances:
        instance.process.terminate()
    for instance in instances:
        try:
            instance.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait()


@pytest.fixture(scope="module")
def two_instances(
    bot: BotServers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Services, list[Instance]]]:
    """Two Rasa servers on one PostgreSQL tracker store and one Redis lock store."""
    services = require_postgres_and_redis()
    instances = [
        start_instance(bot, tmp_path_factory.mktemp(f"instance-{n}"), services) for n in "ab"
    ]
    try:
        for instance in instances:  # they start side by side
            wait_until_ready(instance.url + "/webhooks/rest/", instance.process, READY_SECONDS)
        yield services, instances
    finally:
        stop(instances)


def test_one_senders_messages_spread_over_two_instances(
    two_instances: tuple[Services, list[Instance]],
) -> None:
    services, instances = two_instances
    result = run_load([i.url for i in instances], senders=10, messages_per_sender=6, timeout=300)
    print(result.summary())
    assert result.ok, "\n".join(result.errors[:20])
    check_stored(result, stored_events(services.postgres_url))


async def both_at_once(urls: list[str], sender: str) -> list[int]:
    """Send two messages of one sender at the same moment, one to each instance."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def send(url: str, text: str) -> int:
            body = {"sender": sender, "message": text}
            async with session.post(url + REST_PATH, json=body) as response:
                await response.read()
                return response.status

        return list(
            await asyncio.gather(
                send(urls[0], "what is LEMS"), send(urls[1], "does it cause cancer")
            )
        )


def test_simultaneous_messages_on_two_instances_are_taken_in_turn(
    two_instances: tuple[Services, list[Instance]],
) -> None:
    services, instances = two_instances
    events_of = stored_events(services.postgres_url)
    for number in range(5):
        sender = f"lock-{number}-{free_port()}"
        assert asyncio.run(both_at_once([i.url for i in instances], sender)) == [200, 200]
        stored = turns_in(events_of(sender))
        assert sorted(stored) == [("does it cause cancer", True), ("what is LEMS", True)]


def test_the_instances_log_no_database_password(
    two_instances: tuple[Services, list[Instance]],
) -> None:
    services, instances = two_instances
    password = services.env["POSTGRES_PASSWORD"]
    for instance in instances:
        assert password not in instance.log.read_text(errors="replace")
