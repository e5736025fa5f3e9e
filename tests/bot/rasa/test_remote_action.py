"""Custom actions as Rasa creates them once the launcher's change is made (loopback only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import rasa.core.actions.action as action_module
from rasa.core.actions.action import ActionListen, action_for_name_or_text
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import knowledge
from bot.launch.settings import Settings
from bot.rasa import fallback
from bot.rasa.changes import SAFE_CUSTOM_ACTIONS
from bot.rasa.remote_action import SafeRemoteAction
from tests.bot.rasa.stand_in import serve

UNAVAILABLE = knowledge.default().phrases["action_unavailable"]
DOMAIN = Domain.from_dict({"actions": ["action_reply"], "responses": {"utter_x": [{"text": "x"}]}})
TIMEOUT_SECONDS = 1.0
ANSWERED = {"events": [], "responses": [{"text": "from the action server"}]}


@pytest.fixture
async def safe_actions(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """The launcher's change (the entry of bot.rasa.changes it installs), undone after."""
    monkeypatch.setattr(action_module, "RemoteAction", action_module.RemoteAction)
    monkeypatch.setattr(SafeRemoteAction, "timeout_seconds", SafeRemoteAction.timeout_seconds)
    monkeypatch.setattr(fallback, "_replies", fallback._replies)
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", str(TIMEOUT_SECONDS))
    assert not SAFE_CUSTOM_ACTIONS.is_active()
    SAFE_CUSTOM_ACTIONS.install(Settings.from_env())
    yield
    await SafeRemoteAction.sessions.close()


def created_by_rasa(url: str) -> Any:
    """The action ``action_reply`` as Rasa's processor creates it."""
    return action_for_name_or_text("action_reply", DOMAIN, EndpointConfig(url))


async def run(action: Any) -> list[Event]:
    tracker = DialogueStateTracker.from_events(
        "patient", [UserUttered("hi", intent={"name": "greet", "confidence": 1.0})]
    )
    events: list[Event] = await action.run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, DOMAIN
    )
    return events


async def test_rasa_creates_custom_actions_as_the_subclass(safe_actions: None) -> None:
    assert SAFE_CUSTOM_ACTIONS.is_active()
    assert type(created_by_rasa("http://127.0.0.1:9/webhook")) is SafeRemoteAction
    assert isinstance(action_for_name_or_text("action_listen", DOMAIN, None), ActionListen)
    assert not isinstance(action_for_name_or_text("utter_x", DOMAIN, None), SafeRemoteAction)


async def test_a_silent_action_server_times_out_into_the_safe_reply(safe_actions: None) -> None:
    server, listener = await serve(silent=True)
    async with listener:
        started = time.monotonic()
        # a bound of our own, so that Rasa's five minutes would fail the test, not hang it
        events = await asyncio.wait_for(run(created_by_rasa(server.url)), TIMEOUT_SECONDS + 2)
        seconds = time.monotonic() - started
    assert TIMEOUT_SECONDS <= seconds < TIMEOUT_SECONDS + 2
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    assert events[0].text.startswith(UNAVAILABLE)


async def test_the_actions_rasa_creates_share_one_kept_connection(safe_actions: None) -> None:
    server, listener = await serve(ANSWERED)
    async with listener:
        for _ in range(3):
            events = await run(created_by_rasa(server.url))
            assert [e.text for e in events if isinstance(e, BotUttered)] == [
                "from the action server"
            ]
        assert server.connections == 1
        await SafeRemoteAction.sessions.close()  # as the server does when it stops
        assert len(SafeRemoteAction.sessions) == 0


async def test_a_reply_that_fails_rasas_schema_gets_the_safe_reply(safe_actions: None) -> None:
    server, listener = await serve({"events": "not a list"})
    async with listener:
        events = await run(created_by_rasa(server.url))
    assert isinstance(events[0], BotUttered) and events[0].text.startswith(UNAVAILABLE)
