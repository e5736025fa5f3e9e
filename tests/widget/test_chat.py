"""The widget in Chromium against the real bot: keyboard use, answers, safe rendering."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Dialog, Page, expect

from bot.safety import Alarm, default_rules
from harness.servers import BotServers
from tests.widget.chat import (
    ANSWER_MS,
    DISCLAIMER,
    NOTICE,
    TOPICS,
    ChatWidget,
    tab_to_launcher,
)
from tests.widget.conftest import PageRecord

pytestmark = pytest.mark.e2e


def test_keyboard_opens_the_panel_and_a_topic_button_answers(
    page: Page, widget: ChatWidget, record: PageRecord, bot: BotServers
) -> None:
    tab_to_launcher(page)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused launcher shows no focus ring"
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    expect(widget.input).to_be_focused()
    expect(widget.panel).to_contain_text(NOTICE)
    for title in TOPICS:
        expect(widget.topic(title)).to_be_visible(timeout=ANSWER_MS)
    expect(widget.topic("Evidence in LEMS")).to_be_visible()

    widget.topic("Side effects").click()
    expect(widget.user_bubbles().last).to_contain_text("Side effects")
    answer = widget.expect_answer(DISCLAIMER)
    expect(answer).to_contain_text("Headache")
    expect(answer).to_have_css("white-space", "pre-line")
    lines = answer.evaluate(
        "e => Math.round(e.clientHeight / parseFloat(getComputedStyle(e).lineHeight))"
    )
    assert lines >= 8, "the answer's line breaks are not shown"
    expect(widget.topic("Side effects")).to_have_count(0)  # old quick replies are cleared

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")

    own_hosts = {page.url.split("/")[2], bot.rasa_url.split("/")[2]}
    assert record.hosts <= own_hosts, f"the page loaded from other hosts: {record.hosts}"
    assert not [e for e in record.errors if "Content Security Policy" in e], record.errors


def test_a_typed_question_about_pregnancy_is_answered(widget: ChatWidget) -> None:
    widget.open()
    widget.ask("can I take it if I'm pregnant?")
    expect(widget.input).to_have_value("")
    expect(widget.user_bubbles().last).to_contain_text("can I take it if I'm pregnant?")
    expect(widget.expect_answer("miscarriage")).to_contain_text(DISCLAIMER)


def test_html_in_a_message_shows_as_text(page: Page, widget: ChatWidget) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    widget.open()
    answers = widget.bot_bubbles().count()
    attack = "<img src=x onerror=alert(1)>"

    widget.ask(attack)
    expect(widget.user_bubbles().last).to_have_text(re.compile(re.escape(attack) + "$"))
    expect(widget.bot_bubbles()).not_to_have_count(answers, timeout=ANSWER_MS)  # the bot replied
    assert page.locator("img").count() == 0
    assert dialogs == []


def test_falls_back_to_rest_when_socketio_cannot_connect(page: Page) -> None:
    page.context.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
    page.reload()
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    widget = ChatWidget(page)
    widget.open()
    widget.ask("does it cause cancer")
    widget.expect_answer("lymphoma")
    assert sockets == []  # the answers came over REST


def desktop(locale: str) -> dict[str, object]:
    return {"viewport": {"width": 1280, "height": 800}, "locale": locale}


@pytest.mark.parametrize(
    ("context_options", "country"),
    [
        pytest.param(desktop("en-GB"), "GB", id="en-GB"),
        pytest.param(desktop("en-AU"), "AU", id="en-AU"),
        pytest.param(desktop("fr"), None, id="fr-no-region"),  # BOT_COUNTRY (unset) decides
    ],
)
def test_the_browsers_locale_chooses_the_emergency_numbers(
    widget: ChatWidget, country: str | None
) -> None:
    widget.open()
    widget.ask("I can't breathe")
    widget.expect_alert(default_rules().message(Alarm.EMERGENCY, country))


@pytest.mark.parametrize("context_options", [desktop("en-US")])
def test_the_embedding_page_can_fix_the_country(page: Page) -> None:
    """A page for patients of one country sets it: a browser in US English changes nothing."""
    page.add_init_script("window.LemsChatConfig = {country: 'nz'}")
    page.reload()
    widget = ChatWidget(page)
    widget.open()
    widget.ask("I can't breathe")
    widget.expect_alert(default_rules().message(Alarm.EMERGENCY, "NZ"))


@pytest.mark.parametrize("context_options", [desktop("en-IE")])
def test_the_locale_goes_with_messages_over_rest_too(page: Page) -> None:
    page.context.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
    page.reload()
    widget = ChatWidget(page)
    widget.open()
    widget.ask("I want to end my life")
    widget.expect_alert(default_rules().message(Alarm.CRISIS, "IE"))


def test_bot_html_shows_as_text_and_only_http_links_become_links(page: Page) -> None:
    reply = (
        "<b>bold</b> <img src=x onerror=alert(1)>\n"
        "See https://example.org/a. Or [the leaflet](https://example.org/b), "
        "[not this](javascript:alert(1)) and javascript:alert(2)."
    )
    body = json.dumps([{"recipient_id": "x", "text": reply}])
    page.context.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
    page.context.route(
        re.compile(r".*/webhooks/rest/webhook$"),
        lambda route: route.fulfill(status=200, content_type="application/json", body=body),
    )
    page.reload()
    widget = ChatWidget(page)
    widget.launcher.click()
    widget.wait_online()
    widget.ask("anything")
    bubble = widget.expect_answer("<b>bold</b>")
    expect(bubble).to_contain_text("<img src=x onerror=alert(1)>")
    assert bubble.locator("b, img").count() == 0
    links = bubble.get_by_role("link")
    expect(links).to_have_count(2)
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        "https://example.org/a",
        "https://example.org/b",
    ]
    expect(links.nth(1)).to_have_text("the leaflet")
    for i in range(2):
        expect(links.nth(i)).to_have_attribute("rel", "noopener noreferrer")
        expect(links.nth(i)).to_have_attribute("target", "_blank")
    expect(bubble).to_contain_text("[not this](javascript:alert(1)) and javascript:alert(2).")


def test_the_pages_own_title_notice_and_launcher_label_win_over_the_widgets(page: Page) -> None:
    own = {"title": "Ask the clinic", "notice": "Our own notice", "launcherLabel": "Ask us"}
    page.add_init_script(f"window.LemsChatConfig = {json.dumps(own)}")
    page.reload()
    page.get_by_role("button", name=own["launcherLabel"]).click()
    panel = page.get_by_role("dialog", name=own["title"])
    expect(panel).to_be_visible()
    expect(panel.get_by_text(own["notice"], exact=True)).to_be_visible()
    expect(panel).not_to_contain_text(NOTICE)
