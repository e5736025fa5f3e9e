"""Start over asks first, sits well away from the close button, and then starts afresh."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.widget.chat import ANSWER_MS, TEXTS, WIDTHS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

TARGET_PX = 44  # the smallest touch target (sizes rounded to 1/100 px: layout is in 1/64 px)
GAP_PX = 8  # the least room between two buttons


def gap(a: Locator, b: Locator) -> float:
    """The distance between two elements' boxes (0 if they touch or overlap)."""
    first, second = a.bounding_box(), b.bounding_box()
    assert first is not None and second is not None
    across = max(
        second["x"] - (first["x"] + first["width"]), first["x"] - (second["x"] + second["width"]), 0
    )
    down = max(
        second["y"] - (first["y"] + first["height"]),
        first["y"] - (second["y"] + second["height"]),
        0,
    )
    return float((across**2 + down**2) ** 0.5)


@pytest.mark.parametrize("context_options", WIDTHS)
def test_start_over_asks_first_and_then_starts_a_new_session(
    page: Page, widget: ChatWidget
) -> None:
    widget.open()
    widget.ask("what is LEMS")
    widget.expect_answer("autoimmune")
    first = widget.session_id()
    start_over = widget.tool(TEXTS["start_over"])
    close = widget.panel.get_by_role("button", name=TEXTS["close"])
    for button in (start_over, close):
        box = button.bounding_box()
        assert box is not None
        assert round(box["width"], 2) >= TARGET_PX and round(box["height"], 2) >= TARGET_PX
    assert gap(start_over, close) >= GAP_PX

    start_over.click()  # one tap asks; it clears nothing
    question = widget.panel.get_by_role(
        "group", name=TEXTS["start_over_question"].split("?")[0] + "?"
    )
    expect(question).to_be_visible()
    expect(start_over).to_have_attribute("aria-expanded", "true")
    keep = question.get_by_role("button", name=TEXTS["keep_conversation"])
    confirm = question.get_by_role("button", name=TEXTS["confirm_start_over"])
    expect(keep).to_be_focused()  # Enter again keeps the conversation
    assert gap(keep, confirm) >= GAP_PX
    assert gap(start_over, confirm) >= GAP_PX  # a second tap on the same spot does nothing
    expect(widget.user_bubbles()).to_have_count(1)
    assert axe_violations(page) == []

    keep.click()
    expect(question).to_be_hidden()
    expect(start_over).to_be_focused()
    expect(widget.log).to_contain_text("autoimmune")

    start_over.click()
    page.keyboard.press("Escape")  # no as well; the panel stays open
    expect(question).to_be_hidden()
    expect(widget.panel).to_be_visible()
    expect(widget.log).to_contain_text("autoimmune")
    assert widget.session_id() == first

    start_over.click()
    confirm.click()
    expect(widget.user_bubbles()).to_have_count(0)
    expect(widget.log).not_to_contain_text("autoimmune")
    expect(widget.topic("Side effects")).to_be_visible(timeout=ANSWER_MS)  # greeted again
    expect(widget.input).to_be_focused()
    assert widget.session_id() != first
