"""The conversation store: erasure on request and checked, failures reported (never kept in
memory), odd ids, clear start-up errors."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import save_report
from bot.knowledge import Knowledge
from bot.rasa.lock_store import SafeRedisLockStore
from bot.rasa.tracker_store import FORGET_ACTION, PrivateSQLTrackerStore, asks_to_forget, can_save
from harness.servers import BotServers, free_port
from tests.reliability.client import all_senders, rest_conversation, say, stored_events
from tests.reliability.services import require_postgres, require_redis

DOMAIN = Domain.from_dict({"intents": ["greet", "forget_me"], "actions": [FORGET_ACTION]})


def conversation(sender: str, *, forget: bool = False) -> DialogueStateTracker:
    events = [
        ActionExecuted("action_listen"),
        UserUttered("my private question", intent={"name": "greet", "confidence": 1.0}),
        BotUttered("an answer"),
        ActionExecuted("action_listen"),
    ]
    if forget:
        events += [
            UserUttered("forget me", intent={"name": "forget_me", "confidence": 1.0}),
            ActionExecuted(FORGET_ACTION),
            BotUttered("Done."),
            ActionExecuted("action_listen"),
        ]
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


def test_asks_to_forget_only_for_the_erasure_action() -> None:
    assert asks_to_forget([UserUttered("x"), ActionExecuted(FORGET_ACTION)])
    assert not asks_to_forget([ActionExecuted("action_listen"), SlotSet("topic", FORGET_ACTION)])


async def check_erasure(store: PrivateSQLTrackerStore) -> None:
    await store.save(conversation("keep"))
    await store.save(conversation("erase"))
    tracker = await store.retrieve("erase")
    assert tracker is not None
    for event in list(conversation("erase", forget=True).events)[4:]:
        tracker.update(event)
    await store.save(tracker)
    assert await store.retrieve("erase") is None
    assert await store.retrieve("keep") is not None
    keys = set(await store.keys())
    assert "keep" in keys and "erase" not in keys


async def test_sqlite_erases_the_whole_conversation_on_request(tmp_path: Path) -> None:
    await check_erasure(PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db")))


async def test_postgresql_erases_the_whole_conversation_on_request() -> None:
    services = require_postgres()
    store = PrivateSQLTrackerStore(DOMAIN, host=services.postgres_url)
    for sender in ("keep", "erase"):
        await store.delete(sender)
    try:
        await check_erasure(store)
    finally:
        await store.delete("keep")


async def test_an_id_the_database_cannot_store_fails_one_message_not_the_server(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "t.db")
    with pytest.raises(SystemExit):  # why: Rasa's own store exits the whole server
        await SQLTrackerStore(DOMAIN, dialect="sqlite", db=db).retrieve("a\ud800")
    await check_odd_id_fails_alone(
        PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=db), "a\ud800"
    )


async def test_postgresql_refuses_nul_without_stopping_the_server() -> None:
    services = require_postgres()
    store = PrivateSQLTrackerStore(DOMAIN, host=services.postgres_url)
    await check_odd_id_fails_alone(store, "a\x00b")


async def check_odd_id_fails_alone(store: PrivateSQLTrackerStore, odd: str) -> None:
    """The message with the odd id is reported unsaved; the store goes on for the others."""
    with save_report.recording() as report:
        assert await store.retrieve(odd) is None
        await store.save(conversation(odd))  # Rasa started it afresh: not stored
    assert report.failed and not report.erasure
    await store.save(conversation("fine"))
    assert await store.retrieve("fine") is not None
    assert await store.can_save()


async def test_a_saved_conversation_comes_back_the_same_from_memory_or_disk(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "t.db")
    store = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=db)
    await store.save(conversation("a"))
    tracker = await store.retrieve("a")
    assert tracker is not None
    tracker.update(UserUttered("second", intent={"name": "greet", "confidence": 1.0}))
    await store.save(tracker)
    from_memory = await store.retrieve("a")
    from_disk = await PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=db).retrieve("a")
    assert from_memory is not None and from_disk is not None
    assert list(from_memory.events) == list(from_disk.events) == list(tracker.events)
    assert len(stored_events(Path(db), "a")) == len(tracker.events), "each event stored once"


@pytest.mark.parametrize("cache_size", [1000, 0])
async def test_a_long_conversation_is_handed_out_short_and_stored_whole(
    tmp_path: Path, cache_size: int
) -> None:
    db = str(tmp_path / "t.db")
    store = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=db, cache_size=cache_size)
    await store.save(conversation("a"))
    sizes = []
    for number in range(60):
        tracker = await store.retrieve("a")
        assert tracker is not None
        sizes.append(len(tracker.events))
        for event in [
            UserUttered(f"turn {number}", intent={"name": "greet", "confidence": 1.0}),
            BotUttered(f"reply {number}"),
            ActionExecuted("action_listen"),
        ]:
            tracker.update(event)
        await store.save(tracker)
    assert max(sizes[30:]) == max(sizes[15:30]) < 50  # no longer grows with the conversation
    rows = stored_events(Path(db), "a")
    texts = [r.data["text"] for r in rows if r.type_name == "user"]
    assert texts == ["my private question", *(f"turn {n}" for n in range(60))]  # each once
    full = await store.retrieve_full_tracker("a")
    assert full is not None and len(full.events) == len(rows) == 4 + 60 * 3


async def test_an_unsaved_change_does_not_leak_into_the_next_message(tmp_path: Path) -> None:
    store = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    await store.save(conversation("a"))
    failed = await store.retrieve("a")
    assert failed is not None
    failed.update(UserUttered("a message whose handling failed"))  # never saved
    again = await store.retrieve("a")
    assert again is not None and len(again.events) == len(conversation("a").events)


async def test_changes_made_elsewhere_are_seen(tmp_path: Path) -> None:
    """Another server on the same database, or the retention job, is not hidden by memory."""
    db = str(tmp_path / "t.db")
    mine = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=db)
    other = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=db)
    await mine.save(conversation("a"))
    elsewhere = await other.retrieve("a")
    assert elsewhere is not None
    elsewhere.update(UserUttered("said through the other server"))
    await other.save(elsewhere)
    seen = await mine.retrieve("a")
    assert seen is not None and seen.latest_message.text == "said through the other server"
    seen.update(UserUttered("and back here"))
    await mine.save(seen)
    texts = [e.data.get("text") for e in stored_events(Path(db), "a") if e.type_name == "user"]
    assert texts == ["my private question", "said through the other server", "and back here"]
    with sa.create_engine(f"sqlite:///{db}").begin() as connection:  # as bot.retention does
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'a'"))
    assert await mine.retrieve("a") is None


def a_turn(number: int) -> list[Event]:
    """The events one message adds: the question, the answer, listening again."""
    return [
        UserUttered(f"turn {number}", intent={"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_answer"),
        BotUttered(f"reply {number}"),
        ActionExecuted("action_listen"),
    ]


@pytest.mark.parametrize("cache_size", [1000, 0])
@pytest.mark.parametrize("servers_in_turn", ["ab", "aab", "abb"])
async def test_two_servers_taking_turns_in_one_conversation_store_each_turn_once(
    cache_size: int, servers_in_turn: str
) -> None:
    """Messages of one conversation alternating between two servers on PostgreSQL, as fast
    as they go, past the 10 turns handed out: each server's copy in memory is stale after
    the other saved, and each save must write only its own turn."""
    url = require_postgres().postgres_url
    servers = {
        name: PrivateSQLTrackerStore(DOMAIN, host=url, cache_size=cache_size) for name in "ab"
    }
    sender = f"turns-{uuid.uuid4().hex[:12]}"
    try:
        for number in range(25):
            store = servers[servers_in_turn[number % len(servers_in_turn)]]
            tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
            if not tracker.events:  # as Rasa starts a session
                for event in [ActionExecuted("action_session_start"), SessionStarted()]:
                    tracker.update(event)
                tracker.update(ActionExecuted("action_listen"))
            for event in a_turn(number):
                tracker.update(event)
            await store.save(tracker)
        with servers["a"].engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": sender},
            ).all()
        texts = [json.loads(data)["text"] for kind, data in rows if kind == "user"]
        assert texts == [f"turn {n}" for n in range(25)]
        assert len(rows) == 3 + 25 * len(a_turn(0))
    finally:
        await servers["a"].delete(sender)


async def test_erasure_also_forgets_the_copy_in_memory(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    store = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db))
    await store.save(conversation("a"))
    assert await store.retrieve("a") is not None
    assert await store.delete("a") == len(conversation("a").events)
    assert await store.retrieve("a") is None
    assert len(store._cache) == 0
    with store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"my private question" not in db.read_bytes(), "deleted rows are overwritten"


def test_sqlite_keeps_a_write_ahead_log(tmp_path: Path) -> None:
    store = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_a_missing_database_is_a_clear_error_at_once(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(ConnectionError, match="no-such-folder"):
        PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "no-such-folder/t.db"))
    assert time.monotonic() - started < 5


# ------------------------------------------------------------------- the real servers


@pytest.mark.e2e
def test_forget_me_erases_the_conversation_through_the_real_servers(
    bot: BotServers, tracker_db: Path, sender: Callable[[], str], knowledge: Knowledge
) -> None:
    me, other = sender(), sender()
    say(bot.rasa_url, other, "what is LEMS")
    say(bot.rasa_url, me, "how does it work?")
    assert any(e.type_name == "user" for e in stored_events(tracker_db, rest_conversation(me)))
    reply = say(bot.rasa_url, me, "please delete my conversation")
    assert reply.texts.strip() == knowledge.phrases["forgotten"]
    assert stored_events(tracker_db, rest_conversation(me)) == [], "nothing remains"
    assert rest_conversation(other) in all_senders(tracker_db), "other conversations stay"
    # a new message starts afresh: no topic to tell more about
    assert "IMPDH2" not in say(bot.rasa_url, me, "tell me more").texts
    events = stored_events(tracker_db, rest_conversation(me))
    texts = [e.data.get("text") for e in events if e.type_name == "user"]
    assert texts == ["tell me more"]
    assert not any("delete" in json.dumps(e.data) for e in events)


# ------------------------------------------------------- failures reported, not hidden


def read_only(db: Path) -> str:
    """A URL opening the SQLite file ``db`` read-only (SQLite refuses writes, root or not)."""
    return f"sqlite:///file:{db}?mode=ro&uri=true"


async def test_a_read_only_database_reports_the_failed_save_and_keeps_no_copy(
    tmp_path: Path,
) -> None:
    db = tmp_path / "t.db"
    await PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db)).save(conversation("a"))
    store = PrivateSQLTrackerStore(DOMAIN, host=read_only(db))
    failsafe = FailSafeTrackerStore(store)  # as Rasa's agent wraps every store
    assert await can_save(failsafe)
    tracker = await failsafe.retrieve("a")
    assert tracker is not None
    tracker.update(UserUttered("a second question", intent={"name": "greet", "confidence": 1.0}))
    with save_report.recording() as report:
        await failsafe.save(tracker)
    assert report.failed and not report.erasure and report.tracker is tracker
    assert failsafe._fallback_tracker_store is None, "Rasa's in-memory copy was never made"
    assert len(stored_events(db, "a")) == len(conversation("a").events)
    assert not await can_save(failsafe), "readiness fails while writes fail"
    again = await failsafe.retrieve("a")
    assert again is not None and len(again.events) == len(conversation("a").events)


async def test_a_refused_erasure_is_reported_and_the_rows_stay(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    await PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db)).save(conversation("a"))
    store = PrivateSQLTrackerStore(DOMAIN, host=read_only(db))
    with save_report.recording() as report:
        await store.save(conversation("a", forget=True))
    assert report.failed and report.erasure
    assert len(stored_events(db, "a")) == len(conversation("a").events)


async def test_an_erasure_that_leaves_rows_behind_is_not_confirmed(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    store = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db))
    await store.save(conversation("a"))
    with sqlite3.connect(db) as connection:  # something else writes the rows back at once
        connection.execute(
            "CREATE TRIGGER undelete AFTER DELETE ON events BEGIN "
            "INSERT INTO events (sender_id, type_name, timestamp, action_name, data) "
            "VALUES (old.sender_id, old.type_name, old.timestamp, old.action_name, old.data); END"
        )
    with save_report.recording() as report:
        await store.save(conversation("a", forget=True))
    assert report.failed and report.erasure
    assert stored_events(db, "a"), "the rows are back: the erasure must not be confirmed"


async def test_a_locked_database_fails_the_save_and_readiness_until_it_is_free(
    tmp_path: Path,
) -> None:
    db = tmp_path / "t.db"
    store = PrivateSQLTrackerStore(DOMAIN, host=f"sqlite:///{db}?timeout=0.2")
    await store.save(conversation("a"))
    lock = sqlite3.connect(db, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        tracker = await store.retrieve("a")
        assert tracker is not None
        tracker.update(UserUttered("while locked", intent={"name": "greet", "confidence": 1.0}))
        with save_report.recording() as report:
            await store.save(tracker)
        assert report.failed
        assert not await store.can_save()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert await store.can_save(), "ready again once a trial write succeeds"
    with save_report.recording() as report:
        await store.save(tracker)
    assert not report.failed
    texts = [e.data.get("text") for e in stored_events(db, "a") if e.type_name == "user"]
    assert texts == ["my private question", "while locked"]


async def test_a_saved_conversation_releases_the_held_replies_once(tmp_path: Path) -> None:
    store = PrivateSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    released: list[str] = []

    async def release() -> None:
        released.append("sent")

    with save_report.recording(release):
        await store.save(conversation("a"))
    assert released == ["sent"]
    with save_report.recording(release) as report:
        report.failed = True  # the read before failed: nothing may go out as if saved
        await store.save(conversation("b"))
    assert released == ["sent"]


def test_the_events_table_is_rasas(tmp_path: Path) -> None:
    """bot.retention and the tests read Rasa's table; fail loudly if its shape changes."""
    url = f"sqlite:///{tmp_path / 't.db'}"
    PrivateSQLTrackerStore(DOMAIN, host=url)
    columns = {c["name"] for c in sa.inspect(sa.create_engine(url)).get_columns("events")}
    assert {"sender_id", "type_name", "timestamp", "action_name", "data"} <= columns


# ------------------------------------------------------------------ the Redis lock


def redis_lock_stores(count: int) -> list[SafeRedisLockStore]:
    """``count`` lock stores on the test Redis, as separate Rasa servers would have."""
    env = require_redis().env
    config = EndpointConfig(
        url=env["REDIS_HOST"],
        type="bot.rasa.lock_store.SafeRedisLockStore",
        port=env["REDIS_PORT"],
        password=env["REDIS_PASSWORD"],
        db=1,
        key_prefix="lemstest",
    )
    return [SafeRedisLockStore(endpoint_config=config) for _ in range(count)]


def test_tickets_issued_at_once_by_several_servers_are_all_different() -> None:
    stores = redis_lock_stores(4)
    conversation = f"lock-{uuid.uuid4().hex}"
    start = threading.Barrier(40)
    tickets: list[int] = []

    def take(store: SafeRedisLockStore) -> None:
        start.wait(timeout=30)
        tickets.append(store.issue_ticket(conversation, lock_lifetime=60))

    threads = [threading.Thread(target=take, args=(stores[n % 4],)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(tickets) == list(range(40))
    for ticket in tickets:
        stores[0].cleanup(conversation, ticket)
    assert stores[0].get_lock(conversation) is None


async def test_one_conversation_is_handled_by_one_server_at_a_time() -> None:
    stores = redis_lock_stores(2)
    conversation = f"lock-{uuid.uuid4().hex}"
    inside: list[int] = []
    overlaps: list[int] = []
    order: list[int] = []

    async def handle(number: int) -> None:
        async with stores[number % 2].lock(conversation, wait_time_in_seconds=0.02):
            inside.append(number)
            if len(inside) > 1:
                overlaps.append(number)
            order.append(number)
            await asyncio.sleep(0.02)
            inside.remove(number)

    await asyncio.wait_for(asyncio.gather(*(handle(n) for n in range(12))), timeout=60)
    assert not overlaps and sorted(order) == list(range(12))
    assert stores[0].get_lock(conversation) is None


async def test_a_message_waiting_behind_a_killed_server_is_served_when_that_ticket_expires() -> (
    None
):
    """A server killed while handling a message leaves its ticket in the queue. Rasa let the
    ticket waiting behind it expire too (its lifetime counted from when it was issued), and
    the waiting message then never got the lock: its request hung."""
    dead, alive = redis_lock_stores(2)
    conversation = f"lock-{uuid.uuid4().hex}"
    dead.issue_ticket(conversation, lock_lifetime=1.5)  # never cleaned up: its server died
    started = time.monotonic()

    async def take() -> float:
        async with alive.lock(conversation, lock_lifetime=1.0, wait_time_in_seconds=0.05):
            return time.monotonic() - started

    waited = await asyncio.wait_for(take(), timeout=10)
    assert 1.4 < waited < 3.0
    assert alive.get_lock(conversation) is None


def test_an_unreachable_redis_is_a_clear_error() -> None:
    port = free_port()
    with pytest.raises(ConnectionError, match=f"redis://127.0.0.1:{port}"):
        SafeRedisLockStore(
            host="127.0.0.1", port=port, password="not-logged-4f9c2", connect_timeout=0.5
        )
