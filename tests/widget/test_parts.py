"""A bot message shown from its parts: the alert first, each paragraph, then the small print.

The source line and the disclaimer are small print, set apart from the body; where the
parts are missing, malformed or do not add up to the text, the whole text shows as one
bubble. Expected texts come from the fact set and the numbers file, never copied English.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from bot import knowledge
from bot.safety import Alarm, default_rules
from tests.widget.chat import (
    CONTRAST,
    WIDTHS,
    ChatWidget,
    axe_violations,
    links,
    shown_text,
    widget_for,
)

pytestmark = pytest.mark.e2e

RULES = default_rules()
KNOWLEDGE = knowledge.default()
GREETING = "Hello. What would you like to know?"

# each paragraph of a message's bubble: its class, text and dir attribute, in order
PARAGRAPHS = """e => [...e.querySelectorAll('p')].map(p => ({
  kind: p.className, text: p.textContent, dir: p.getAttribute('dir'),
}))"""
FONT_PX = "e => parseFloat(getComputedStyle(e).fontSize)"


def paragraphs(bubble: Locator) -> list[dict[str, str]]:
    found: list[dict[str, str]] = bubble.evaluate(PARAGRAPHS)
    return found


def kinds(bubble: Locator) -> list[str]:
    return [p["kind"] for p in paragraphs(bubble)]


def check_small_print(page: Page, bubble: Locator) -> None:
    """The source line and disclaimer: after the body, under a rule, smaller, still 7:1."""
    small = bubble.locator(".lems-chat__small-print")
    last = bubble.locator(".lems-chat__paragraph").last
    small_box, last_box = small.bounding_box(), last.bounding_box()
    assert small_box is not None and last_box is not None
    assert small_box["y"] >= last_box["y"] + last_box["height"]  # below the body
    assert small.evaluate("e => parseFloat(getComputedStyle(e).borderTopWidth)") > 0
    assert small.evaluate(FONT_PX) < last.evaluate(FONT_PX)  # quieter
    for line in small.locator("p").all():
        assert page.evaluate(CONTRAST, [line.element_handle(), bubble.element_handle()]) >= 7


def serve(page: Page, replies: list[dict[str, Any]]) -> ChatWidget:
    """The page's widget chatting over REST with a bot that sends ``replies`` to a question.

    The unseen greeting gets a plain welcome.
    """

    def answer(route: Route) -> None:
        message = json.loads(route.request.post_data or "{}").get("message")
        sent = [{"text": GREETING}] if message == "/greet" else replies
        body = json.dumps([{"recipient_id": "x", **reply} for reply in sent])
        route.fulfill(status=200, content_type="application/json", body=body)

    page.context.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
    page.context.route(re.compile(r".*/webhooks/rest/webhook$"), answer)
    page.reload()
    widget = ChatWidget(page)
    widget.launcher.click()
    widget.expect_answer(GREETING)
    return widget


@pytest.mark.parametrize("context_options", WIDTHS)
def test_an_answer_shows_its_paragraphs_then_its_source_and_disclaimer(
    page: Page, widget: ChatWidget
) -> None:
    widget.open()
    widget.topic("How it works").click()
    bubble = widget.expect_answer(KNOWLEDGE.disclaimer)
    text = widget.stored_messages()[-1]["text"]  # as the server sent it

    shown = paragraphs(bubble)
    assert [p["kind"] for p in shown[-2:]] == ["lems-chat__source", "lems-chat__disclaimer"]
    assert shown[-2]["text"] == KNOWLEDGE.source_line
    assert shown[-1]["text"] == KNOWLEDGE.disclaimer
    body = shown[:-2]
    assert body and all(p["kind"] == "lems-chat__paragraph" for p in body)
    assert "\n".join(p["text"] for p in shown) == text  # every word, each once
    assert all(p["dir"] == "auto" for p in shown)
    check_small_print(page, bubble)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate("innerWidth")
    assert axe_violations(page) == []

    page.reload()  # the history shows it the same way
    restored = ChatWidget(page).expect_answer(KNOWLEDGE.disclaimer)
    assert paragraphs(restored) == shown
    check_small_print(page, restored)
    assert axe_violations(page) == []


@pytest.mark.parametrize("context_options", WIDTHS)
def test_an_emergency_shows_the_alert_alone_without_the_routine_disclaimer(
    page: Page,
) -> None:
    widget = widget_for(page, "GB")
    widget.ask("my lips are swelling and I can't breathe")
    alert = widget.expect_alert(RULES.message(Alarm.EMERGENCY, "GB"))
    message = alert.locator("xpath=..")
    heading = KNOWLEDGE.phrases["alert_heading_emergency"]

    expect(alert.get_by_role("heading", name=heading)).to_be_visible()
    assert alert.evaluate("e => e === e.parentElement.firstElementChild")
    assert [h for h, _ in links(alert)] == [
        "tel:" + re.sub(r"\D", "", n) for n in RULES.numbers.countries["GB"].emergency
    ]
    assert message.locator(".lems-chat__bubble").count() == 0  # nothing after the alert
    assert message.locator(".lems-chat__disclaimer").count() == 0
    expect(message).not_to_contain_text(KNOWLEDGE.disclaimer)
    stored = widget.stored_messages()[-1]
    assert stored["parts"]["urgency"] == "emergency"  # read from its parts, not its text
    assert axe_violations(page) == []

    page.reload()
    restored = ChatWidget(page).expect_alert(RULES.message(Alarm.EMERGENCY, "GB"))
    expect(restored.get_by_role("heading", name=heading)).to_be_visible()
    assert links(restored) == links(alert)
    assert restored.locator("xpath=..").locator(".lems-chat__bubble").count() == 0
    assert widget.stored_messages()[-1]["parts"]["urgency"] == "emergency"  # kept
    assert axe_violations(page) == []


GUIDANCE = "Call 999 now if your lips or tongue are swelling.\nThis chat can't send help."
ANSWER = ["Doses: ask your pharmacist.", "Take it at the same times each day."]
SOURCE = "Source: the fact sheet."
DISCLAIMER = KNOWLEDGE.disclaimer
NUMBERS = [{"number": "999", "call": True, "text": False}]


def likely_alarm(heading: str | None) -> dict[str, Any]:
    """A likely alarm as the server sends it: the alert, then the question answered."""
    alert = {"level": "emergency", "text": GUIDANCE, "numbers": NUMBERS}
    parts = {"urgency": "emergency", "body": ANSWER, "source": None, "disclaimer": DISCLAIMER}
    return {
        "text": "\n".join([GUIDANCE, *ANSWER, DISCLAIMER]),
        "alert": {**alert, **({"heading": heading} if heading else {})},
        "parts": parts,
    }


@pytest.mark.parametrize("context_options", WIDTHS)
def test_the_alert_has_the_servers_heading_then_the_answer_from_its_parts(page: Page) -> None:
    """A heading the widget does not have itself shows; with none, the widget's own."""
    widget = serve(page, [likely_alarm("Call an ambulance"), likely_alarm(None)])
    widget.ask("anything")
    alerts = widget.log.get_by_role("alert")
    expect(alerts).to_have_count(2)
    expect(alerts.nth(0).get_by_role("heading")).to_have_text("Call an ambulance")
    # with none, the widget's own: the server's phrase, built into the bundle
    own = KNOWLEDGE.phrases["alert_heading_emergency"]
    expect(alerts.nth(1).get_by_role("heading")).to_have_text(own)
    for i in range(2):
        alert = alerts.nth(i)
        assert links(alert) == [("tel:999", "999")]
        bubble = alert.locator("xpath=following-sibling::*[1]")
        expect(bubble).to_have_class(re.compile(r"\blems-chat__bubble\b"))
        assert kinds(bubble) == ["lems-chat__paragraph"] * 2 + ["lems-chat__disclaimer"]
        assert shown_text(bubble) == "\n".join([*ANSWER, DISCLAIMER])
        assert bubble.get_by_role("link").count() == 0  # the numbers only in the alert
        check_small_print(page, bubble)
    assert axe_violations(page) == []


def message(text: str, **fields: Any) -> dict[str, Any]:
    return {"text": text, **fields}


BODY = ["First paragraph {n}.", "Second paragraph {n}."]


def whole(n: int) -> str:
    """Message ``n``'s text: two paragraphs, the source line and the disclaimer."""
    return "\n".join([*(p.format(n=n) for p in BODY), SOURCE, DISCLAIMER])


def parts(n: int, **changes: Any) -> dict[str, Any]:
    """Message ``n``'s parts as the server sends them, with ``changes``."""
    body = [p.format(n=n) for p in BODY]
    return {"urgency": None, "body": body, "source": SOURCE, "disclaimer": DISCLAIMER, **changes}


# each reply whose parts the widget must not use, and why
BROKEN = {
    "no parts": message(whole(1)),
    "parts not an object": message(whole(2), parts=["x"]),
    "body not a list": message(whole(3), parts=parts(3, body="First paragraph 3.")),
    "a paragraph not text": message(whole(4), parts=parts(4, body=["First paragraph 4.", 4])),
    "a paragraph missing": message(whole(5), parts=parts(5, body=["First paragraph 5."])),
    "a word changed": message(whole(6), parts=parts(6, disclaimer="This is advice.")),
    "source not text": message(whole(7), parts=parts(7, source=7)),
    "urgency without an alert": message(whole(8), parts=parts(8, urgency="emergency")),
    "an unknown urgency": message(whole(9), parts=parts(9, urgency="urgent")),
}
GOOD = message(whole(0), parts=parts(0))


@pytest.mark.parametrize("context_options", WIDTHS)
def test_parts_that_do_not_add_up_to_the_text_show_the_whole_text(page: Page) -> None:
    widget = serve(page, [GOOD, *BROKEN.values()])
    widget.ask("anything")
    expect(widget.bot_bubbles()).to_have_count(2 + len(BROKEN))  # the greeting too

    def check() -> None:
        good = widget.expect_answer("First paragraph 0.")
        assert kinds(good) == [
            "lems-chat__paragraph",
            "lems-chat__paragraph",
            "lems-chat__source",
            "lems-chat__disclaimer",
        ]
        assert shown_text(good) == whole(0)
        for n, why in enumerate(BROKEN, start=1):
            bubble = widget.expect_answer(f"First paragraph {n}.")
            assert bubble.evaluate("e => e.tagName") == "P", why  # one bubble, as text
            assert bubble.locator(".lems-chat__small-print").count() == 0, why
            assert shown_text(bubble) == whole(n), why  # every word
            expect(bubble).to_have_attribute("dir", "auto")
        assert widget.log.get_by_role("alert").count() == 0
        assert axe_violations(page) == []

    check()
    page.reload()  # kept as shown: parts only where they added up
    ChatWidget(page).expect_answer(DISCLAIMER)
    check()


@pytest.mark.parametrize("context_options", WIDTHS)
def test_an_alert_with_parts_that_do_not_add_up_shows_as_before(page: Page) -> None:
    """The alert first, then the rest of the text in one bubble: nothing dropped."""
    broken = likely_alarm("Emergency")
    broken["parts"] = {**broken["parts"], "body": ANSWER[:1]}  # a paragraph missing
    widget = serve(page, [broken])
    widget.ask("anything")
    alert = widget.expect_alert(GUIDANCE.split("\n")[0])
    assert links(alert) == [("tel:999", "999")]
    bubble = alert.locator("xpath=following-sibling::*[1]")
    assert bubble.evaluate("e => e.tagName") == "P"
    assert shown_text(bubble) == "\n".join([*ANSWER, DISCLAIMER])
    assert axe_violations(page) == []
