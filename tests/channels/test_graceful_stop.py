"""A server told to stop finishes the messages it acknowledged (the platform won't resend).

Telegram gets its 200 at once and the message is handled in the background; a deploy then
sends the Rasa server SIGTERM. Here the action server is paused (SIGSTOP) so that the
message is still being handled when the stop comes: it must still be answered (the
action times out into the short reply) before the server exits.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from bot import knowledge
from harness.servers import BotServers
from tests.channels import test_telegram
from tests.channels.platforms import SECRETS, FakePlatforms

pytestmark = pytest.mark.e2e

UNAVAILABLE = knowledge.default().phrases["action_unavailable"]


@pytest.fixture
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BotServers, FakePlatforms]]:
    fake = FakePlatforms().start()
    bot = BotServers.create(tmp_path_factory.mktemp("graceful"), **SECRETS, **fake.env())
    try:
        yield bot.start(), fake
    finally:
        actions = bot.processes.get("actions")
        if actions is not None and actions.poll() is None:
            os.kill(actions.pid, signal.SIGCONT)
        bot.stop_all()
        fake.stop()


def test_an_acknowledged_message_is_answered_before_the_server_stops(
    servers: tuple[BotServers, FakePlatforms],
) -> None:
    bot, fake = servers
    os.kill(bot.processes["actions"].pid, signal.SIGSTOP)  # the answer is now slow
    chat = 880_001
    assert test_telegram.send(bot, test_telegram.message(chat, "what is lems")).status == 200
    time.sleep(1.0)  # acknowledged, and waiting on the action server
    rasa = bot.processes["rasa"]
    rasa.terminate()
    assert rasa.wait(timeout=30) is not None
    sent = " ".join(s.text for s in fake.messages("telegram", str(chat)))
    assert UNAVAILABLE in sent, sent
