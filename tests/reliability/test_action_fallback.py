"""The action server down, slow or failing: a short safe reply, then back to normal."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import knowledge
from bot.answers import ALERT_FIELD, message_data, safety_answer
from bot.rasa import fallback
from bot.rasa.remote_action import SafeRemoteAction
from bot.safety import Alarm, default_rules
from harness.servers import BotServers, free_port
from tests.reliability.client import say
from tests.reliability.stand_in import StandInActionServer

UNAVAILABLE = knowledge.default().phrases["action_unavailable"]
RULES = default_rules()

REPLY_SECONDS = 10  # the patient gets an answer within this, whatever the action server does


def tracker_after(
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> DialogueStateTracker:
    message = UserUttered(
        "text", intent={"name": intent, "confidence": 1.0}, entities=entities, metadata=metadata
    )
    return DialogueStateTracker.from_events("patient", [message])


def test_the_replies_come_from_the_fact_set(disclaimer: str) -> None:
    replies = fallback.FallbackReplies.load()

    def reply(alarms: set[Alarm], action: str = "", country: str | None = None) -> str:
        return str(replies.message(alarms, action, country)["text"])

    assert replies.unavailable.startswith(UNAVAILABLE)
    assert replies.unavailable.count(disclaimer) == 1
    emergency = reply({Alarm.EMERGENCY})
    assert emergency.startswith(RULES.message(Alarm.EMERGENCY))  # country unknown
    both = reply({Alarm.EMERGENCY, Alarm.CRISIS})
    assert RULES.message(Alarm.CRISIS) in both
    assert disclaimer not in both and both.endswith(knowledge.default().phrases["safety_line"])
    in_gb = reply({Alarm.EMERGENCY, Alarm.CRISIS}, country="GB")
    assert (
        RULES.message(Alarm.EMERGENCY, "GB") in in_gb and RULES.message(Alarm.CRISIS, "GB") in in_gb
    )
    assert replies.message(set()) == {"text": replies.unavailable}
    forgotten = reply(set(), "action_forget_me")
    assert forgotten == (replies.forgotten or replies.unavailable)
    assert reply({Alarm.CRISIS}, "action_forget_me") == reply({Alarm.CRISIS})


def test_the_guidance_carries_its_alert_as_the_action_servers_does() -> None:
    message = fallback.FallbackReplies.load().message({Alarm.CRISIS}, country="GB")
    expected = safety_answer(knowledge.default(), RULES, {Alarm.CRISIS}, country="GB")
    assert message == {"text": expected.text, **message_data(expected)}
    assert message[ALERT_FIELD]["level"] == "crisis"


@pytest.mark.parametrize(
    ("intent", "entities", "alarms"),
    [
        ("ask_what_is", [], set()),
        ("emergency", [], {Alarm.EMERGENCY}),
        ("crisis", [], {Alarm.CRISIS}),
        ("ask_side_effects", [{"entity": "red_flag", "value": "crisis.self_harm"}], {Alarm.CRISIS}),
        ("ask_side_effects", [{"entity": "side_effect", "value": "crisis"}], set()),
    ],
)
def test_alarms_follow_the_red_flag_classifier(
    intent: str, entities: list[dict[str, Any]], alarms: set[Alarm]
) -> None:
    assert fallback.alarms_in(tracker_after(intent, entities)) == alarms


async def run_against(url: str, intent: str = "ask_what_is") -> list[Any]:
    action = SafeRemoteAction("action_answer_topic", EndpointConfig(url))
    try:
        events: list[Any] = await action.run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator({}),
            tracker_after(intent),
            Domain.empty(),
        )
    finally:
        await SafeRemoteAction.sessions.close()
    return events


async def test_no_action_server_gives_the_short_reply() -> None:
    events = await run_against(f"http://127.0.0.1:{free_port()}/webhook")
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    assert events[0].text.startswith(UNAVAILABLE)


async def test_an_emergency_still_gets_its_guidance_when_the_server_is_down() -> None:
    events = await run_against(f"http://127.0.0.1:{free_port()}/webhook", "emergency")
    assert RULES.message(Alarm.EMERGENCY) in events[0].text
    assert events[0].metadata[ALERT_FIELD]["level"] == "emergency"  # shown as an alert


@pytest.mark.parametrize(
    ("operator", "metadata", "country"),
    [
        (None, None, None),
        ("GB", None, "GB"),
        ("GB", {"country": "AU"}, "AU"),
        ("GB", {"country": None}, None),
    ],
)
def test_the_fallback_gives_the_conversations_numbers(
    monkeypatch: pytest.MonkeyPatch,
    operator: str | None,
    metadata: dict[str, Any] | None,
    country: str | None,
) -> None:
    monkeypatch.setattr(fallback, "_replies", fallback.FallbackReplies.load(operator))
    flags = [{"entity": "red_flag", "value": "emergency.overdose"}]
    text = fallback.fallback_message(tracker_after("emergency", flags, metadata))["text"]
    groups = ["emergency.overdose"]
    assert text.startswith(RULES.message(Alarm.EMERGENCY, country, groups=groups))
    assert fallback.red_flags_in(tracker_after("emergency", flags)) == groups


@pytest.fixture
async def action_server_answering() -> Any:
    """A stand-in action server answering each request with a given status and body."""
    answers: dict[str, Any] = {"status": 500, "body": {"error": "boom"}}

    async def webhook(request: web.Request) -> web.Response:
        return web.json_response(answers["body"], status=answers["status"])

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield answers, f"http://127.0.0.1:{port}/webhook"
    finally:
        await runner.cleanup()


async def test_an_error_answer_gives_the_short_reply(action_server_answering: Any) -> None:
    answers, url = action_server_answering
    for status, body in [(500, {"error": "boom"}), (200, {"events": "not a list"})]:
        answers.update(status=status, body=body)
        events = await run_against(url)
        assert events[0].text.startswith(UNAVAILABLE)


async def test_a_rejection_still_reaches_rasa(action_server_answering: Any) -> None:
    answers, url = action_server_answering
    answers.update(status=400, body={"action_name": "action_answer_topic", "error": "no"})
    with pytest.raises(ActionExecutionRejection):
        await run_against(url)


# ------------------------------------------------------------------- the real servers


def timed_say(bot: BotServers, sender: str, text: str) -> tuple[float, str]:
    started = time.monotonic()
    answer = say(bot.rasa_url, sender, text, timeout=30)
    return time.monotonic() - started, answer.texts


@pytest.mark.e2e
def test_action_server_down_then_back(
    bot: BotServers, sender: Callable[[], str], disclaimer: str
) -> None:
    me = sender()
    assert "autoimmune" in say(bot.rasa_url, me, "what is LEMS").texts
    bot.stop("actions")
    try:
        seconds, text = timed_say(bot, me, "what are the side effects?")
        assert seconds < REPLY_SECONDS
        assert text.startswith(UNAVAILABLE) and text.count(disclaimer) == 1
        seconds, text = timed_say(bot, me, "my throat is swelling and I can't breathe")
        assert seconds < REPLY_SECONDS
        assert text.startswith(RULES.message(Alarm.EMERGENCY))  # no BOT_COUNTRY in tests
        crisis = timed_say(bot, sender(), "i want to end my life")[1]
        assert RULES.message(Alarm.CRISIS) in crisis
    finally:
        bot.start_actions()
    assert "Constipation" in say(bot.rasa_url, me, "what are the side effects?").texts


@pytest.fixture
def silent_action_server(bot: BotServers) -> Iterator[None]:
    """The action server replaced by one that accepts connections and never answers."""
    bot.stop("actions")
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((bot.settings.action_host, bot.settings.action_port))
    listener.listen(16)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()
        bot.start_actions()


@pytest.mark.e2e
def test_a_silent_action_server_times_out_into_the_short_reply(
    bot: BotServers, sender: Callable[[], str], silent_action_server: None
) -> None:
    seconds, text = timed_say(bot, sender(), "what is LEMS")
    assert bot.settings.action_timeout_seconds <= seconds < REPLY_SECONDS
    assert text.startswith(UNAVAILABLE)


STAND_IN = StandInActionServer.ANSWER


@pytest.fixture
def counting_action_server(bot: BotServers) -> Iterator[list[str]]:
    """The action server replaced by one that answers every action and notes each connection."""
    bot.stop("actions")
    try:
        with StandInActionServer(bot.settings.action_host, bot.settings.action_port) as server:
            yield server.connections
    finally:
        bot.start_actions()


@pytest.mark.e2e
def test_the_server_keeps_one_connection_to_the_action_server(
    bot: BotServers, sender: Callable[[], str], counting_action_server: list[str]
) -> None:
    me = sender()
    for text in ("what is LEMS", "what are the side effects?", "thank you"):
        assert STAND_IN in say(bot.rasa_url, me, text).texts
    assert len(counting_action_server) == 1, counting_action_server
