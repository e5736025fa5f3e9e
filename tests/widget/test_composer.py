"""The question box: it grows, Enter sends, Shift-Enter adds a line; the limit shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bot.limits import MAX_MESSAGE_CHARS
from tests.widget.chat import ANSWER_MS, WIDTHS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

HEIGHT = "e => e.getBoundingClientRect().height"


def count(n: int) -> str:
    return f"{n:,}"


@pytest.mark.parametrize("context_options", WIDTHS)
def test_the_box_grows_and_enter_sends_while_shift_enter_adds_a_line(
    page: Page, widget: ChatWidget
) -> None:
    widget.open()
    box = widget.input
    assert box.evaluate("e => e.tagName") == "TEXTAREA"
    expect(box).to_have_attribute("enterkeyhint", "send")
    expect(box).to_have_attribute("dir", "auto")
    expect(box).to_have_attribute("maxlength", str(MAX_MESSAGE_CHARS))  # the server's cap
    one_line = box.evaluate(HEIGHT)

    box.press_sequentially("what is LEMS")
    for line in ("and is it rare", "and who gets it"):
        box.press("Shift+Enter")
        box.press_sequentially(line)
    expect(box).to_have_value("what is LEMS\nand is it rare\nand who gets it")
    expect(widget.user_bubbles()).to_have_count(0)  # nothing sent yet
    assert box.evaluate(HEIGHT) > one_line * 1.5  # it grew with the lines
    assert box.evaluate("e => e.scrollHeight <= e.clientHeight")  # all of them in view
    assert axe_violations(page) == []

    answers = widget.bot_bubbles().count()
    box.press("Enter")
    expect(box).to_have_value("")
    bubble = widget.user_bubbles().last
    expect(bubble).to_contain_text("what is LEMS")
    assert "and is it rare\nand who gets it" in bubble.inner_text()  # the lines kept
    expect(widget.bot_bubbles()).not_to_have_count(answers, timeout=ANSWER_MS)  # answered
    assert box.evaluate(HEIGHT) == one_line  # and it shrank back


@pytest.mark.parametrize("context_options", WIDTHS)
def test_a_counter_near_the_limit_and_a_notice_when_a_paste_is_cut(
    page: Page, widget: ChatWidget
) -> None:
    widget.open()
    box = widget.input
    counter = widget.panel.locator(".lems-chat__counter")
    expect(counter).to_be_hidden()
    box.fill("a" * (MAX_MESSAGE_CHARS // 2))
    expect(counter).to_be_hidden()  # far from the limit: no counter

    box.fill("a" * (MAX_MESSAGE_CHARS - 100))
    expect(counter).to_be_visible()
    expect(counter).to_have_text(f"100 of {count(MAX_MESSAGE_CHARS)} characters left")
    assert counter.get_attribute("id") in (box.get_attribute("aria-describedby") or "")

    box.fill("")
    pasted = "Long text. " * 500  # 5,500 characters
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("text => navigator.clipboard.writeText(text)", pasted)
    box.focus()
    page.keyboard.press("ControlOrMeta+V")
    expect(box).to_have_value(pasted[:MAX_MESSAGE_CHARS])
    notice = widget.panel.locator(".lems-chat__paste-notice")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("aria-live", "polite")
    expect(notice).to_contain_text(f"has {count(len(pasted))} characters")
    expect(notice).to_contain_text(f"Only its first {count(MAX_MESSAGE_CHARS)} were added")
    expect(counter).to_have_text(
        f"No characters left: a message can have {count(MAX_MESSAGE_CHARS)}"
    )
    expect(widget.user_bubbles()).to_have_count(0)  # nothing was sent
    assert axe_violations(page) == []

    box.fill("")  # emptied: the notice goes
    expect(notice).to_have_text("")
    expect(counter).to_be_hidden()
