"""End to end: the real action and Rasa servers, questions posted to the REST webhook."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from bot import knowledge
from bot.safety import Alarm, default_rules
from harness.servers import BotServers, texts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DISCLAIMER = knowledge.default().disclaimer
RULES = default_rules()


def sender() -> str:
    return f"patient-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is mycophenolate?", ["by mouth", "immunosuppressant", "CellCept"]),
        ("how does cellcept work", ["immune system", "nerves meet muscles"]),
        ("what is LEMS", ["autoimmune", "neuromuscular junction"]),
        ("what are the side effects", ["Constipation", "Headache", "prickling"]),
        ("is headache a side effect?", ["Yes. My source lists headache"]),
        ("pins and needles on my skin?", ["burning, tingling or prickling"]),
        ("will it make my hair fall out", ["doesn't list hair loss", "care team"]),
        ("am I more likely to get infections", ["fight germs", "serious infections"]),
        ("does it cause cancer", ["skin cancer", "lymphoma", "immune cells"]),
        ("I just found out I'm expecting", ["must not take it", "miscarriage", "birth defects"]),
        ("has it been tested in LEMS patients", ["No studies", "lupus", "Crohn's", "dermatitis"]),
        ("is it approved by the FDA", ["CellCept", "Genentech", "heart, liver or kidney"]),
        ("how old is your information", ["Lambert-Eaton News", "July 23, 2019"]),
        ("how many mg should I take", ["prescriber or pharmacist"]),
        ("can I drink alcohol on it", ["pharmacist or prescriber"]),
        ("can I just stop taking it", ["talk to your"]),
    ],
)
def test_medical_questions_get_the_right_facts_and_the_disclaimer(
    bot: BotServers, question: str, expected: list[str]
) -> None:
    answer = texts(bot.say(sender(), question))
    for fact in expected:
        assert fact in answer
    assert answer.count(DISCLAIMER) == 1
    assert answer.rstrip().endswith("about your care.")


def test_an_emergency_wins_over_the_question(bot: BotServers) -> None:
    answer = texts(bot.say(sender(), "what are the side effects? my throat is swelling"))
    assert answer.startswith(RULES.message(Alarm.EMERGENCY))  # no country: the examples
    assert "Constipation" not in answer


def test_a_crisis_gets_crisis_line_guidance(bot: BotServers) -> None:
    answer = texts(bot.say(sender(), "i want to end my life"))
    assert answer.startswith(RULES.message(Alarm.CRISIS))
    assert all(e.number in answer for e in RULES.numbers.unknown_crisis)


@pytest.mark.parametrize("country", ["GB", "IE", "US", "CA", "AU", "NZ", "FR", "JP"])
def test_the_country_sent_with_the_message_chooses_the_numbers(
    bot: BotServers, country: str
) -> None:
    """The web widget sends its browser's country as message metadata."""
    me = sender()
    answer = texts(bot.say(me, "i want to end my life", metadata={"country": country}))
    assert answer.startswith(RULES.message(Alarm.CRISIS, country))
    child = texts(bot.say(me, "my son swallowed my tablets", metadata={"country": country}))
    swallowed = RULES.message(
        Alarm.EMERGENCY, country, True, ["emergency.swallowed_by_someone_else"]
    )
    assert child.startswith(swallowed)
    place = RULES.numbers.country(country)
    if place is None:
        assert "your local emergency number" in answer
    elif place.poison is not None:
        assert str(place.poison.call) in child


def test_an_emergency_reply_carries_its_alert_as_data(bot: BotServers) -> None:
    """The web widget shows it as an alert, its numbers as links: none parsed from English."""
    gb = RULES.numbers.countries["GB"]
    [reply] = bot.say(
        sender(), "my lips are swelling and I can't breathe", metadata={"country": "GB"}
    )
    alert = reply["alert"]
    assert isinstance(alert, dict) and alert["level"] == "emergency"
    assert reply["text"] == alert["text"] and DISCLAIMER not in alert["text"]
    assert alert["numbers"] == [{"number": n, "call": True, "text": False} for n in gb.emergency]
    assert reply["keys"] == ["safety:emergency"]
    [routine] = bot.say(sender(), "what is LEMS")
    assert "alert" not in routine and DISCLAIMER in str(routine["text"])


def test_greeting_offers_topic_buttons(bot: BotServers) -> None:
    replies = bot.say(sender(), "hello")
    buttons = [b["title"] for r in replies for b in r.get("buttons") or []]  # type: ignore[attr-defined]
    assert "Side effects" in buttons and "Pregnancy" in buttons
    assert DISCLAIMER not in texts(replies)


def test_out_of_scope_is_honest(bot: BotServers) -> None:
    answer = texts(bot.say(sender(), "what's the weather like in Paris?"))
    assert "I can only help with questions about mycophenolate" in answer
    assert DISCLAIMER not in answer


def test_a_multi_turn_conversation_keeps_its_topic(bot: BotServers) -> None:
    me = sender()
    assert "Tell me more" in json.dumps(bot.say(me, "how does it work?"))
    detail = texts(bot.say(me, "tell me more"))
    assert "IMPDH2" in detail and detail.count(DISCLAIMER) == 1
    assert "Yes. My source lists" in texts(bot.say(me, "does it cause constipation"))


def test_a_huge_message_is_cut_not_fatal(bot: BotServers) -> None:
    me = sender()
    replies = bot.say(me, "is headache a side effect? " + "blah " * 22_400, timeout=60)
    assert replies, "the bot answered"
    assert DISCLAIMER in texts(bot.say(me, "what is lymphoma"))


def test_a_malformed_request_is_a_client_error(bot: BotServers) -> None:
    request = urllib.request.Request(
        f"{bot.rasa_url}/webhooks/rest/webhook", b"{not json", {"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert 400 <= error.value.code < 500
    assert texts(bot.say(sender(), "hello"))


@pytest.mark.parametrize(
    "closing",
    [
        "thanks, I'll ask my GP about it",
        "ok will mention it to the neurologist at my next appointment, bye",
    ],
)
def test_a_closing_that_names_the_care_team_says_how_to_take_the_chat_along(
    bot: BotServers, closing: str
) -> None:
    me = sender()
    bot.say(me, "what are the side effects")
    answer = texts(bot.say(me, closing))
    assert knowledge.default().phrases["take_it_along"] in answer  # REST is no web chat
    assert DISCLAIMER not in answer
