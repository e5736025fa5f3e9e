"""Which messages were seen already, kept where the conversations are.

A platform sends a message again when it did not get its 200 in time, and anyone who
captured a signed request can send it again. Kept in memory, the ids of messages seen
would be forgotten on every restart and differ between servers, so a replay after a
deploy would be answered twice. :class:`SqlSeenIds` keeps them in the tracker store's
own database (SQLite, or the PostgreSQL several servers share), in a table of its own:
only a digest of each key (no message id, phone number or chat id is stored), with the
time it was first seen, kept for :data:`KEEP_SECONDS`.

When the conversations are not in SQL (an in-memory store), or the database fails, the
server's memory (:class:`bot.channels.memory.RecentIds`) answers instead: a message is
never dropped because the database is down.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Protocol

import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore

from bot.channels.memory import RecentIds
from bot.rasa.tracker_store import reason, unwrapped

logger = logging.getLogger(__name__)

TABLE = "seen_messages"
KEEP_SECONDS = 7 * 24 * 3600  # longer than any platform goes on resending (Telegram: 24 h)
PRUNE_EVERY = 1000  # inserts between two removals of keys older than KEEP_SECONDS

_metadata = sa.MetaData()
_table = sa.Table(
    TABLE,
    _metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("seen_at", sa.Float, nullable=False, index=True),
)


def digest(channel: str, key: str) -> str:
    """The stored form of a channel's message key: a SHA-256, nothing readable."""
    return hashlib.sha256(f"{channel}\0{key}".encode()).hexdigest()


class SeenIds(Protocol):
    """Records message keys; says whether a key is new."""

    def first_time(self, channel: str, key: str) -> bool:
        """Record ``key`` of ``channel``; True unless it was seen already."""


class MemorySeenIds:
    """Keys seen by this server process since it started (bounded)."""

    def __init__(self) -> None:
        self._recent = RecentIds()

    def first_time(self, channel: str, key: str) -> bool:
        """Record ``key`` of ``channel`` in memory; True unless it was seen already."""
        return self._recent.first_time(digest(channel, key))


class SqlSeenIds:
    """Keys seen by any server on the same database, kept :data:`KEEP_SECONDS`."""

    def __init__(self, engine: sa.engine.Engine, keep_seconds: float = KEEP_SECONDS) -> None:
        self.engine = engine
        self.keep_seconds = keep_seconds
        self._memory = MemorySeenIds()  # while the database fails
        self._inserts = 0
        try:
            _metadata.create_all(engine, tables=[_table], checkfirst=True)
        except sa.exc.SQLAlchemyError as error:  # another server creating it at once, say
            logger.warning("Could not create the %s table (%s).", TABLE, reason(error))

    def first_time(self, channel: str, key: str) -> bool:
        """Record ``key`` of ``channel`` in the database; True unless it was there.

        If the database fails, the server's memory decides (and the failure is logged).
        """
        row = {"digest": digest(channel, key), "seen_at": time.time()}
        try:
            with self.engine.begin() as connection:
                connection.execute(_table.insert(), [row])
        except sa.exc.IntegrityError:
            return False
        except sa.exc.SQLAlchemyError as error:
            logger.warning(
                "Could not record a message as seen (%s); kept in memory.", reason(error)
            )
            return self._memory.first_time(channel, key)
        self._inserts += 1
        if self._inserts % PRUNE_EVERY == 0:
            self.prune()
        return True

    def prune(self) -> int:
        """Forget keys older than :attr:`keep_seconds`; how many were removed."""
        cutoff = time.time() - self.keep_seconds
        try:
            with self.engine.begin() as connection:
                removed = connection.execute(_table.delete().where(_table.c.seen_at < cutoff))
        except sa.exc.SQLAlchemyError as error:
            logger.warning("Could not forget old seen messages (%s).", reason(error))
            return 0
        return int(removed.rowcount or 0)


_by_engine: dict[int, SqlSeenIds] = {}


def for_store(store: TrackerStore | None) -> SeenIds:
    """Where the server's conversations are kept decides where seen keys are kept.

    One :class:`SqlSeenIds` per database engine, shared by every channel.
    """
    inner = unwrapped(store) if store is not None else None
    engine = getattr(inner, "engine", None)
    if not isinstance(engine, sa.engine.Engine):
        return _memory
    if id(engine) not in _by_engine:
        _by_engine[id(engine)] = SqlSeenIds(engine)
    return _by_engine[id(engine)]


_memory = MemorySeenIds()
