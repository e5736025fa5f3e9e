"""A restart of the Rasa server does not lose the conversation (SQLite tracker store)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from harness.servers import BotServers
from tests.reliability.client import request, say

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_conversation_goes_on_after_a_restart(
    bot: BotServers, sender: Callable[[], str]
) -> None:
    me = sender()
    assert "Tell me more" in json.dumps(say(bot.rasa_url, me, "how does it work?").body)
    bot.stop("rasa")
    bot.start_rasa()
    detail = say(bot.rasa_url, me, "tell me more").texts
    assert "IMPDH2" in detail
    assert request(bot.rasa_url + "/webhooks/rest/").body == {"status": "ok"}
