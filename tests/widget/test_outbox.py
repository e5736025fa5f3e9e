"""No message is lost: a failed send keeps its text with Retry; one written offline waits."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from harness.servers import BotServers
from tests.widget.chat import ANSWER_MS, TEXTS, WIDTHS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

SOCKETIO = re.compile(r".*/socket\.io/.*")
REST_MESSAGE = re.compile(r".*/webhooks/rest/webhook$")
RESTART_MS = 240_000  # the Rasa server loads its model again
QUESTION = "what is LEMS"


def delivery(widget: ChatWidget) -> Locator:
    """The note under the newest message of the user's."""
    return widget.log.locator(".lems-chat__message--user").last.locator(".lems-chat__delivery")


@pytest.mark.parametrize("context_options", WIDTHS)
def test_a_failed_send_keeps_the_message_with_retry(page: Page) -> None:
    page.context.route(SOCKETIO, lambda route: route.abort())  # REST carries the chat
    page.reload()
    widget = ChatWidget(page)
    widget.open()
    page.context.route(REST_MESSAGE, lambda route: route.abort("connectionrefused"))

    widget.ask(QUESTION)
    expect(widget.input).to_have_value("")
    expect(widget.user_bubbles().last).to_have_text(f"You said: {QUESTION}")
    expect(delivery(widget)).to_contain_text("Not sent.")
    retry = delivery(widget).get_by_role("button", name=TEXTS["retry"])
    expect(retry).to_be_visible()
    assert axe_violations(page) == []

    page.reload()  # kept across a reload too
    widget = ChatWidget(page)
    expect(delivery(widget)).to_contain_text("Not sent.")
    widget.wait_online()

    page.context.unroute(REST_MESSAGE)
    delivery(widget).get_by_role("button", name=TEXTS["retry"]).click()
    widget.expect_answer("autoimmune")
    expect(delivery(widget)).to_have_count(0)
    expect(widget.user_bubbles().filter(has_text=QUESTION)).to_have_count(1)  # not a copy


@pytest.mark.parametrize("context_options", WIDTHS)
def test_a_message_written_with_the_server_stopped_goes_when_it_is_back(
    page: Page, widget: ChatWidget, bot: BotServers
) -> None:
    widget.open()
    bot.stop("rasa")
    try:
        expect(widget.root).not_to_have_attribute("data-state", "online", timeout=ANSWER_MS)
        widget.ask(QUESTION)
        expect(widget.input).to_have_value("")  # taken: it is in the conversation now
        expect(widget.user_bubbles().last).to_have_text(f"You said: {QUESTION}")
        waiting = "Waiting to send. It goes when the connection is back."
        expect(delivery(widget)).to_have_text(waiting)
        assert axe_violations(page) == []

        page.reload()  # still waiting after a reload
        widget = ChatWidget(page)
        expect(delivery(widget)).to_have_text(waiting)
    finally:
        bot.start_rasa()

    widget.wait_online(timeout=RESTART_MS)
    widget.expect_answer("autoimmune")
    expect(delivery(widget)).to_have_count(0)
    expect(widget.user_bubbles().filter(has_text=QUESTION)).to_have_count(1)
