"""Move conversations stored before the channel namespaces into their channel's namespace.

Usage: ``python -m bot.migrate_ids [--db-url URL] [--dry-run]``. Run it once, with the Rasa
servers stopped, when upgrading from a version whose conversation ids were the platforms'
own (a phone number, a Telegram chat id) or whatever a REST or socket.io client sent.

Each conversation whose id has no namespace (:mod:`bot.identity`) is renamed after the
channel of its first message: ``telegram:<chat id>``, ``slack:<user id>``,
``facebook:<user id>``, ``rest:<sender>``, and ``twilio:<keyed hash of the number>``, so
the number leaves the database. The patient's next message then continues it, and
"forget me" erases it. Web widget conversations (``socketio``) stay as they were: the
server never issued a token for them, so no browser can resume them (the widget starts a
new session); retention deletes them in time, like any other. So do conversations
without a message.

The database defaults to ``TRACKER_DB_URL``, else the SQLite file of ``TRACKER_DB`` (as
for :mod:`bot.retention`); the identity secret is the Rasa servers' own
(``BOT_IDENTITY_SECRET``, else ``identity.key`` beside ``TRACKER_DB``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from bot.identity import TWILIO, Identities, conversation_id, load_secret, namespace_of
from bot.launch.settings import Settings
from bot.retention import default_url

# Rasa's input_channel of a message -> the namespace its conversation moves to
NAMESPACE_OF_CHANNEL = {
    "rest": "rest",
    "telegram": "telegram",
    "slack": "slack",
    "facebook": "facebook",
    "twilio": TWILIO,
}
_EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("data", sa.Text),
)


@dataclass(frozen=True)
class Migration:
    """What a run renamed (or would rename, on a dry run) and what it left as it was."""

    renamed: int
    left: int


def first_channels(connection: sa.engine.Connection) -> dict[str, str | None]:
    """Each conversation id without a namespace, and the channel of its first message."""
    query = sa.select(_EVENTS.c.sender_id, _EVENTS.c.type_name, _EVENTS.c.data).order_by(
        _EVENTS.c.id
    )
    found: dict[str, str | None] = {}
    for sender, kind, data in connection.execute(query):
        if namespace_of(sender) is not None:
            continue
        if found.get(sender) is None and kind == "user":
            found[sender] = str(json.loads(data or "{}").get("input_channel") or "") or None
        else:
            found.setdefault(sender, None)
    return found


def new_id(identities: Identities, sender: str, channel: str | None) -> str | None:
    """The conversation id ``sender`` takes, or None where it stays as it is."""
    namespace = NAMESPACE_OF_CHANNEL.get(channel or "")
    if namespace is None:
        return None
    if namespace == TWILIO:
        return identities.hashed(TWILIO, sender)
    return conversation_id(namespace, sender)


def migrate(url: str, identities: Identities, dry_run: bool = False) -> Migration:
    """Rename the conversations at ``url`` stored without a namespace (in one transaction)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table("events"):
                return Migration(0, 0)
            renamed = left = 0
            for sender, channel in first_channels(connection).items():
                target = new_id(identities, sender, channel)
                if target is None:
                    left += 1
                    continue
                renamed += 1
                if not dry_run:
                    connection.execute(
                        sa.update(_EVENTS)
                        .where(_EVENTS.c.sender_id == sender)
                        .values(sender_id=target)
                    )
            return Migration(renamed, left)
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] = os.environ) -> int:
    """Command-line entry point; prints what was renamed."""
    parser = argparse.ArgumentParser(prog="python -m bot.migrate_ids", description=__doc__)
    parser.add_argument("--db-url", default=None, help="SQLAlchemy URL [TRACKER_DB_URL]")
    parser.add_argument("--dry-run", action="store_true", help="count, rename nothing")
    args = parser.parse_args(argv)
    url = args.db_url or default_url(env)
    directory = Settings.from_env(env).tracker_db.parent
    shared = not url.startswith("sqlite")
    identities = Identities(load_secret(dict(env), directory, shared_database=shared))
    try:
        result = migrate(url, identities, dry_run=args.dry_run)
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip()
        print(f"Cannot migrate {sa.engine.url.make_url(url)!r}: {reason}", file=sys.stderr)
        return 1
    verb = "Would rename" if args.dry_run else "Renamed"
    print(
        f"{verb} {result.renamed} conversation(s) into their channel's namespace; "
        f"{result.left} left as they were (web widget sessions, or no message)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
