"""The widget keeps its conversation across a reload and survives a Rasa restart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from harness.servers import BotServers
from tests.widget.chat import ANSWER_MS, RECORD_STATES, ChatWidget

pytestmark = pytest.mark.e2e

RESTART_MS = 240_000  # the Rasa server loads its model again


def test_reload_keeps_history_and_a_rasa_restart_reconnects(
    page: Page, widget: ChatWidget, bot: BotServers
) -> None:
    widget.open()
    widget.ask("what is LEMS")
    widget.expect_answer("autoimmune")
    session = widget.session_id()
    assert bot.identities.web_conversation(session), "the widget keeps the token it was issued"

    page.reload()
    expect(widget.panel).to_be_visible()  # it was open before the reload
    expect(widget.user_bubbles().last).to_have_text("You said: what is LEMS")
    widget.expect_answer("autoimmune")
    assert widget.session_id() == session
    widget.wait_online()

    page.evaluate(RECORD_STATES)
    bot.stop("rasa")
    try:
        page.wait_for_function(
            "window.lemsStates.some(s => s.state === 'reconnecting')", timeout=ANSWER_MS
        )
        states = page.evaluate("window.lemsStates")
        assert {"state": "reconnecting", "text": "Reconnecting…"} in states
    finally:
        bot.start_rasa()

    widget.wait_online(timeout=RESTART_MS)
    widget.ask("can I take it if I'm pregnant?")
    widget.expect_answer("miscarriage")
    assert widget.session_id() == session
    expect(widget.log).to_contain_text("autoimmune")  # the earlier answer is still there
