"""Sessions expire after an hour idle and carry no slot into the next one."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.launch.settings import PROJECT_DIR
from harness.servers import BotServers
from tests.reliability.client import rest_conversation, say, stored_events


def test_the_domain_expires_idle_sessions_without_carrying_slots() -> None:
    config = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())["session_config"]
    assert config == {"session_expiration_time": 60, "carry_over_slots_to_new_session": False}


def age_conversation(db: Path, sender: str, seconds: float) -> None:
    """Move every stored event of ``sender`` ``seconds`` into the past."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT id, timestamp, data FROM events WHERE sender_id = ?", (sender,)
        ).fetchall()
        for row_id, stamp, data in rows:
            event = json.loads(data)
            event["timestamp"] = event["timestamp"] - seconds
            connection.execute(
                "UPDATE events SET timestamp = ?, data = ? WHERE id = ?",
                (stamp - seconds, json.dumps(event), row_id),
            )


@pytest.mark.e2e
def test_an_idle_session_ends_and_its_topic_is_forgotten(
    bot: BotServers, tracker_db: Path, sender: Callable[[], str]
) -> None:
    me = sender()
    assert "Tell me more" in json.dumps(say(bot.rasa_url, me, "how does it work?").body)
    age_conversation(tracker_db, rest_conversation(me), 61 * 60)
    assert "IMPDH2" not in say(bot.rasa_url, me, "tell me more").texts
    events = stored_events(tracker_db, rest_conversation(me))
    starts = [i for i, e in enumerate(events) if e.type_name == "session_started"]
    assert len(starts) == 2
    new_session = events[starts[-1] :]
    first_message = next(i for i, e in enumerate(new_session) if e.type_name == "user")
    assert not [e for e in new_session[:first_message] if e.type_name == "slot"], (
        "slots were carried into the new session"
    )
