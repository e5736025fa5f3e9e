"""A reply's parts read back from a sent message, and laid out in each platform's style."""

from __future__ import annotations

from typing import Any

import pytest

from bot import answers, knowledge
from bot.catalogue import every_answer
from bot.channels.facebook import MESSENGER_STYLE
from bot.channels.parts import PLAIN, Kind, Part, Reply, Style, messages, plain, read_reply
from bot.channels.slack import escape as slack_escape
from bot.channels.telegram import TELEGRAM_STYLE
from bot.channels.twilio import SMS_STYLE, WHATSAPP_STYLE
from bot.knowledge import Knowledge
from bot.safety import Alarm, default_rules
from tests.channels.platforms import read_line

STYLES = {
    "plain": PLAIN,
    "telegram": TELEGRAM_STYLE,
    "messenger": MESSENGER_STYLE,
    "sms": SMS_STYLE,
    "whatsapp": WHATSAPP_STYLE,
}


@pytest.fixture(scope="module")
def facts() -> Knowledge:
    return knowledge.default()


def sent(answer: answers.Answer) -> tuple[str, dict[str, Any]]:
    """The text and the fields of the message the action server sends for ``answer``."""
    return answer.text, answers.message_data(answer)


def emergency(facts: Knowledge, country: str | None = "GB") -> answers.Answer:
    rules = default_rules()
    return answers.safety_answer(facts, rules, {Alarm.EMERGENCY}, country=country)


def test_every_answer_reads_back_as_its_parts(facts: Knowledge) -> None:
    for entry in every_answer(facts, default_rules()):
        answer = entry.answer
        reply = read_reply(*sent(answer))
        kinds = [p.kind for p in reply.parts]
        expected = [Kind.HEADING, Kind.ALERT] if answer.alert else []
        expected += [Kind.BODY] * len([p for p in answer.paragraphs if p.strip()])
        expected += [Kind.SOURCE] if answer.source_line else []
        expected += [Kind.DISCLAIMER] if answer.disclaimer else []
        assert kinds == expected, entry.name
        assert reply.urgency == (answer.alert.level.value if answer.alert else None)
        assert messages(reply, PLAIN, 100_000) == [answer.text], entry.name


def test_an_alert_is_headed_by_an_icon_and_its_words(facts: Knowledge) -> None:
    reply = read_reply(*sent(emergency(facts)))
    assert reply.parts[0] == Part(Kind.HEADING, "🚨 " + facts.phrases["alert_heading_emergency"])
    crisis = answers.safety_answer(facts, default_rules(), {Alarm.CRISIS})
    heading = read_reply(*sent(crisis)).parts[0]
    assert heading == Part(Kind.HEADING, "🆘 " + facts.phrases["alert_heading_crisis"])


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda f: f.pop(answers.PARTS_FIELD), id="no parts"),
        pytest.param(lambda f: f.update({answers.PARTS_FIELD: "body"}), id="parts not an object"),
        pytest.param(lambda f: f[answers.PARTS_FIELD].update(body="x"), id="body not a list"),
        pytest.param(lambda f: f[answers.PARTS_FIELD]["body"].append("an extra line"), id="more"),
        pytest.param(lambda f: f[answers.PARTS_FIELD].update(disclaimer=None), id="less"),
        pytest.param(lambda f: f[answers.PARTS_FIELD].update(urgency="crisis"), id="no alert"),
    ],
)
def test_parts_that_do_not_make_up_the_text_give_the_plain_text(
    facts: Knowledge, change: Any
) -> None:
    text, fields = sent(answers.topic_answer(facts, "pregnancy"))
    change(fields)
    assert read_reply(text, fields) == plain(text)


def test_an_alert_that_does_not_match_its_urgency_gives_the_plain_text(facts: Knowledge) -> None:
    text, fields = sent(emergency(facts))
    fields[answers.ALERT_FIELD]["level"] = "crisis"
    assert read_reply(text, fields) == plain(text)
    text, fields = sent(emergency(facts))
    fields[answers.ALERT_FIELD]["heading"] = ""
    assert read_reply(text, fields) == plain(text)


@pytest.mark.parametrize("name", list(STYLES))
@pytest.mark.parametrize("limit", [60, 160, 320, 4096])
def test_every_word_is_sent_in_order_within_the_limit(
    facts: Knowledge, name: str, limit: int
) -> None:
    style = STYLES[name]
    for entry in every_answer(facts, default_rules()):
        reply = read_reply(*sent(entry.answer))
        written = messages(reply, style, limit)
        assert all(len(m) <= limit for m in written), entry.name
        read = " ".join(read_line(line) for m in written for line in m.split("\n"))
        shown = [p.text for p in reply.parts if style.shows(p)]
        words = " ".join(" ".join(shown).split())
        assert " ".join(read.split()).lower() == words.lower(), (name, entry.name)


@pytest.mark.parametrize("name", ["telegram", "messenger", "whatsapp"])
def test_the_alert_is_a_message_of_its_own_and_comes_first(facts: Knowledge, name: str) -> None:
    routine = answers.topic_answer(facts, "infections")
    after = answers.after_alert(emergency(facts), routine)
    written = messages(read_reply(*sent(after)), STYLES[name], 4096)
    assert len(written) == 2
    alert, rest = ([read_line(line) for line in m.split("\n")] for m in written)
    assert alert[0].lower() == ("🚨 " + facts.phrases["alert_heading_emergency"]).lower()
    assert alert[-1] == facts.phrases["safety_line"]
    assert rest[-1] == facts.disclaimer and facts.disclaimer not in written[0]


def test_sms_is_compact(facts: Knowledge) -> None:
    cancer = answers.topic_answer(facts, "cancer")
    text, fields = sent(answers.after_alert(emergency(facts), cancer))
    [written] = messages(read_reply(text, fields), SMS_STYLE, 1600)
    assert "\n\n" not in written
    assert written == "🚨 EMERGENCY\n" + text  # the plain text, under its heading


def test_telegram_escapes_html_and_styles_each_part(facts: Knowledge) -> None:
    reply = Reply(
        (
            Part(Kind.BODY, "Is <script>alert(1)</script> & co ok?"),
            Part(Kind.SOURCE, "Source: A & B."),
            Part(Kind.DISCLAIMER, facts.disclaimer),
        )
    )
    [written] = messages(reply, TELEGRAM_STYLE, 4096)
    assert written == (
        "Is &lt;script&gt;alert(1)&lt;/script&gt; &amp; co ok?\n\n"
        f"<i>Source: A &amp; B.</i>\n<i>{facts.disclaimer}</i>"
    )


def test_a_part_too_long_for_one_message_is_cut_and_each_piece_styled() -> None:
    style = Style({Kind.BODY: lambda t: f"<b>{t}</b>"})
    reply = Reply((Part(Kind.BODY, "word " * 100),))
    written = messages(reply, style, 50)
    assert len(written) > 10 and all(len(m) <= 50 for m in written)
    assert all(m.startswith("<b>") and m.endswith("</b>") for m in written)


def test_slack_escapes_its_three_reserved_characters() -> None:
    assert slack_escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"
