"""Load: 20 concurrent senders, and two Rasa servers sharing PostgreSQL and Redis.

Every message must get the answer to its own question, and the stored conversation must
hold every turn, in order: a user message, then its reply, then the next message.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from harness.instances import (
    EventsOf,
    Instance,
    start_instance,
    stop,
    stored_events,
    turns_in,
)
from harness.questions import question_for
from harness.servers import BotServers
from tests.reliability.load import REST_PATH, LoadResult, run_load
from tests.reliability.services import Services, require_postgres_and_redis

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SENDERS, MESSAGES = 20, 5
MB = 1024 * 1024
# memory budget per process with the real model (measured: docs/deployment.md)
RASA_RSS_LIMIT_MB, ACTIONS_RSS_LIMIT_MB = 2_048, 384


def check_stored(result: LoadResult, events_of: EventsOf) -> None:
    """Every sender's stored turns are exactly the questions it asked, each answered."""
    for number, (sender, turns) in enumerate(sorted(result.turns.items())):
        stored = turns_in(events_of(sender))
        asked = [question_for(number, i)[0] for i in range(len(turns))]
        assert stored == [(q, True) for q in asked], sender


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
            instance.wait_until_ready()
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
        # A new id in every run: lems_test outlives the run, and an id used before (this
        # was f"lock-{number}-{free_port()}") brings its earlier turns, read as doubled.
        sender = f"lock-{number}-{uuid.uuid4().hex[:12]}"
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
