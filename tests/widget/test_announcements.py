"""The typing indicator is announced politely, in a live region that is always there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.widget.chat import WIDTHS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

TYPING = "The assistant is typing…"
# records each text the typing region shows
RECORD_TYPING = """() => {
  const region = document.querySelector('.lems-chat__typing');
  window.typingTexts = [];
  new MutationObserver(() => window.typingTexts.push(region.textContent))
    .observe(region, {childList: true, subtree: true, characterData: true});
}"""


@pytest.mark.parametrize("context_options", WIDTHS)
def test_the_typing_indicator_is_a_polite_announcement(page: Page) -> None:
    held: list[Route] = []
    page.context.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
    page.reload()
    widget = ChatWidget(page)
    widget.open()
    region = widget.panel.locator(".lems-chat__typing")
    expect(region).to_have_attribute("aria-live", "polite")  # not assertive
    assert region.get_attribute("role") is None  # nor an alert or status (assertive-ish)
    expect(region).to_have_text("")  # there, and empty, before it is needed
    page.evaluate(RECORD_TYPING)

    # hold the next answer, so the indicator stays while it is checked
    page.context.route(re.compile(r".*/webhooks/rest/webhook$"), lambda route: held.append(route))
    widget.ask("what is LEMS")
    expect(region).to_have_text(TYPING)
    expect(region.locator("[aria-hidden=true]")).to_have_count(1)  # the dots are not read
    assert axe_violations(page) == []

    page.context.unroute(re.compile(r".*/webhooks/rest/webhook$"))
    held[0].continue_()
    widget.expect_answer("autoimmune")
    expect(region).to_have_text("")
    assert page.evaluate("window.typingTexts") == [TYPING, ""]
