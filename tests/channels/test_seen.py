"""Seen message keys kept in the conversations' database: across restarts and servers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

from bot.channels import seen
from bot.channels.seen import TABLE, MemorySeenIds, SqlSeenIds, digest, for_store
from bot.rasa.tracker_store import PrivateSQLTrackerStore
from harness.servers import BotServers
from tests.channels import test_slack, test_telegram
from tests.channels.platforms import (
    SECRETS,
    FakePlatforms,
    as_json,
    has_disclaimer,
    post,
    slack_headers,
    webhook_url,
)
from tests.channels.test_slack import SECRET


def engine(path: Path) -> sa.engine.Engine:
    return sa.create_engine(f"sqlite:///{path}")


def test_a_key_is_new_only_the_first_time_per_channel(tmp_path: Path) -> None:
    ids = SqlSeenIds(engine(tmp_path / "c.db"))
    assert ids.first_time("telegram", "update:1")
    assert not ids.first_time("telegram", "update:1")
    assert ids.first_time("slack", "update:1")  # another channel's key is another key


def test_the_keys_outlive_the_process_and_are_shared(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    assert SqlSeenIds(engine(path)).first_time("slack", "event:Ev1")
    again = SqlSeenIds(engine(path))  # a restarted server, or a second one
    assert not again.first_time("slack", "event:Ev1")


def test_only_digests_are_stored(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    SqlSeenIds(engine(path)).first_time("twilio", "sid:SM123+15551230010")
    rows = sqlite3.connect(path).execute(f"SELECT digest FROM {TABLE}").fetchall()
    assert rows == [(digest("twilio", "sid:SM123+15551230010"),)]
    assert "5551230010" not in rows[0][0]


def test_old_keys_are_forgotten(tmp_path: Path) -> None:
    ids = SqlSeenIds(engine(tmp_path / "c.db"), keep_seconds=-1)  # everything is old
    ids.first_time("telegram", "update:1")
    assert ids.prune() == 1
    assert ids.first_time("telegram", "update:1")


def test_a_failing_database_falls_back_to_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.db"
    ids = SqlSeenIds(engine(path))
    sqlite3.connect(path).execute(f"DROP TABLE {TABLE}")
    assert ids.first_time("telegram", "update:9")  # answered, not dropped
    assert not ids.first_time("telegram", "update:9")  # and memory still drops the replay
    assert "Could not record a message as seen" in caplog.text
    assert "update:9" not in caplog.text


def test_a_database_that_cannot_be_opened_leaves_memory_to_decide(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ids = SqlSeenIds(engine(tmp_path / "no such folder" / "c.db"))
    assert "Could not create the seen_messages table" in caplog.text
    assert ids.first_time("telegram", "update:1")
    assert not ids.first_time("telegram", "update:1")


def test_the_store_follows_the_tracker_store(tmp_path: Path) -> None:
    store = PrivateSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"))
    chosen = for_store(FailSafeTrackerStore(store))
    assert isinstance(chosen, SqlSeenIds) and chosen.engine is store.engine
    assert for_store(store) is chosen  # one per database
    assert isinstance(for_store(InMemoryTrackerStore(None)), MemorySeenIds)  # type: ignore[arg-type]
    assert for_store(None) is seen._memory


# ------------------------------------------------------------ through the real webhooks


@pytest.fixture
def own_rasa(channel_bot: BotServers, tmp_path: Path) -> Iterator[tuple[BotServers, FakePlatforms]]:
    """A Rasa server of its own (it is restarted), on the channel bot's action server."""
    platforms = FakePlatforms().start()
    servers = BotServers.create(
        tmp_path, ACTION_PORT=str(channel_bot.settings.action_port), **SECRETS, **platforms.env()
    )
    try:
        servers.start_rasa()
        yield servers, platforms
    finally:
        servers.stop_all()
        platforms.stop()


@pytest.mark.e2e
def test_a_captured_request_sent_again_after_a_restart_is_not_answered_again(
    own_rasa: tuple[BotServers, FakePlatforms],
) -> None:
    channel_bot, platforms = own_rasa
    body = as_json(test_slack.dm_event("U301", "D301", "What are the side effects?"))
    captured = {"Content-Type": "application/json", **slack_headers(SECRET, body)}
    update = test_telegram.message(301, "What are the side effects?")
    slack_url = webhook_url(channel_bot.rasa_url, "slack")
    assert post(slack_url, body, captured).status == 200
    assert test_telegram.send(channel_bot, update).status == 200
    test_slack.settle(channel_bot, platforms, "U301", "D301")
    test_telegram.settle(channel_bot, platforms, 301)
    channel_bot.stop("rasa")
    channel_bot.start_rasa()
    assert post(slack_url, body, captured).status == 200  # within Slack's 5 minutes
    assert test_telegram.send(channel_bot, update).status == 200  # Telegram resending
    test_slack.settle(channel_bot, platforms, "U301", "D301")
    test_telegram.settle(channel_bot, platforms, 301)
    slack = platforms.messages("slack", "D301")
    assert sum(has_disclaimer([s]) for s in slack) == 1, slack
    assert sum(has_disclaimer([s]) for s in test_telegram.replies(platforms, 301)) == 1
