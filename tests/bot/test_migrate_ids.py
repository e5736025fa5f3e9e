"""bot/migrate_ids.py: conversations stored before the namespaces move into their channel's."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot import migrate_ids
from bot.identity import SECRET_VARIABLE, Identities
from bot.rasa.tracker_store import PrivateSQLTrackerStore

SECRET = "m" * 32
# (stored id, channel of each user message; None: a bot event only)
STORED = [
    ("123", ["telegram", "rest"]),  # a REST client wrote into the chat later: it stays Telegram
    ("+15551230010", ["twilio"]),
    ("U024BE7LH", ["slack"]),
    ("2290437487716951", ["facebook"]),
    ("script-1", ["rest"]),
    ("5f0c" * 8, ["socketio"]),
    ("no-message", [None]),
    ("rest:already", ["rest"]),
]


def make_db(path: Path) -> str:
    """Rasa's events table (as the tracker store makes it) holding :data:`STORED`."""
    url = f"sqlite:///{path}"
    PrivateSQLTrackerStore(host=url).engine.dispose()
    with sqlite3.connect(path) as connection:
        for sender, channels in STORED:
            for channel in channels:
                kind = "bot" if channel is None else "user"
                data = {"event": kind, "input_channel": channel, "text": "hello"}
                connection.execute(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) "
                    "VALUES (?, ?, 1, ?)",
                    (sender, kind, json.dumps(data)),
                )
    return url


def senders(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return sorted({r[0] for r in connection.execute("SELECT sender_id FROM events")})


def test_each_conversation_moves_to_the_namespace_of_its_first_message(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    identities = Identities(SECRET)
    result = migrate_ids.migrate(make_db(db), identities)
    assert result == migrate_ids.Migration(renamed=5, left=2)
    assert senders(db) == sorted(
        [
            "telegram:123",
            identities.hashed("twilio", "+15551230010"),
            "slack:U024BE7LH",
            "facebook:2290437487716951",
            "rest:script-1",
            "5f0c" * 8,  # a widget session: no browser holds a token for it
            "no-message",
            "rest:already",
        ]
    )
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM events").fetchone()[0] == 9
    assert "+15551230010" not in db.read_bytes().decode("utf-8", "replace")
    assert migrate_ids.migrate(f"sqlite:///{db}", identities).renamed == 0, "idempotent"


def test_a_dry_run_counts_and_renames_nothing(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    url = make_db(db)
    before = senders(db)
    assert migrate_ids.migrate(url, Identities(SECRET), dry_run=True).renamed == 5
    assert senders(db) == before


def test_an_empty_database_has_nothing_to_move(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert migrate_ids.migrate(url, Identities(SECRET)) == migrate_ids.Migration(0, 0)


def test_the_command_uses_the_servers_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    url = make_db(db)
    env = {SECRET_VARIABLE: SECRET, "TRACKER_DB": str(db)}
    assert migrate_ids.main(["--db-url", url], env) == 0
    assert "Renamed 5 conversation(s)" in capsys.readouterr().out
    assert Identities(SECRET).hashed("twilio", "+15551230010") in senders(db)
    with pytest.raises(SystemExit, match=SECRET_VARIABLE):  # servers sharing it set theirs
        migrate_ids.main(["--db-url", "postgresql://x@127.0.0.1:1/x"], {"TRACKER_DB": str(db)})
