"""A long answer opens at its start, with the question that asked it still in view."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.widget.chat import ANSWER_MS, DISCLAIMER, TEXTS, WIDTHS, ChatWidget

pytestmark = pytest.mark.e2e

QUESTION = "what are the side effects"


@pytest.mark.parametrize("context_options", WIDTHS)
def test_a_long_answer_shows_its_start_under_its_question(page: Page, widget: ChatWidget) -> None:
    widget.open()
    sizes = widget.panel.get_by_role("group", name=TEXTS["text_size"])
    sizes.get_by_role("button", name=TEXTS["text_sizes"]["largest"]).click()
    widget.ask(QUESTION)
    answer = widget.expect_answer(DISCLAIMER)
    log = widget.log.bounding_box()
    box = answer.bounding_box()
    assert log is not None and box is not None
    assert box["height"] > log["height"], "the answer is not longer than the log"
    question = widget.user_bubbles().last
    expect(question).to_contain_text(QUESTION, timeout=ANSWER_MS)
    # once the log has scrolled (smoothly): the question in view, the answer's start too
    settled = f"""e => {{
      const top = e.getBoundingClientRect().top;
      return top >= {log["y"]} && top <= {log["y"] + log["height"] / 2};
    }}"""
    page.wait_for_function(settled, arg=answer.element_handle(), timeout=5000)
    expect(question).to_be_in_viewport(ratio=1)
