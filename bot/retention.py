"""Delete conversations nobody has touched for a given number of days.

Usage: ``python -m bot.retention --days N [--db-url URL] [--dry-run]``.

A conversation (every stored event of one sender, all sessions) is deleted when its
newest event is older than N days. ``--days`` defaults to ``RETENTION_DAYS``; the
database defaults to ``TRACKER_DB_URL`` or else the SQLite file of ``TRACKER_DB`` (the
one ``make run`` uses). Run it daily, e.g. from cron or a Kubernetes CronJob.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from bot.launch.settings import Settings

DAYS_VARIABLE = "RETENTION_DAYS"
URL_VARIABLE = "TRACKER_DB_URL"
BATCH = 500  # senders per DELETE statement (SQLite allows 999 parameters)
_EVENTS = sa.table(
    "events",
    sa.column("sender_id", sa.String),
    sa.column("timestamp", sa.Float),
)


@dataclass(frozen=True)
class Purge:
    """What a retention run found (and deleted unless it was a dry run)."""

    conversations: int
    events: int


def default_url(env: Mapping[str, str] = os.environ) -> str:
    """``TRACKER_DB_URL``, or the SQLite file of ``TRACKER_DB``."""
    return env.get(URL_VARIABLE) or f"sqlite:///{Settings.from_env(env).tracker_db}"


def expired_senders(connection: sa.engine.Connection, cutoff: float) -> list[str]:
    """Senders whose newest event is older than ``cutoff`` (a Unix time)."""
    newest = sa.func.max(_EVENTS.c.timestamp)
    query = sa.select(_EVENTS.c.sender_id).group_by(_EVENTS.c.sender_id).having(newest < cutoff)
    return [row[0] for row in connection.execute(query)]


def purge(url: str, days: float, dry_run: bool = False, now: float | None = None) -> Purge:
    """Delete the conversations at ``url`` idle for more than ``days`` days.

    Args:
        url: the tracker store's SQLAlchemy URL.
        days: the retention period; must be positive.
        dry_run: count only, delete nothing.
        now: the current Unix time (for tests).

    Returns:
        How many conversations and events were (or would be) deleted.
    """
    if days <= 0:
        raise ValueError("days must be positive")
    cutoff = (time.time() if now is None else now) - days * 86_400
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table("events"):
                return Purge(0, 0)  # no conversation stored yet
            senders = expired_senders(connection, cutoff)
            events = 0
            for start in range(0, len(senders), BATCH):
                batch = _EVENTS.c.sender_id.in_(senders[start : start + BATCH])
                if dry_run:
                    count = sa.select(sa.func.count()).select_from(_EVENTS).where(batch)
                    events += int(connection.execute(count).scalar_one())
                else:
                    events += connection.execute(sa.delete(_EVENTS).where(batch)).rowcount
            return Purge(len(senders), events)
    finally:
        engine.dispose()


def _days(env: Mapping[str, str]) -> float | None:
    raw = env.get(DAYS_VARIABLE, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"{DAYS_VARIABLE} must be a number of days, got '{raw}'") from None


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] = os.environ) -> int:
    """Command-line entry point; prints what was deleted."""
    parser = argparse.ArgumentParser(prog="python -m bot.retention", description=__doc__)
    parser.add_argument(
        "--days", type=float, default=_days(env), help=f"retention in days [{DAYS_VARIABLE}]"
    )
    parser.add_argument("--db-url", default=None, help=f"SQLAlchemy URL [{URL_VARIABLE}]")
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    args = parser.parse_args(argv)
    if args.days is None:
        parser.error(f"give --days or set {DAYS_VARIABLE}")
    if args.days <= 0:
        parser.error("--days must be positive")
    url = args.db_url or default_url(env)
    try:
        result = purge(url, args.days, dry_run=args.dry_run)
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip()
        print(f"Cannot purge {sa.engine.url.make_url(url)!r}: {reason}", file=sys.stderr)
        return 1
    verb = "Would delete" if args.dry_run else "Deleted"
    print(
        f"{verb} {result.conversations} conversation(s), {result.events} event(s), "
        f"idle for more than {args.days:g} days."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
