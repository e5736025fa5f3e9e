"""Every channel answers when the bot cannot: through each channel's real webhook.

Two faults, each on all six channels (REST, socket.io, Telegram, Slack, Messenger,
Twilio), the platforms' send APIs faked on loopback:

- **the action server stopped**: Rasa's fallback action answers (the short reply, or the
  emergency guidance), :mod:`bot.rasa.fallback`;
- **Rasa's message handling raising** (a lock store that cannot lock, as a Redis that is
  down): the channel answers, :mod:`bot.channels.delivery`, with the emergency guidance
  first when the safety rules fire on the message.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator

import pytest
import socketio

from bot import knowledge
from bot.launch.settings import PROJECT_DIR
from bot.safety import Alarm, default_rules
from harness.servers import BotServers
from tests.channels import test_facebook, test_slack, test_telegram, test_twilio
from tests.channels.platforms import SECRETS, FakePlatforms, Sent
from tests.reliability.client import say

pytestmark = pytest.mark.e2e

EMERGENCY = "my lips are swelling and I can't breathe"
QUESTION = "what are the side effects?"
CHANNELS = ("rest", "socketio", "telegram", "slack", "facebook", "twilio")
PHRASES = knowledge.default().phrases
DISCLAIMER = knowledge.default().disclaimer
RULES = default_rules()
WAIT_SECONDS = 30
_ids = itertools.count(1)

Done = Callable[[str], bool]


def flat(text: str) -> str:
    """``text`` with its white space folded (a reply split into parts, joined)."""
    return " ".join(text.split())


def joined(sent: list[Sent]) -> str:
    return flat(" ".join(s.text for s in sent))


# ------------------------------------------------------------ one patient per channel


def ask_rest(bot: BotServers, fake: FakePlatforms, text: str, done: Done) -> str:
    return flat(say(bot.rasa_url, f"fail-{next(_ids)}", text, timeout=WAIT_SECONDS).texts)


async def _ask_socketio(url: str, text: str, done: Done) -> str:
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Queue[str] = asyncio.Queue()
    heard: list[str] = []
    client.on("session_confirm", confirmed.put)
    client.on("bot_uttered", lambda data: heard.append(str(data.get("text", ""))))
    await client.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=20)
    try:
        await client.emit("session_request", {"session_id": None})
        session = await asyncio.wait_for(confirmed.get(), WAIT_SECONDS)
        await client.emit("user_uttered", {"message": text, "session_id": session})
        for _ in range(WAIT_SECONDS * 10):
            if done(flat(" ".join(heard))):
                break
            await asyncio.sleep(0.1)
        return flat(" ".join(heard))
    finally:
        await client.disconnect()


def ask_socketio(bot: BotServers, fake: FakePlatforms, text: str, done: Done) -> str:
    return asyncio.run(_ask_socketio(bot.rasa_url, text, done))


def ask_telegram(bot: BotServers, fake: FakePlatforms, text: str, done: Done) -> str:
    chat = 700_000 + next(_ids)
    assert test_telegram.send(bot, test_telegram.message(chat, text)).status == 200
    return joined(fake.wait_for("telegram", str(chat), lambda s: done(joined(s)), WAIT_SECONDS))


def ask_slack(bot: BotServers, fake: FakePlatforms, text: str, done: Done) -> str:
    channel = f"DFAIL{next(_ids)}"
    assert test_slack.send(bot, test_slack.dm_event("UFAIL", channel, text)).status == 200
    return joined(fake.wait_for("slack", channel, lambda s: done(joined(s)), WAIT_SECONDS))


def ask_facebook(bot: BotServers, fake: FakePlatforms, text: str, done: Done) -> str:
    sender = f"PFAIL{next(_ids)}"
    payload = test_facebook.page_event(test_facebook.text_message(sender, text))
    assert test_facebook.send(bot, payload).status == 200
    return joined(fake.wait_for("facebook", sender, lambda s: done(joined(s)), WAIT_SECONDS))


def ask_twilio(bot: BotServers, fake: FakePlatforms, text: str, done: Done) -> str:
    sender = f"+1555000{next(_ids):04d}"
    assert test_twilio.send(bot, test_twilio.sms(sender, text)).status == 200
    return joined(fake.wait_for("twilio", sender, lambda s: done(joined(s)), WAIT_SECONDS))


ASK = {
    "rest": ask_rest,
    "socketio": ask_socketio,
    "telegram": ask_telegram,
    "slack": ask_slack,
    "facebook": ask_facebook,
    "twilio": ask_twilio,
}


def country_of(channel: str) -> str | None:
    """Whose numbers the guidance gives: Twilio's by the phone prefix (+1), others none."""
    return RULES.numbers.for_phone("+15550000000") if channel == "twilio" else None


def ends_with(phrase: str) -> Done:
    return lambda text: text.endswith(flat(phrase))


# ------------------------------------------------------------ the action server stopped


@pytest.fixture(scope="module")
def actions_stopped(channel_bot: BotServers) -> Iterator[BotServers]:
    """The channel bot with its action server stopped, started again afterwards."""
    channel_bot.stop("actions")
    try:
        yield channel_bot
    finally:
        channel_bot.start_actions()


@pytest.mark.parametrize("channel", CHANNELS)
def test_with_the_action_server_stopped_a_question_gets_the_short_reply(
    actions_stopped: BotServers, platforms: FakePlatforms, channel: str
) -> None:
    said = ASK[channel](actions_stopped, platforms, QUESTION, ends_with(DISCLAIMER))
    assert said.startswith(flat(PHRASES["action_unavailable"])), said
    assert said.count(flat(DISCLAIMER)) == 1


@pytest.mark.parametrize("channel", CHANNELS)
def test_with_the_action_server_stopped_an_emergency_gets_the_guidance(
    actions_stopped: BotServers, platforms: FakePlatforms, channel: str
) -> None:
    said = ASK[channel](actions_stopped, platforms, EMERGENCY, ends_with(PHRASES["safety_line"]))
    assert said.startswith(flat(RULES.message(Alarm.EMERGENCY, country_of(channel)))), said


# ------------------------------------------------------------ Rasa's handling raising


@pytest.fixture(scope="module")
def failing_rasa(
    channel_bot: BotServers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BotServers, FakePlatforms]]:
    """A Rasa server with every channel on whose lock store fails, and its own fake APIs."""
    workdir = tmp_path_factory.mktemp("failing-rasa")
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        (PROJECT_DIR / "endpoints.yml").read_text(encoding="utf-8")
        + "\nlock_store:\n  type: tests.channels.faults.FailingLockStore\n",
        encoding="utf-8",
    )
    fake = FakePlatforms().start()
    servers = BotServers.create(
        workdir, ACTION_PORT=str(channel_bot.settings.action_port), **SECRETS, **fake.env()
    )
    servers.rasa_args = ["--endpoints", str(endpoints)]
    try:
        servers.start_rasa()
        yield servers, fake
    finally:
        servers.stop_all()
        fake.stop()


@pytest.mark.parametrize("channel", CHANNELS)
def test_when_rasa_fails_a_question_gets_a_short_apology(
    failing_rasa: tuple[BotServers, FakePlatforms], channel: str
) -> None:
    servers, fake = failing_rasa
    said = ASK[channel](servers, fake, QUESTION, ends_with(PHRASES["handling_failed"]))
    assert said == flat(PHRASES["handling_failed"])


@pytest.mark.parametrize("channel", CHANNELS)
def test_when_rasa_fails_an_emergency_still_gets_the_guidance_first(
    failing_rasa: tuple[BotServers, FakePlatforms], channel: str
) -> None:
    servers, fake = failing_rasa
    said = ASK[channel](servers, fake, EMERGENCY, ends_with(PHRASES["handling_failed"]))
    guidance = RULES.message(Alarm.EMERGENCY, country_of(channel))
    assert said.startswith(flat(guidance)), said
    assert flat(PHRASES["safety_line"]) in said


def test_the_failure_is_logged_without_the_message(
    failing_rasa: tuple[BotServers, FakePlatforms],
) -> None:
    servers, fake = failing_rasa
    ask_rest(servers, fake, EMERGENCY, ends_with(PHRASES["handling_failed"]))
    log = (servers.workdir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "ConnectionError" in log and EMERGENCY not in log
