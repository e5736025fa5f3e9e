"""No silent loss, through the real servers: a database that cannot be written.

Two faults, each with its own Rasa server (the session's action server answers both):

- **SQLite opened read-only** (SQLite's ``mode=ro``): the file is there and readable, every
  write fails, whatever the file's permissions (root ignores those, and ``chattr +i`` is
  not available in every container).
- **PostgreSQL stopped** (``pg_ctl stop`` of a throw-away server), then started again.

The patient is told each time, the emergency guidance stays, "forget me" says that it
could not erase, nothing is kept in memory instead, and readiness fails meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.knowledge import Knowledge
from bot.rasa.fallback import replies
from bot.rasa.tracker_store import PrivateSQLTrackerStore
from bot.safety import Alarm
from harness.servers import BotServers, free_port
from tests.reliability.client import Answer, request, rest_conversation, say
from tests.reliability.services import ThrowawayPostgres

pytestmark = pytest.mark.e2e

EMERGENCY = "I can't breathe"
READY_SECONDS = 60


def server_on(bot: BotServers, workdir: Path, store: str) -> BotServers:
    """A Rasa server whose ``tracker_store`` section is ``store`` (YAML)."""
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        "action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n  enable_selective_domain: true\n"
        f"tracker_store:\n  type: bot.rasa.tracker_store.PrivateSQLTrackerStore\n{store}"
    )
    servers = BotServers.create(workdir, ACTION_PORT=str(bot.settings.action_port))
    servers.rasa_args = ["--endpoints", str(endpoints)]
    return servers


def readiness(servers: BotServers) -> Answer:
    return request(servers.rasa_url + "/webhooks/rest/", timeout=30)


def replies_to(servers: BotServers, sender: str, text: str) -> list[str]:
    answer = say(servers.rasa_url, sender, text)
    return [str(r.get("text")) for r in answer.body]


def check_writes_fail(
    servers: BotServers, sender: str, knowledge: Knowledge, stored: Callable[[], int]
) -> None:
    """Every kind of message on a database that cannot be written, and what is left."""
    before = stored()
    not_saved, not_forgotten = knowledge.phrases["not_saved"], knowledge.phrases["not_forgotten"]
    assert replies_to(servers, sender, "tell me more") == [not_saved]
    health = readiness(servers)
    assert health.status == 503 and health.body == {"status": "cannot save conversations"}
    guidance = replies().guidance({Alarm.EMERGENCY})
    assert replies_to(servers, sender, EMERGENCY) == [guidance, not_saved]
    assert replies_to(servers, sender, "please delete my conversation") == [not_forgotten]
    assert replies_to(servers, "someone-new", "what is LEMS") == [not_saved]
    assert stored() == before, "nothing was written, nothing erased"


# ------------------------------------------------------------------ SQLite read-only


@pytest.fixture(scope="module")
def read_only_sqlite(
    bot: BotServers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BotServers, Path]]:
    workdir = tmp_path_factory.mktemp("read-only-sqlite")
    db = workdir / "conversations.db"
    seed = PrivateSQLTrackerStore(host=f"sqlite:///{db}")  # one stored turn of the patient
    turn = UserUttered("how does it work?", intent={"name": "ask_how_it_works", "confidence": 1})
    asyncio.run(
        seed.save(DialogueStateTracker.from_events(rest_conversation("ro-patient"), [turn]))
    )
    seed.engine.dispose()
    servers = server_on(bot, workdir, f"  url: sqlite:///file:{db}?mode=ro&uri=true\n")
    servers.start_rasa()
    try:
        yield servers, db
    finally:
        servers.stop_all()


def test_a_read_only_sqlite_database_is_reported_to_the_patient(
    read_only_sqlite: tuple[BotServers, Path], knowledge: Knowledge
) -> None:
    servers, db = read_only_sqlite

    def stored() -> int:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            return int(connection.execute("SELECT count(*) FROM events").fetchone()[0])

    check_writes_fail(servers, "ro-patient", knowledge, stored)
    assert readiness(servers).status == 503, "still not ready: the database is still read-only"


# ---------------------------------------------------------------- PostgreSQL stopped


@pytest.fixture(scope="module")
def postgres_server(
    bot: BotServers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BotServers, ThrowawayPostgres]]:
    postgres = ThrowawayPostgres(free_port())
    try:
        postgres.start()
        servers = server_on(
            bot,
            tmp_path_factory.mktemp("postgres-stopped"),
            f"  url: {postgres.url}\n  connect_timeout: 20\n  cache_size: 0\n",
        )
        servers.start_rasa()
        try:
            yield servers, postgres
        finally:
            servers.stop_all()
    finally:
        postgres.close()


def test_a_stopped_postgresql_is_reported_and_the_conversation_resumes_after(
    postgres_server: tuple[BotServers, ThrowawayPostgres], knowledge: Knowledge
) -> None:
    servers, postgres = postgres_server
    me = rest_conversation("pg-patient")
    engine = sa.create_engine(postgres.url)

    def stored() -> int:
        with engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM events WHERE sender_id = :s")
            return int(connection.execute(query, {"s": me}).scalar_one())

    assert "immune system" in " ".join(replies_to(servers, "pg-patient", "how does it work?"))
    saved = stored()
    engine.dispose()
    postgres.stop()
    try:
        check_writes_fail(servers, "pg-patient", knowledge, lambda: saved)
    finally:
        postgres.start()
    deadline = time.monotonic() + READY_SECONDS
    while readiness(servers).status != 200:
        assert time.monotonic() < deadline, "not ready again after PostgreSQL came back"
        time.sleep(1)
    assert stored() == saved, "the turns during the outage were not kept anywhere"
    assert "IMPDH2" in " ".join(replies_to(servers, "pg-patient", "tell me more"))
    confirmation = replies_to(servers, "pg-patient", "please delete my conversation")
    assert confirmation == [knowledge.phrases["forgotten"]]
    assert stored() == 0
    engine.dispose()
