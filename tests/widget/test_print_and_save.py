"""The conversation kept: printed (the whole of it, without the page or the buttons), or saved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bot import knowledge
from tests.widget.chat import (
    DISCLAIMER,
    NOTICE,
    TEXTS,
    TITLE,
    WIDTHS,
    ChatWidget,
    axe_violations,
    shown_text,
)

pytestmark = pytest.mark.e2e

KNOWLEDGE = knowledge.default()
QUESTION = "what is LEMS"


def have_a_conversation(widget: ChatWidget) -> str:
    """Ask two questions, the first with a long answer; the second answer's text as shown."""
    widget.open()
    widget.topic("Side effects").click()
    widget.expect_answer("Headache")
    widget.ask(QUESTION)
    return shown_text(widget.expect_answer("autoimmune"))


@pytest.mark.parametrize("context_options", WIDTHS)
def test_print_shows_the_whole_conversation_and_nothing_else(
    page: Page, widget: ChatWidget
) -> None:
    have_a_conversation(widget)
    assert widget.log.evaluate("e => e.scrollHeight > e.clientHeight")  # on screen it scrolls
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1 } }")
    widget.tool(TEXTS["print"]).click()
    assert page.evaluate("window.printed") == 1

    page.emulate_media(media="print")
    expect(widget.panel.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(widget.panel.get_by_text(NOTICE, exact=True)).to_be_visible()
    assert widget.log.evaluate("e => e.scrollHeight <= e.clientHeight + 1")  # none cut off
    for bubble in (*widget.user_bubbles().all(), *widget.bot_bubbles().all()):
        expect(bubble).to_be_visible()
    # "You said:" and "Assistant said:" written out
    expect(widget.user_bubbles().last.get_by_text(TEXTS["speakers"]["user"])).to_be_visible()
    expect(widget.bot_bubbles().last.get_by_text(TEXTS["speakers"]["bot"])).to_be_visible()
    # each answer on paper: its paragraphs, then its own source line and disclaimer, once
    answers = widget.bot_bubbles().filter(has=page.locator(".lems-chat__disclaimer"))
    expect(answers).to_have_count(2)
    for answer in answers.all():
        small = answer.locator(".lems-chat__small-print")
        expect(small).to_be_visible()
        expect(small).to_have_css("color", "rgb(0, 0, 0)")
        expect(answer.locator(".lems-chat__source")).to_have_count(1)
        expect(answer.locator(".lems-chat__disclaimer")).to_have_count(1)
        assert (answer.text_content() or "").count(DISCLAIMER) == 1
        last = answer.locator(".lems-chat__paragraph").last.bounding_box()
        box = small.bounding_box()
        assert last is not None and box is not None and box["y"] >= last["y"] + last["height"]
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
    widget.panel.get_by_role("button", name=TEXTS["close"]).click()
    page.emulate_media(media="print")  # closed: the page prints, without the widget
    expect(page.locator("main")).to_be_visible()
    expect(widget.launcher).to_be_hidden()


@pytest.mark.parametrize("context_options", WIDTHS)
def test_save_downloads_the_conversation_as_text(page: Page, widget: ChatWidget) -> None:
    answer = have_a_conversation(widget)
    with page.expect_download() as download_info:
        widget.tool(TEXTS["save"]).click()
    download = download_info.value
    saved = TEXTS["transcript"]
    file_name = re.escape(saved["file_name"]).replace(re.escape("{date}"), r"\d{4}-\d{2}-\d{2}")
    assert re.fullmatch(file_name, download.suggested_filename)
    text = download.path().read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[:2] == [TITLE, NOTICE]
    assert lines[2].startswith(saved["saved"].split("{date}")[0])
    you, assistant = saved["speakers"]["user"], saved["speakers"]["bot"]
    assert f"{you}:\nSide effects\n" in text  # a button's title, as shown
    assert f"{you}:\n{QUESTION}\n" in text
    # each answer whole: its paragraphs, then its source line and its disclaimer, a line each
    assert f"{assistant}:\n{answer}\n" in text
    assert answer.endswith("\n".join([KNOWLEDGE.source_line, KNOWLEDGE.disclaimer]))
    assert text.count(DISCLAIMER) == 2  # once for each answer, none added
    assert "/greet" not in text  # the unseen greeting is not part of it
    assert axe_violations(page) == []
