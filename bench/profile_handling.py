"""Profile one model's start-up and message handling (run by :mod:`bench.profiling`).

``python -X importtime -m bench.profile_handling --model M --messages JSON --out JSON``

Times the import of Rasa, loading the model with the endpoints (as ``rasa run`` does) and
the first message; times messages passed to ``Agent.handle_text`` (what the REST channel
calls, minus HTTP) without a profiler, then under pyinstrument (async mode). Last, it
tries a list of changes, one on top of the other, in this process only
(the bot's code is not touched), timing the same kind of messages after each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.profiling import HOTSPOTS, STEPS, category_times

CONVERSATION_LENGTH = 10
TIMED = 40  # messages timed for each variant without the profiler
AGAIN = "as configured, again (the noise)"
INTERVAL = 0.005  # pyinstrument's sampling interval, s


class Runner:
    """Sends messages to an agent, each batch in new conversations (by ``prefix``)."""

    def __init__(self, agent: Any, messages: Sequence[str]) -> None:
        """Use ``agent`` and cycle through ``messages``."""
        self.agent = agent
        self.messages = list(messages)

    async def send(self, count: int, prefix: str, offset: int) -> float:
        """Send ``count`` messages from position ``offset`` on; the seconds it took."""
        began = time.monotonic()
        for number in range(count):
            message = self.messages[(offset + number) % len(self.messages)]
            sender = f"{prefix}-{number // CONVERSATION_LENGTH}"
            await self.agent.handle_text(message, sender_id=sender)
        return time.monotonic() - began


def launcher_changes() -> list[str]:
    """Make the launcher's changes to Rasa (``bot.rasa.changes``); their names.

    So the profile matches the server.
    """
    from bot.launch.settings import Settings
    from bot.rasa.changes import install_all

    return install_all(Settings.from_env())


def rasa_checks_replies() -> bool:
    """Whether action replies are still checked Rasa's own way (custom actions are Rasa's)."""
    from bot.rasa.remote_action import is_installed

    return not is_installed()


async def custom_action_runs(agent: Any, prefix: str, count: int) -> int:
    """Custom actions run in the conversations of one :meth:`Runner.send` batch.

    Each run that reached the action server had its reply checked once.
    """
    from rasa.shared.core.events import ActionExecuted

    names = set(agent.domain.user_actions)
    runs = 0
    for conversation in range((count + CONVERSATION_LENGTH - 1) // CONVERSATION_LENGTH):
        tracker = await agent.tracker_store.retrieve(f"{prefix}-{conversation}")
        events = tracker.events if tracker is not None else []
        runs += sum(isinstance(e, ActionExecuted) and e.action_name in names for e in events)
    return runs


def safe_remote_actions() -> None:
    """The suggested change: custom actions as the launcher makes them.

    That is with the prebuilt reply check, a kept session, a timeout and a safe reply.
    """
    from bot.launch.settings import Settings
    from bot.rasa import remote_action

    remote_action.install(Settings.from_env())


def sql_store(agent: Any) -> Any | None:
    """The SQLTrackerStore inside the agent's wrappers, if it uses one."""
    store = agent.tracker_store
    for _ in range(5):
        if hasattr(store, "engine"):
            return store
        store = getattr(store, "_tracker_store", None)
        if store is None:
            return None
    return None


def store_kind(agent: Any) -> str:
    """The kind of tracker store: "cached" (this project's), "sql" (Rasa's) or "other"."""
    store = sql_store(agent)
    if store is None:
        return "other"
    return "cached" if hasattr(store, "_cache") else "sql"


def sqlite_pragmas(agent: Any) -> bool:
    """The suggested change: WAL journal and ``synchronous=NORMAL`` on every connection.

    Not tried (False) when the store already keeps its SQLite file in WAL mode.
    """
    store = sql_store(agent)
    if store is None or store.engine.dialect.name != "sqlite":
        return False
    import sqlalchemy as sa

    with store.engine.connect() as connection:
        if connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal":
            return False

    def pragmas(connection: Any, record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    sa.event.listen(store.engine, "connect", pragmas)
    store.engine.dispose()  # pooled connections reconnect with the pragmas
    return True


def in_memory_store(agent: Any) -> None:
    """The alternative: conversations kept in memory (lost on restart)."""
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

    store = FailSafeTrackerStore(InMemoryTrackerStore(agent.domain))
    agent.tracker_store = store
    agent.processor.tracker_store = store


def validation_costs(repeat: int = 20) -> dict[str, float]:
    """Seconds per check of a typical action reply: Rasa's way, and the launcher's."""
    from bot.rasa.remote_action import RasaRemoteAction
    from bot.rasa.reply_check import reply_validator

    reply = {
        "events": [{"event": "slot", "name": "topic", "value": "pregnancy"}],
        "responses": [{"text": "An answer. " * 30, "buttons": [{"title": "More"}]}],
    }
    check = RasaRemoteAction._validate_action_result  # Rasa's own check
    action = RasaRemoteAction("action_answer_topic", None)
    began = time.perf_counter()
    for _ in range(repeat):
        check(action, reply)
    rasa_way = (time.perf_counter() - began) / repeat
    prebuilt = reply_validator()
    began = time.perf_counter()
    for _ in range(repeat):
        prebuilt(reply)
    return {"rasa_validate": rasa_way, "prebuilt_validator": (time.perf_counter() - began) / repeat}


async def _profile(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    import rasa.core.agent
    import rasa.core.utils

    imported = time.monotonic()
    validation = validation_costs()  # Rasa's own check
    patches = launcher_changes() if args.launcher_patches else []
    endpoints = (
        rasa.core.utils.read_endpoints_from_path(str(args.endpoints)) if args.endpoints else None
    )
    before_load = time.monotonic()
    agent = await rasa.core.agent.load_agent(model_path=str(args.model), endpoints=endpoints)
    loaded = time.monotonic()
    await agent.handle_text("hello", sender_id="profile-first")
    first = time.monotonic()

    from pyinstrument import Profiler

    runner = Runner(agent, json.loads(Path(args.messages).read_text()))
    store = store_kind(agent)  # before a variant below swaps the store
    checked_by_rasa = rasa_checks_replies()
    plain = await runner.send(TIMED, "plain", offset=0)
    checks_per_message = await custom_action_runs(agent, "plain", TIMED) / TIMED

    profiler = Profiler(interval=INTERVAL, async_mode="enabled")
    profiler.start()
    handling = await runner.send(args.count, "profiled", offset=TIMED)
    profiler.stop()
    root = profiler.last_session.root_frame() if profiler.last_session else None
    flat = profiler.output_text(unicode=True, color=False, flat=True, show_all=False)

    # The same messages again, in new conversations: unchanged once more (the gap between
    # the two unchanged runs shows the noise), then after each change.
    variants: list[tuple[str, float]] = [("as configured", plain)]
    variants.append((AGAIN, await runner.send(TIMED, "v0", offset=0)))
    if checked_by_rasa:
        safe_remote_actions()
        label = "+ custom actions as the launcher makes them (prebuilt reply check, kept session)"
        variants.append((label, await runner.send(TIMED, "v1", offset=0)))
    if sqlite_pragmas(agent):
        label = "+ SQLite WAL journal, synchronous=NORMAL"
        variants.append((label, await runner.send(TIMED, "v2", offset=0)))
    if sql_store(agent) is not None:
        in_memory_store(agent)
        label = "+ in-memory tracker store instead of SQL (conversations lost on restart)"
        variants.append((label, await runner.send(TIMED, "v3", offset=0)))
    return {
        "launcher_patches": patches,
        "store": store,
        "validation": validation,
        "checks_per_message": checks_per_message,
        "import_seconds": imported - started,
        "load_seconds": loaded - before_load,
        "first_message_seconds": first - loaded,
        "unprofiled_messages": TIMED,
        "unprofiled_seconds": plain,
        "variants": [[name, seconds / TIMED] for name, seconds in variants],
        "messages": args.count,
        "handling_seconds": handling,
        "steps": category_times(root, STEPS) if root is not None else {},
        "hotspots": category_times(root, HOTSPOTS) if root is not None else {},
        "flat": "\n".join(flat.splitlines()[:40]),
    }


def main(argv: Sequence[str]) -> int:
    """Profile, writing the figures as JSON to ``--out``."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile_handling")
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--messages", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--endpoints", type=Path)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument(
        "--launcher-patches",
        action="store_true",
        help="make the launcher's changes to Rasa first (bot.rasa.changes; ours)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with contextlib.redirect_stdout(sys.stderr):
        result = asyncio.run(_profile(args))
    args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
