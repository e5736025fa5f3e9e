"""Emergency and crisis replies in the widget: an alert first, its numbers links to call.

Expected numbers come from the numbers file, never copied English: a changed number
changes what is checked.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from bot import knowledge
from bot.emergency_numbers import Country, Phone
from bot.safety import Alarm, default_rules
from tests.widget.chat import (
    CONTRAST,
    DESKTOP,
    DISCLAIMER,
    WIDTHS,
    ChatWidget,
    axe_violations,
    links,
    widget_for,
)

pytestmark = pytest.mark.e2e

RULES = default_rules()
PHRASES = knowledge.default().phrases
SAFETY_LINE = PHRASES["safety_line"]
GB = RULES.numbers.countries["GB"]


def href(phone: Phone) -> str:
    """A number's link, as the page should make it: digits only."""
    return ("tel:" if phone.call else "sms:") + re.sub(r"\D", "", phone.number)


def crisis_hrefs(country: Country) -> list[str]:
    """From the file: the emergency numbers to call, each line's number to call or text."""
    hrefs = [href(Phone(n)) for n in country.emergency]
    for line in country.crisis:
        phone = Phone(line.call) if line.call else Phone(line.text or "", call=False, text=True)
        hrefs.append(href(phone))
    return hrefs


@pytest.mark.parametrize("context_options", WIDTHS)
def test_an_emergency_is_an_alert_first_with_numbers_to_call(page: Page) -> None:
    """BOT_COUNTRY unset; the page's country setting GB gives the UK's numbers."""
    widget = widget_for(page, "GB")
    widget.ask("my lips are swelling and I can't breathe")
    alert = widget.expect_alert(RULES.message(Alarm.EMERGENCY, "GB"))

    expect(alert.get_by_role("heading", name=PHRASES["alert_heading_emergency"])).to_be_visible()
    assert alert.locator("h3 svg").count() == 1  # an icon beside the words
    assert alert.evaluate("e => e === e.parentElement.firstElementChild")  # first in its message
    text = alert.locator(".lems-chat__alert-text").text_content()
    assert text == "\n".join([RULES.message(Alarm.EMERGENCY, "GB"), SAFETY_LINE])
    assert links(alert) == [(href(Phone(n)), n) for n in GB.emergency]  # tel:999
    message = alert.locator("xpath=..")
    expect(message).not_to_contain_text(DISCLAIMER)  # the safety line instead

    assert page.evaluate(CONTRAST, [alert.element_handle(), None]) >= 7
    for i in range(alert.get_by_role("link").count()):
        link = alert.get_by_role("link").nth(i)
        assert page.evaluate(CONTRAST, [link.element_handle(), alert.element_handle()]) >= 7
    expect(alert.get_by_role("heading")).to_be_in_viewport(ratio=1)  # its start in view
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate("innerWidth")

    assert axe_violations(page) == []

    page.reload()  # the history shows the alert again, with its links
    restored = ChatWidget(page).expect_alert(RULES.message(Alarm.EMERGENCY, "GB"))
    assert links(restored) == links(alert)


@pytest.mark.parametrize("context_options", WIDTHS)
def test_a_crisis_is_an_alert_with_lines_to_call_or_text(page: Page) -> None:
    widget = widget_for(page, "GB")
    widget.ask("I want to end my life")
    alert = widget.expect_alert(RULES.message(Alarm.CRISIS, "GB"))
    expect(alert.get_by_role("heading", name=PHRASES["alert_heading_crisis"])).to_be_visible()
    found = links(alert)
    assert sorted(h for h, _ in found) == sorted(crisis_hrefs(GB))  # tel:116123, sms:85258...
    numbers = [n for n in (*GB.emergency, *(x for c in GB.crisis for x in (c.call, c.text))) if n]
    assert all(shown in numbers for _, shown in found)  # the visible number as written
    expect(alert.locator("xpath=..")).not_to_contain_text(DISCLAIMER)
    assert axe_violations(page) == []


@pytest.mark.parametrize("context_options", [DESKTOP])
def test_with_no_country_the_examples_are_links(page: Page) -> None:
    """No country from the page and no BOT_COUNTRY: "your local emergency number", e.g. ..."""
    widget = widget_for(page, "")
    widget.ask("I can't breathe")
    alert = widget.expect_alert(RULES.message(Alarm.EMERGENCY))
    expected = [href(Phone(e.number)) for e in RULES.numbers.unknown_emergency]
    assert [h for h, _ in links(alert)] == expected  # tel:911, tel:999, tel:112, tel:000


@pytest.mark.parametrize("context_options", [DESKTOP])
def test_a_likely_alarm_shows_the_alert_then_the_answer(page: Page) -> None:
    """As the server sends a likely alarm: the alert, then the question answered as usual.

    Only the numbers the server listed become links, and only where they stand alone.
    """
    lead = knowledge.default().phrases["likely_alarm_lead"]
    guidance = f"{lead}\nCall 13 11 14 now, or text 0477 13 11 14.\n{SAFETY_LINE}"
    answer = f"Doses: ask your pharmacist about 13 11 14.\n{DISCLAIMER}"
    numbers = [{"number": "13 11 14", "call": True, "text": False}, {"number": "x", "call": True}]
    reply = {
        "recipient_id": "x",
        "text": f"{guidance}\n{answer}",
        "alert": {"level": "emergency", "text": guidance, "numbers": numbers},
    }
    page.context.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
    page.context.route(
        re.compile(r".*/webhooks/rest/webhook$"),
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps([reply])
        ),
    )
    page.reload()
    widget = ChatWidget(page)
    widget.launcher.click()
    widget.wait_online()
    widget.ask("anything")
    alert = widget.expect_alert(lead)
    assert links(alert) == [("tel:131114", "13 11 14")]  # not the one inside 0477 13 11 14
    bubble = alert.locator("xpath=following-sibling::p[1]")
    expect(bubble).to_have_class("lems-chat__bubble")
    assert bubble.text_content() == answer  # after the alert, with its disclaimer; no links
    assert bubble.get_by_role("link").count() == 0
    expect(alert).not_to_contain_text(DISCLAIMER)
