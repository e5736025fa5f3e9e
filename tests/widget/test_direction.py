"""Right-to-left text: bubbles and the question box take their text's own direction."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.widget.chat import WIDTHS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

ARABIC = "ما هي الآثار الجانبية لهذا الدواء؟"  # "what are the side effects of this medicine?"
HEBREW = "תופעות הלוואי השכיחות הן כאב ראש ובחילה."  # "the common side effects are ..."
ENGLISH = "Hello. What would you like to know?"

# whether the first letter of the element's text stands right of its last (right to left)
READS_RIGHT_TO_LEFT = """e => {
  const text = [...e.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).at(-1);
  const box = (i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1);
                       return r.getBoundingClientRect(); };
  return box(0).left > box(text.length - 2).left;
}"""


def direction(locator: Locator) -> str:
    return str(locator.evaluate("e => getComputedStyle(e).direction"))


def answer_in_hebrew(route: Route) -> None:
    """The REST channel as a bot that answers the greeting in English, the rest in Hebrew."""
    message = json.loads(route.request.post_data or "{}").get("message")
    text = ENGLISH if message == "/greet" else HEBREW
    body = json.dumps([{"recipient_id": "x", "text": text}])
    route.fulfill(status=200, content_type="application/json", body=body)


@pytest.mark.parametrize("context_options", WIDTHS)
def test_an_arabic_question_and_a_hebrew_answer_read_right_to_left(page: Page) -> None:
    page.context.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
    page.context.route(re.compile(r".*/webhooks/rest/webhook$"), answer_in_hebrew)
    page.reload()
    widget = ChatWidget(page)
    expect(widget.root).to_have_attribute("lang", "en")  # the widget's own texts
    widget.launcher.click()
    english = widget.expect_answer(ENGLISH)
    expect(english).to_have_attribute("dir", "auto")
    assert direction(english) == "ltr"

    widget.input.fill(ARABIC)
    assert direction(widget.input) == "rtl"  # dir="auto" on the box as well
    widget.input.press("Enter")
    question = widget.user_bubbles().last
    expect(question).to_contain_text(ARABIC)
    answer = widget.expect_answer(HEBREW)
    for bubble in (question, answer):
        expect(bubble).to_have_attribute("dir", "auto")
        assert direction(bubble) == "rtl"  # not "You said:"'s direction: it has its own
        assert bubble.evaluate(READS_RIGHT_TO_LEFT)
    assert direction(widget.input) == "ltr"  # empty again
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate("innerWidth")
    assert axe_violations(page) == []
