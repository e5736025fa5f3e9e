"""Conversation storage: Rasa's SQL tracker store, made to forget and to fail loudly.

Conversations are health data. :class:`PrivateSQLTrackerStore` (``endpoints.yml``:
``tracker_store: type: bot.rasa.tracker_store.PrivateSQLTrackerStore``, with the same keys as
Rasa's ``SQL`` store) differs from Rasa's in these ways:

- **Erasure.** When it saves a conversation whose unsaved events include the action
  ``action_forget_me`` (the patient said "forget me"), it deletes every stored event of
  that sender, from every session, instead of saving: nothing of the conversation, the
  request included, is kept. It then reads the database again and counts an erasure that
  left any event as failed. The next message starts a new conversation.
- **No silent loss.** Rasa wraps every store in its ``FailSafeTrackerStore``, which logs a
  failed save and keeps the turn in memory only (lost at the next message or restart).
  This store never lets a failure reach it: a conversation it cannot read, save or erase
  is reported to the channel handling the message (:mod:`bot.save_report`), which tells
  the patient (:mod:`bot.channels.delivery`); a conversation that could not be read is
  not saved either (Rasa would have started it afresh and the two would mix); and
  :func:`can_save`, the readiness check, fails until a trial write succeeds again.
- **No server exit on odd ids.** Rasa's store turns any ``ValueError`` raised while it
  talks to the database into "schema not found" and exits the whole server; a sender id
  the database cannot encode (a lone UTF-16 surrogate, or NUL with PostgreSQL) raised
  one. Here such an error fails only that message.
- **A clear start-up error.** Rasa retries an unreachable database every 5 seconds,
  forever; this store waits at most ``connect_timeout`` seconds (default 30) and then
  stops start-up with an error naming the database (password masked).
- **Speed.** Rasa's store reads and replays every event of a conversation on each message,
  and counts them again (twice here, with erasure) before it saves. This one keeps the
  trackers it saved in memory (:mod:`bot.rasa.tracker_cache`, ``cache_size``
  conversations, default 1000) and checks with one indexed query that the database still
  matches them; it writes new events in one transaction. It hands out only a long
  conversation's last turns, with its slot values (:mod:`bot.rasa.tracker_tail`), so a
  message costs the same at turn 400 as at turn 10; the database keeps the whole
  conversation. PostgreSQL
  connections are checked before each use, so no message fails on one that a restart of
  the database closed. SQLite files use a write-ahead log with ``synchronous=NORMAL`` (a
  crash of the server loses nothing; a power cut can lose the last messages), overwrite
  deleted rows (``secure_delete``) and keep their connections open.

It works with every database Rasa's store does; the project tests SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import time
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    FailSafeTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    ensure_schema_exists,
    validate_port,
)
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.cli import print_error_and_exit

from bot import save_report
from bot.rasa.tracker_cache import DEFAULT_SIZE, Stamp, TrackerCache
from bot.rasa.tracker_tail import recent_part

if TYPE_CHECKING:
    from rasa.core.brokers.broker import EventBroker
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

FORGET_ACTION = "action_forget_me"
DEFAULT_CONNECT_SECONDS = 30.0
RETRY_SECONDS = 1.0
PROBE_SENDER = "probe:readiness"  # the trial write of can_save, always rolled back


class ErasureError(RuntimeError):
    """Events of a conversation were still stored after it was erased."""


def reason(error: BaseException) -> str:
    """What went wrong, for the log: the driver's message, without SQL or parameters."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:200]}" if lines else type(error).__name__


def unwrapped(store: TrackerStore) -> TrackerStore:
    """The store Rasa's agent holds, without Rasa's wrappers (fail-safe, awaitable)."""
    while isinstance(store, (FailSafeTrackerStore, AwaitableTrackerStore)):
        store = store._tracker_store
    return store


async def can_save(store: TrackerStore) -> bool:
    """Whether ``store``, as Rasa's agent holds it (wrapped), can save conversations now."""
    store = unwrapped(store)
    return await store.can_save() if isinstance(store, PrivateSQLTrackerStore) else True


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


def tune(engine: sa.engine.Engine) -> sa.engine.Engine:
    """An engine for the same database, tuned: ``engine`` is disposed of.

    A SQLite file gets a write-ahead log and pooled connections (SQLite in memory is
    returned unchanged). Other databases check each pooled connection before use, so the
    first message after the database restarted does not fail on a connection it closed.
    """
    url = engine.url
    if engine.dialect.name != "sqlite":
        engine.dispose()
        return sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
    if engine.url.database in (None, "", ":memory:"):
        return engine
    engine.dispose()
    tuned = sa.create_engine(
        url,
        poolclass=sa.pool.QueuePool,
        pool_size=4,
        connect_args={"check_same_thread": False},  # a pooled connection may change thread
    )

    def pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")  # erased conversations are overwritten
        cursor.close()

    sa.event.listen(tuned, "connect", pragmas)
    return tuned


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
        cache_size: int | str = DEFAULT_SIZE,
        **kwargs: Any,
    ) -> None:
        """Connect (waiting at most ``connect_timeout`` seconds) and create the table.

        The arguments are those of Rasa's ``SQLTrackerStore`` (``host`` may be a whole
        URL), plus ``connect_timeout`` and ``cache_size`` (conversations kept in memory;
        0 reads every message's conversation from the database).
        """
        self._cache = TrackerCache(int(cache_size))
        self._failing = False  # the last read or write failed (see can_save)
        self._unread: set[str] = set()  # conversations whose last read failed
        # events in the tracker last handed out for each conversation (its recent part)
        self._handed_out: dict[str, int] = {}
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
        self.engine: sa.engine.Engine = tune(self.engine)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        events = self.SQLEvent.__table__
        self._stamp_query = sa.select(
            sa.func.count(events.c.id), sa.func.max(events.c.id), sa.func.max(events.c.timestamp)
        ).where(events.c.sender_id == sa.bindparam("sender_id"))

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

    def _stamp(self, session: Session, sender_id: str) -> Stamp:
        """How many events the database holds for ``sender_id``, the newest, the latest time."""
        rows, last_id, last_time = session.execute(
            self._stamp_query, {"sender_id": sender_id}
        ).one()
        return Stamp(int(rows), last_id, last_time)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The latest session of ``sender_id``: from memory if the database still matches.

        A conversation that cannot be read is reported and comes back as None (Rasa then
        starts a new one, which :meth:`save` refuses to store).
        """
        try:
            with self.session_scope() as session:
                snapshot = self._cache.get(sender_id, self._stamp(session, sender_id))
            tracker = snapshot.tracker() if snapshot else await super().retrieve(sender_id)
            if tracker is not None:
                tracker = recent_part(tracker)
                self._handed_out[sender_id] = len(tracker.events)
        except Exception as error:
            self._cache.drop(sender_id)
            self._handed_out.pop(sender_id, None)
            self._unread.add(sender_id)
            self._failing = True
            logger.error("Could not read a conversation (%s).", reason(error))
            save_report.record_failure(None)
            return None
        self._unread.discard(sender_id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events of ``tracker``, or erase it all if it asks to be forgotten.

        A failure is logged and reported, never raised: raised, it would reach Rasa's
        ``FailSafeTrackerStore``, which keeps the conversation in memory instead.
        """
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        handed_out = self._handed_out.pop(sender_id, None)
        if sender_id in self._unread:  # Rasa started it afresh: do not mix it with the stored
            save_report.record_failure(tracker, asks_to_forget(tracker.events, self.forget_action))
            return
        erasure = False
        saved: Stamp | None = None
        try:
            with self.session_scope() as session:
                stamp = self._stamp(session, sender_id)
                snapshot = self._cache.get(sender_id, stamp)
                if handed_out is not None:  # the events the tracker came with are stored
                    stored = handed_out
                elif snapshot is not None:
                    stored = snapshot.events
                else:
                    stored = self._event_query(session, sender_id, False).count()
                unsaved = list(itertools.islice(tracker.events, stored, None))
                erasure = asks_to_forget(unsaved, self.forget_action)
                if erasure:
                    self._erase(session, sender_id)
                else:
                    saved = self._insert(session, sender_id, stamp, unsaved)
        except Exception as error:
            self._cache.drop(sender_id)
            self._failing = True
            what = "erase" if erasure else "save"
            logger.error("Could not %s a conversation (%s).", what, reason(error))
            save_report.record_failure(tracker, erasure)
            return
        except BaseException:  # cancelled: what was written is unknown
            self._cache.drop(sender_id)
            raise
        self._failing = False
        if saved is not None:
            self._cache.put(sender_id, saved, tracker)
        await save_report.saved()

    def _insert(self, session: Session, sender_id: str, stamp: Stamp, events: list[Event]) -> Stamp:
        """Write ``events`` after the ``stamp`` rows of ``sender_id``; the new stamp."""
        rows = [self._row(sender_id, event) for event in events]
        if rows:
            session.execute(self.SQLEvent.__table__.insert(), rows)
        times = [row["timestamp"] for row in rows] + [stamp.last_time]
        saved = Stamp(
            stamp.rows + len(rows),  # counted, so rows added meanwhile show up
            self._stamp(session, sender_id).last_id if rows else stamp.last_id,
            max((t for t in times if t is not None), default=None),
        )
        session.commit()
        return saved

    def _erase(self, session: Session, sender_id: str) -> None:
        """Delete every event of ``sender_id``, then check in a new session that none is left."""
        removed = self._delete(session, sender_id)
        with self.session_scope() as check:
            left = self._stamp(check, sender_id).rows
        if left:
            raise ErasureError(f"{left} events were still stored after the erasure")
        logger.info("Erased a conversation on request (%d events).", removed)

    async def can_save(self) -> bool:
        """Whether conversations can be saved now.

        Yes, unless the last read or write failed and a trial write (rolled back) fails
        too.
        """
        if not self._failing:
            return True
        try:
            with self.session_scope() as session:
                row = self._row(PROBE_SENDER, ActionExecuted("action_listen"))
                session.execute(self.SQLEvent.__table__.insert(), [row])
                session.rollback()
        except Exception as error:
            logger.warning("The conversation database still cannot be written (%s).", reason(error))
            return False
        self._failing = False
        return True

    @staticmethod
    def _row(sender_id: str, event: Event) -> dict[str, Any]:
        """The table row of ``event`` (the columns Rasa's store fills)."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    async def delete(self, sender_id: str) -> int:
        """Delete every stored event of ``sender_id``; the number deleted."""
        with self.session_scope() as session:
            return self._delete(session, sender_id)

    def _delete(self, session: Session, sender_id: str) -> int:
        self._cache.drop(sender_id)
        removed = (
            session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == sender_id)
            .delete(synchronize_session=False)
        )
        session.commit()
        return int(removed)
