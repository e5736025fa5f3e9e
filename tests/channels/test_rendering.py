"""Each platform renders a reply's parts its own way: through the real webhooks.

An emergency and a routine answer on Telegram (HTML), Slack (blocks, mrkdwn), Messenger
(text), SMS (compact) and WhatsApp (its own bold and italics). The alert comes first,
under its heading; the source line and the disclaimer are set apart as small print.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable

import pytest

from bot import knowledge
from harness.servers import BotServers
from tests.channels import test_facebook, test_slack, test_telegram, test_twilio
from tests.channels.platforms import FakePlatforms, Sent

pytestmark = pytest.mark.e2e

EMERGENCY = "my lips are swelling and I can't breathe"
QUESTION = "Is it safe in pregnancy?"
FACTS = knowledge.default()
DISCLAIMER = FACTS.disclaimer
SOURCE = FACTS.source_line
SAFETY_LINE = FACTS.phrases["safety_line"]
HEADING = FACTS.phrases["alert_heading_emergency"]
_ids = itertools.count(1)

Until = Callable[[list[Sent]], bool]


def ends_with(line: str) -> Until:
    return lambda sent: bool(sent) and sent[-1].text.endswith(line)


def telegram(bot: BotServers, fake: FakePlatforms, text: str, until: Until) -> list[Sent]:
    chat = 950_000 + next(_ids)
    assert test_telegram.send(bot, test_telegram.message(chat, text)).status == 200
    return fake.wait_for("telegram", str(chat), until)


def slack(bot: BotServers, fake: FakePlatforms, text: str, until: Until) -> list[Sent]:
    user, channel = f"UR{next(_ids)}", f"DR{next(_ids)}"
    assert test_slack.send(bot, test_slack.dm_event(user, channel, text)).status == 200
    return fake.wait_for("slack", channel, until)


def messenger(bot: BotServers, fake: FakePlatforms, text: str, until: Until) -> list[Sent]:
    sender = f"PR{next(_ids)}"
    event = test_facebook.page_event(test_facebook.text_message(sender, text))
    assert test_facebook.send(bot, event).status == 200
    return fake.wait_for("facebook", sender, until)


def twilio(prefix: str) -> Callable[[BotServers, FakePlatforms, str, Until], list[Sent]]:
    def ask(bot: BotServers, fake: FakePlatforms, text: str, until: Until) -> list[Sent]:
        sender = f"{prefix}+1555000{next(_ids):04d}"
        assert test_twilio.send(bot, test_twilio.sms(sender, text)).status == 200
        return fake.wait_for("twilio", sender, until)

    return ask


sms, whatsapp = twilio(""), twilio("whatsapp:")


def test_telegram_sends_html_with_the_alert_bold_and_first(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    sent = telegram(channel_bot, platforms, EMERGENCY, ends_with(SAFETY_LINE))
    assert all(s.body["parse_mode"] == "HTML" for s in sent)
    first = sent[0].markup.split("\n")
    assert first[0] == f"<b>🚨 {HEADING}</b>"
    assert all(line.startswith("<b>") and line.endswith("</b>") for line in first)
    assert first[-1] == f"<b>{html.escape(SAFETY_LINE, quote=False)}</b>"


def test_telegram_sets_the_source_and_disclaimer_apart_in_italics(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    sent = telegram(channel_bot, platforms, QUESTION, ends_with(DISCLAIMER))
    closing = f"\n\n<i>{html.escape(SOURCE, quote=False)}</i>\n<i>{DISCLAIMER}</i>"
    assert sent[-1].markup.endswith(closing)
    assert "miscarriage" in sent[-1].text and "<i>" not in sent[-1].text


def test_slack_sends_the_alert_as_a_bold_section_and_small_print_as_context(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    [alert] = slack(channel_bot, platforms, EMERGENCY, ends_with(SAFETY_LINE))
    section = alert.body["blocks"][0]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    lines = section["text"]["text"].split("\n")
    assert lines[0] == f"*🚨 {HEADING}*"
    assert lines[-1] == f"*{SAFETY_LINE}*"
    [answer] = slack(channel_bot, platforms, QUESTION, ends_with(DISCLAIMER))
    *body, context = answer.body["blocks"][
        : -1 if answer.body["blocks"][-1]["type"] == "actions" else None
    ]
    assert context == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": SOURCE}, {"type": "mrkdwn", "text": DISCLAIMER}],
    }
    assert all(b["type"] == "section" and b["text"]["type"] == "plain_text" for b in body)
    assert DISCLAIMER in answer.body["text"]  # the notification's words


def test_messenger_sends_the_alert_alone_under_its_heading_in_capitals(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    sent = messenger(channel_bot, platforms, EMERGENCY, ends_with(SAFETY_LINE))
    assert sent[0].markup.startswith(f"🚨 {HEADING.upper()}\n")
    answer = messenger(channel_bot, platforms, QUESTION, ends_with(DISCLAIMER))
    assert answer[-1].markup.endswith(f"\n\n{SOURCE}\n{DISCLAIMER}")


def test_an_sms_is_compact_with_the_heading_in_capitals(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    sent = sms(channel_bot, platforms, EMERGENCY, ends_with(SAFETY_LINE))
    assert sent[0].markup.startswith(f"🚨 {HEADING.upper()}\n")
    answer = sms(channel_bot, platforms, QUESTION, ends_with(DISCLAIMER))
    assert all("\n\n" not in s.markup for s in [*sent, *answer])
    assert all(len(s.markup) <= test_twilio.LIMIT for s in [*sent, *answer])
    lines = [line for s in answer for line in s.markup.split("\n")]
    assert lines[-2:] == [SOURCE, DISCLAIMER]


def test_whatsapp_uses_its_own_bold_and_italics(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    sent = whatsapp(channel_bot, platforms, EMERGENCY, ends_with(SAFETY_LINE))
    assert sent[0].markup.startswith(f"*🚨 {HEADING}*\n*")
    answer = whatsapp(channel_bot, platforms, QUESTION, ends_with(DISCLAIMER))
    lines = [line for s in answer for line in s.markup.split("\n")]
    assert lines[-2:] == [f"_{SOURCE}_", f"_{DISCLAIMER}_"]
    assert all(len(s.markup) <= test_twilio.LIMIT for s in [*sent, *answer])
