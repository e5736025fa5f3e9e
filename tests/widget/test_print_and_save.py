"""The conversation kept: printed (the whole of it, without the page or the buttons), or saved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.widget.chat import DISCLAIMER, TITLE, WIDTHS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

NOTICE = "General information, not medical advice"
QUESTION = "what is LEMS"


def have_a_conversation(widget: ChatWidget) -> str:
    """Ask two questions, the first with a long answer; the second answer's text."""
    widget.open()
    widget.topic("Side effects").click()
    widget.expect_answer("Headache")
    widget.ask(QUESTION)
    return (widget.expect_answer("autoimmune").text_content() or "").removeprefix(
        "Assistant said: "
    )


@pytest.mark.parametrize("context_options", WIDTHS)
def test_print_shows_the_whole_conversation_and_nothing_else(
    page: Page, widget: ChatWidget
) -> None:
    have_a_conversation(widget)
    assert widget.log.evaluate("e => e.scrollHeight > e.clientHeight")  # on screen it scrolls
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1 } }")
    widget.panel.get_by_role("button", name="Print", exact=True).click()
    assert page.evaluate("window.printed") == 1

    page.emulate_media(media="print")
    expect(widget.panel.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(widget.panel.get_by_text(NOTICE, exact=True)).to_be_visible()
    assert widget.log.evaluate("e => e.scrollHeight <= e.clientHeight + 1")  # none cut off
    for bubble in (*widget.user_bubbles().all(), *widget.bot_bubbles().all()):
        expect(bubble).to_be_visible()
    expect(widget.user_bubbles().last.get_by_text("You said:")).to_be_visible()  # written out
    expect(widget.bot_bubbles().last.get_by_text("Assistant said:")).to_be_visible()
    for hidden in (
        page.locator("main"),
        page.locator("header.site-header"),
        widget.launcher,
        widget.input,
        widget.panel.get_by_role("button"),
    ):
        for element in hidden.all():
            expect(element).to_be_hidden()
    assert axe_violations(page) == []

    page.emulate_media(media="screen")
    widget.panel.get_by_role("button", name="Close chat").click()
    page.emulate_media(media="print")  # closed: the page prints, without the widget
    expect(page.locator("main")).to_be_visible()
    expect(widget.launcher).to_be_hidden()


@pytest.mark.parametrize("context_options", WIDTHS)
def test_save_downloads_the_conversation_as_text(page: Page, widget: ChatWidget) -> None:
    answer = have_a_conversation(widget)
    with page.expect_download() as download_info:
        widget.panel.get_by_role("button", name="Save", exact=True).click()
    download = download_info.value
    assert re.fullmatch(r"conversation-\d{4}-\d{2}-\d{2}\.txt", download.suggested_filename)
    text = download.path().read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[:2] == [TITLE, NOTICE]
    assert lines[2].startswith("Saved ")
    assert "You:\nSide effects\n" in text  # a button's title, as shown
    assert f"You:\n{QUESTION}\n" in text
    assert f"Assistant:\n{answer}" in text
    assert text.count(DISCLAIMER) >= 2  # each answer whole, with its disclaimer
    assert "/greet" not in text  # the unseen greeting is not part of it
    assert axe_violations(page) == []
