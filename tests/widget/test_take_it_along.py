"""'I'll ask my doctor' in the web chat: the bot points to Save and Print, which work."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bot import knowledge
from tests.widget.chat import ANSWER_MS, DISCLAIMER, TEXTS, WIDTHS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

ALONG = knowledge.default().phrases["take_it_along_web"]


@pytest.mark.parametrize("context_options", WIDTHS)  # desktop, and a phone's dialog
def test_a_closing_naming_the_doctor_points_to_save_and_print(
    page: Page, widget: ChatWidget
) -> None:
    widget.open()
    widget.ask("what are the side effects")
    widget.expect_answer(DISCLAIMER)
    widget.ask("thanks, I'll ask my doctor about it at my next appointment")
    expect(widget.bot_bubbles().last).to_contain_text(ALONG, timeout=ANSWER_MS)
    # what the reply points to is there, on every size: More, then Save and Print
    expect(widget.panel.get_by_role("button", name=TEXTS["more"], exact=True)).to_be_visible()
    expect(widget.tool(TEXTS["save"])).to_be_visible()
    expect(widget.tool(TEXTS["print"])).to_be_visible()
    assert axe_violations(page) == []
