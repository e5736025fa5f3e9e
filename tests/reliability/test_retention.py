"""``python -m bot.retention``: conversations idle for longer than N days are deleted."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain

from bot import retention
from bot.launch.settings import PROJECT_DIR
from bot.rasa.tracker_store import PrivateSQLTrackerStore
from tests.reliability.services import require_postgres

DAY = 86_400
NOW = time.time()
# sender -> ages of its events in days (its newest event decides)
CONVERSATIONS = {
    "idle-40-days": [45, 41, 40],
    "idle-31-days": [31],
    "long-but-active": [400, 100, 1],
    "today": [0],
}


def build(url: str, senders: dict[str, list[int]] = CONVERSATIONS) -> None:
    """A tracker database (Rasa's table) holding ``senders``' events at the given ages."""
    PrivateSQLTrackerStore(Domain.empty(), host=url)  # creates the table as Rasa does
    events = sa.table(
        "events",
        sa.column("sender_id"),
        sa.column("type_name"),
        sa.column("timestamp"),
        sa.column("data"),
    )
    with sa.create_engine(url).begin() as connection:
        connection.execute(sa.delete(events).where(events.c.sender_id.in_(list(senders))))
        for sender, ages in senders.items():
            for age in ages:
                stamp = NOW - age * DAY
                connection.execute(
                    sa.insert(events).values(
                        sender_id=sender, type_name="user", timestamp=stamp, data="{}"
                    )
                )


def senders(url: str) -> set[str]:
    with sa.create_engine(url).connect() as connection:
        return {row[0] for row in connection.execute(sa.text("SELECT sender_id FROM events"))}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    build(url)
    return url


def test_idle_conversations_go_whole_and_active_ones_stay_whole(sqlite_url: str) -> None:
    assert retention.purge(sqlite_url, days=30, dry_run=True, now=NOW) == retention.Purge(2, 4)
    assert senders(sqlite_url) == set(CONVERSATIONS)
    assert retention.purge(sqlite_url, days=30, now=NOW) == retention.Purge(2, 4)
    assert senders(sqlite_url) == {"long-but-active", "today"}
    with sa.create_engine(sqlite_url).connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
    assert count == 4  # all three events of the long conversation are kept


def test_a_shorter_period_deletes_more(sqlite_url: str) -> None:
    assert retention.purge(sqlite_url, days=0.5, now=NOW).conversations == 3
    assert senders(sqlite_url) == {"today"}


def test_a_database_without_conversations(tmp_path: Path) -> None:
    assert retention.purge(f"sqlite:///{tmp_path / 'empty.db'}", days=1) == retention.Purge(0, 0)


def test_many_conversations_are_deleted_in_batches(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    build(url, {f"old-{i}": [90] for i in range(1_200)} | {"new": [0]})
    assert retention.purge(url, days=30, now=NOW) == retention.Purge(1_200, 1_200)
    assert senders(url) == {"new"}


def test_postgresql(tmp_path: Path) -> None:
    url = require_postgres().postgres_url
    build(url)
    try:
        result = retention.purge(url, days=30, now=NOW)
        assert result.conversations >= 2
        assert set(CONVERSATIONS) & senders(url) == {"long-but-active", "today"}
    finally:
        build(url, {sender: [] for sender in CONVERSATIONS})  # remove what the test added


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.retention", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command(sqlite_url: str) -> None:
    done = run("--days", "30", "--db-url", sqlite_url, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "Would delete 2 conversation(s), 4 event(s)" in done.stdout
    done = run("--db-url", sqlite_url, env={"RETENTION_DAYS": "30", "PATH": "/usr/bin"})
    assert done.returncode == 0 and "Deleted 2 conversation(s)" in done.stdout
    assert senders(sqlite_url) == {"long-but-active", "today"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give --days or set RETENTION_DAYS"),
        (("--days", "0"), "--days must be positive"),
        (("--days", "ten"), "invalid float value"),
    ],
)
def test_the_command_refuses_a_missing_or_bad_period(
    sqlite_url: str, args: tuple[str, ...], message: str
) -> None:
    done = run(*args, "--db-url", sqlite_url, env={"PATH": "/usr/bin"})
    assert done.returncode == 2 and message in done.stderr
    assert senders(sqlite_url) == set(CONVERSATIONS)


def test_the_command_names_a_database_it_cannot_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}"
    done = run("--days", "30", "--db-url", url)
    assert done.returncode == 1 and "no-such-folder" in done.stderr
