"""Conversation storage: Rasa's SQL tracker store made to forget, and a safe Redis lock.

Conversations are health data. :class:`PrivateSQLTrackerStore` (``endpoints.yml``:
``tracker_store: type: bot.tracker_store.PrivateSQLTrackerStore``, with the same keys as
Rasa's ``SQL`` store) differs from Rasa's in three ways:

- **Erasure.** When it saves a conversation whose unsaved events include the action
  ``action_forget_me`` (the patient said "forget me"), it deletes every stored event of
  that sender, from every session, instead of saving: nothing of the conversation, the
  request included, is kept. The next message starts a new conversation.
- **No server exit on odd ids.** Rasa's store turns any ``ValueError`` raised while it
  talks to the database into "schema not found" and exits the whole server; a sender id
  the database cannot encode (a lone UTF-16 surrogate, or NUL with PostgreSQL) raised
  one. Here such an error fails only that message.
- **A clear start-up error.** Rasa retries an unreachable database every 5 seconds,
  forever; this store waits at most ``connect_timeout`` seconds (default 30) and then
  stops start-up with an error naming the database (password masked).

It works with every database Rasa's store does; the project tests SQLite and PostgreSQL.

With several Rasa servers, :class:`SafeRedisLockStore` (``lock_store: type:
bot.tracker_store.SafeRedisLockStore``, same keys as Rasa's ``redis``) makes sure the
messages of one conversation are handled one at a time. Rasa 3.6's ``RedisLockStore``
reads, changes and writes its ticket queue in separate Redis calls, so two servers taking
a message of the same conversation at the same moment can both hold the lock, and the
later save then drops the other's turn (RasaHQ/rasa#9213; the fix, #11256, was reverted
from the open-source line). Here every change to the queue is one Redis transaction, and
an unreachable Redis stops start-up after ``connect_timeout`` seconds, naming it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.tracker_store import (
    SQLTrackerStore,
    create_engine_kwargs,
    ensure_schema_exists,
    validate_port,
)
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.utils.cli import print_error_and_exit

if TYPE_CHECKING:
    from rasa.core.brokers.broker import EventBroker
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)
T = TypeVar("T")

FORGET_ACTION = "action_forget_me"
DEFAULT_CONNECT_SECONDS = 30.0
RETRY_SECONDS = 1.0


def masked(url: str | sa.engine.url.URL) -> str:
    """``url`` with its password hidden, for messages."""
    return repr(sa.engine.url.make_url(url))


def wait_for_database(url: str | sa.engine.url.URL, timeout: float) -> None:
    """Return once the database at ``url`` accepts a connection.

    Args:
        url: the SQLAlchemy URL.
        timeout: seconds to keep trying (a file database is tried once).

    Raises:
        ConnectionError: the database did not answer in time; names it.
    """
    engine = sa.create_engine(url, **create_engine_kwargs(url))
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with engine.connect():
                    return
            except sa.exc.SQLAlchemyError as error:
                if engine.dialect.name == "sqlite" or time.monotonic() >= deadline:
                    reason = str(getattr(error, "orig", error)).strip()
                    raise ConnectionError(
                        f"Cannot open the conversation database {masked(url)}: {reason}"
                    ) from None
                logger.warning("Waiting for the conversation database %s...", masked(url))
                time.sleep(RETRY_SECONDS)
    finally:
        engine.dispose()


def asks_to_forget(events: Iterable[Event], action: str = FORGET_ACTION) -> bool:
    """Whether ``events`` include running the erasure action."""
    return any(isinstance(e, ActionExecuted) and e.action_name == action for e in events)


class PrivateSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store that erases a conversation when the patient asks."""

    forget_action = FORGET_ACTION

    def __init__(
        self,
        domain: Domain | None = None,
        dialect: str = "sqlite",
        host: str | None = None,
        port: int | str | None = None,
        db: str = "rasa.db",
        username: str | None = None,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        login_db: str | None = None,
        query: dict[str, Any] | None = None,
        connect_timeout: float | str = DEFAULT_CONNECT_SECONDS,
        **kwargs: Any,
    ) -> None:
        """Connect (waiting at most ``connect_timeout`` seconds) and create the table.

        The arguments are those of Rasa's ``SQLTrackerStore`` (``host`` may be a whole
        URL), plus ``connect_timeout``.
        """
        url = self.get_db_url(
            dialect, host, validate_port(port), db, username, password, login_db, query
        )
        wait_for_database(url, float(connect_timeout))
        super().__init__(
            domain,
            dialect,
            host,
            port,
            db,
            username,
            password,
            event_broker,
            login_db,
            query,
            **kwargs,
        )

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        """A database session; unlike Rasa's, a ``ValueError`` does not exit the server."""
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as missing:
                print_error_and_exit(
                    f"The PostgreSQL schema '{missing}' (POSTGRESQL_SCHEMA) does not exist."
                )
            yield session
        finally:
            session.close()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events of ``tracker``, or erase it all if it asks to be forgotten."""
        with self.session_scope() as session:
            unsaved = list(self._additional_events(session, tracker))
        if asks_to_forget(unsaved, self.forget_action):
            removed = await self.delete(tracker.sender_id)
            logger.info("Erased a conversation on request (%d events).", removed)
            return
        await super().save(tracker)

    async def delete(self, sender_id: str) -> int:
        """Delete every stored event of ``sender_id``; the number deleted."""
        with self.session_scope() as session:
            removed = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return int(removed)


# what a lock change does with the stored queue
KEEP, SAVE, DELETE = "keep", "save", "delete"
LockChange = Callable[[TicketLock | None], tuple[str, TicketLock | None, T]]


class SafeRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with every change of a ticket queue made atomic.

    Each read-change-write runs in a Redis transaction (``WATCH``/``MULTI``) that is
    retried when another server changed the queue in between.
    """

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        connect_timeout: float | str = DEFAULT_CONNECT_SECONDS,
        **kwargs: Any,
    ) -> None:
        """Connect to Redis, waiting at most ``connect_timeout`` seconds.

        Args:
            endpoint_config: what Rasa passes from endpoints.yml (``url``, ``port``,
                ``password``, ``db``, ``key_prefix``...).
            connect_timeout: seconds to wait for Redis before stopping start-up.
            kwargs: the arguments of Rasa's ``RedisLockStore``.

        Raises:
            ConnectionError: Redis did not answer in time; names it.
        """
        import redis

        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
            connect_timeout = kwargs.pop("connect_timeout", connect_timeout)
        kwargs.pop("type", None)
        super().__init__(**kwargs)
        where = f"redis://{kwargs.get('host') or 'localhost'}:{kwargs.get('port') or 6379}"
        deadline = time.monotonic() + float(connect_timeout)
        while True:
            try:
                self.red.ping()
                return
            except redis.RedisError as error:
                if time.monotonic() >= deadline:
                    raise ConnectionError(f"Cannot reach the lock store {where}: {error}") from None
                logger.warning("Waiting for the lock store %s...", where)
                time.sleep(RETRY_SECONDS)

    def _change(self, conversation_id: str, change: LockChange[T]) -> T:
        """Apply ``change`` to the stored queue of ``conversation_id`` atomically."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    action, changed, result = change(lock)
                    pipe.multi()
                    if action == SAVE and changed is not None:
                        pipe.set(key, changed.dumps())
                    elif action == DELETE:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the queue: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Queue a new ticket for ``conversation_id``; its number."""

        def issue(lock: TicketLock | None) -> tuple[str, TicketLock | None, int]:
            lock = lock or self.create_lock(conversation_id)
            return SAVE, lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets from the queue of ``conversation_id``."""

        def expire(lock: TicketLock | None) -> tuple[str, TicketLock | None, None]:
            if lock is None:
                return KEEP, None, None
            lock.remove_expired_tickets()
            return SAVE, lock, None

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove ``ticket_number`` from the queue of ``conversation_id``."""

        def finish(lock: TicketLock | None) -> tuple[str, TicketLock | None, None]:
            if lock is None:
                return KEEP, None, None
            lock.remove_ticket_for(ticket_number)
            return SAVE, lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove ``ticket_number``, and the queue itself when no one else waits."""

        def clean(lock: TicketLock | None) -> tuple[str, TicketLock | None, None]:
            if lock is None:
                return KEEP, None, None
            lock.remove_ticket_for(ticket_number)
            return (SAVE if lock.is_someone_waiting() else DELETE), lock, None

        self._change(conversation_id, clean)
