"""A Redis lock store that several Rasa servers can share without losing a turn.

With several Rasa servers, :class:`SafeRedisLockStore` (``lock_store: type:
bot.rasa.lock_store.SafeRedisLockStore``, same keys as Rasa's ``redis``) makes sure the
messages of one conversation are handled one at a time. Rasa 3.6's ``RedisLockStore``
reads, changes and writes its ticket queue in separate Redis calls, so two servers taking
a message of the same conversation at the same moment can both hold the lock, and the
later save then drops the other's turn (RasaHQ/rasa#9213; the fix, #11256, was reverted
from the open-source line). Here every change to the queue is one Redis transaction, and
an unreachable Redis stops start-up after ``connect_timeout`` seconds, naming it.

A server killed while it handles a message leaves its ticket in the queue until the
ticket expires (``TICKET_LOCK_LIFETIME``, 60 s). In Rasa, the ticket of the message
waiting behind it expires at about the same moment, both lifetimes being counted from
when they were issued, and a ticket gone from the queue is never served: that request
hung until its client gave up, and its number could be issued again to another message,
letting two hold the lock at once. Here a waiting ticket is kept alive by its server while
it waits, so its lifetime counts from when it is served, and one that still expired (its
server stalled longer than the lifetime) fails the message with a ``LockError`` instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

from bot.rasa.tracker_store import DEFAULT_CONNECT_SECONDS, RETRY_SECONDS

if TYPE_CHECKING:
    from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)
T = TypeVar("T")

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
        self._lifetimes: dict[tuple[str, int], float] = {}  # of the tickets this server holds
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
            ticket = self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        self._lifetimes[(conversation_id, ticket)] = lock_lifetime
        return ticket

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Wait until ``ticket`` is served, renewing its lifetime at every look.

        Expired tickets of others (a killed server's) are dropped meanwhile.

        Raises:
            LockError: the ticket expired before its turn (this server stalled longer
                than its lifetime) or the queue is gone.
        """
        lifetime = self._lifetimes.get((conversation_id, ticket), LOCK_LIFETIME)

        def renew(lock: TicketLock | None) -> tuple[str, TicketLock | None, TicketLock | None]:
            if lock is None:
                return KEEP, None, None
            lock.remove_expired_tickets()
            mine = next((t for t in lock.tickets if t.number == ticket), None)
            if mine is None:
                return SAVE, lock, None
            mine.expires = time.time() + lifetime
            return SAVE, lock, lock

        while True:
            lock = self._change(conversation_id, renew)
            if lock is None:
                raise LockError(
                    f"The lock ticket of a message of conversation '{conversation_id}' "
                    "expired before its turn."
                )
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)

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
        self._lifetimes.pop((conversation_id, ticket_number), None)

        def clean(lock: TicketLock | None) -> tuple[str, TicketLock | None, None]:
            if lock is None:
                return KEEP, None, None
            lock.remove_ticket_for(ticket_number)
            return (SAVE if lock.is_someone_waiting() else DELETE), lock, None

        self._change(conversation_id, clean)
