"""The custom Rasa NLU components, on real Rasa messages."""

from typing import Any

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.limits import MAX_MESSAGE_CHARS
from bot.nlu.base import RULE_TEXT
from bot.nlu.language_detector import LanguageDetector
from bot.nlu.message_guard import MessageLengthGuard
from bot.nlu.question_classifier import SeveralQuestionsClassifier
from bot.nlu.red_flag_classifier import RedFlagClassifier
from bot.nlu.spelling import SpellingCorrection
from bot.nlu.term_extractor import FactTermExtractor


def create(component: Any, **config: Any) -> Any:
    # These components keep nothing in model storage, so none is needed.
    return component.create({**component.get_default_config(), **config}, None, None, None)


def classified(text: str, intent: str, confidence: float = 0.8) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}])
    return message


@pytest.fixture(scope="module")
def red_flags() -> RedFlagClassifier:
    return create(RedFlagClassifier)


def test_red_flag_overrides_the_classifier(red_flags: RedFlagClassifier) -> None:
    [message] = red_flags.process(
        [classified("side effects? my lips are swelling", "ask_side_effects")]
    )
    assert message.get(INTENT) == {"name": "emergency", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[1]["name"] == "ask_side_effects"
    assert [e["value"] for e in message.get(ENTITIES)] == ["emergency.swelling"]


def test_red_flag_overrides_a_fallback(red_flags: RedFlagClassifier) -> None:
    [message] = red_flags.process([classified("want to end it all", "nlu_fallback", 0.3)])
    assert message.get(INTENT)["name"] == "crisis"


def test_ordinary_messages_keep_their_intent(red_flags: RedFlagClassifier) -> None:
    [message] = red_flags.process(
        [classified("is headache a side effect?", "ask_side_effect_specific")]
    )
    assert message.get(INTENT)["name"] == "ask_side_effect_specific"
    assert not message.get(ENTITIES)


def test_term_extractor_adds_symptom_and_drug_entities() -> None:
    extractor = create(FactTermExtractor)
    [message] = extractor.process([Message(data={TEXT: "Does CellCept cause pins and needles?"})])
    entities = [(e["entity"], e["value"], e["start"], e["end"]) for e in message.get(ENTITIES)]
    assert entities == [
        ("drug", "mycophenolate", 5, 13),
        ("side_effect", "skin_sensations", 20, 36),
    ]


def test_message_guard_cuts_huge_messages_and_leaves_training_data() -> None:
    guard = create(MessageLengthGuard)
    [message] = guard.process([Message(data={TEXT: "a" * 112_000})])
    assert len(message.get(TEXT)) == MAX_MESSAGE_CHARS
    data = TrainingData([Message(data={TEXT: "hello"})])
    assert guard.process_training_data(data) is data


def test_message_guard_limit_is_configurable() -> None:
    [message] = create(MessageLengthGuard, max_chars=5).process([Message(data={TEXT: "abcdefgh"})])
    assert message.get(TEXT) == "abcde"


def test_term_extractor_adds_items_hints_the_other_person_and_feelings() -> None:
    extractor = create(FactTermExtractor)
    [message] = extractor.process(
        [Message(data={TEXT: "I'm scared, can my mum have the covid jab?"})]
    )
    found = {(e["entity"], e["value"]) for e in message.get(ENTITIES)}
    assert {
        ("item", "vaccines"),
        ("item_hint", "vaccines"),
        ("subject", "other"),
        ("feeling", "upset"),
    } <= found


@pytest.mark.parametrize(
    "text",
    ["my little boy swallowed two of my tablets", "my granddaughter got into my pill box"],
)
def test_the_other_person_is_found_in_everyday_family_words(text: str) -> None:
    [message] = create(FactTermExtractor).process([Message(data={TEXT: text})])
    assert ("subject", "other") in {(e["entity"], e["value"]) for e in message.get(ENTITIES)}


def test_spelling_correction_feeds_the_matchers_not_the_classifier() -> None:
    speller = create(SpellingCorrection)
    [message] = speller.process([Message(data={TEXT: "Brestfeeding on cellcep?"})])
    assert message.get(TEXT) == "Brestfeeding on cellcep?"
    assert message.get(RULE_TEXT) == "breastfeeding on cellcept?"
    [message] = create(FactTermExtractor).process([message])
    assert ("item", "breastfeeding") in {(e["entity"], e["value"]) for e in message.get(ENTITIES)}
    data = TrainingData([Message(data={TEXT: "hello"})])
    assert speller.process_training_data(data) is data


def test_misspelt_red_flags_are_still_caught(red_flags: RedFlagClassifier) -> None:
    [message] = create(SpellingCorrection).process(
        [classified("i cant breahte", "ask_side_effects")]
    )
    [message] = red_flags.process([message])
    assert message.get(INTENT)["name"] == "emergency"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿Puedo tomar micofenolato durante el embarazo?", "SPANISH"),
        ("Ist das gefährlich für mein Baby?", "GERMAN"),
        ("我可以在怀孕期间服用吗", "CHINESE"),
        ("knackered all the time on cellcept lol", None),
        ("side affects??", None),
        ("hola", None),  # too short to tell
        # no English word, and lingua gives English almost nothing, but cannot say whether
        # Portuguese or Spanish: another language all the same (the notice in English)
        ("Bom dia, o micofenolato é seguro?", "UNKNOWN"),
        ("wot abt da jabz m8", None),  # text-speak is English
        ("pls hlp cnt brth", None),
    ],
)
def test_language_detector_names_other_languages_only(text: str, language: str | None) -> None:
    [message] = create(LanguageDetector).process([Message(data={TEXT: text})])
    found = [e["value"] for e in message.get(ENTITIES) or [] if e["entity"] == "language"]
    assert found == ([language] if language else [])


def test_question_classifier_names_a_single_question_and_marks_several() -> None:
    questions = create(SeveralQuestionsClassifier)
    [one] = questions.process([classified("what is lems and is it genetic", "ask_evidence", 0.5)])
    assert one.get(INTENT)["name"] == "ask_evidence"
    assert [e["value"] for e in one.get(ENTITIES)] == ["ask_what_is_lems"]
    [two] = questions.process([classified("side effects? and pregnancy?", "ask_side_effects")])
    assert two.get(INTENT)["name"] == "ask_several"


@pytest.mark.parametrize(
    ("text", "alarm"),
    [
        ("my lips have gone massive after the new tablet", "emergency"),
        ("i keep thinking everyone would be happier if i was gone", "crisis"),
    ],
)
def test_the_backstop_adds_alarms_the_rules_miss_and_keeps_the_intent(
    red_flags: RedFlagClassifier, text: str, alarm: str
) -> None:
    assert red_flags.matcher.find(text).alarm is None  # the rules alone miss it
    [message] = red_flags.process([classified(text, "ask_side_effects")])
    assert [e["value"] for e in message.get(ENTITIES)] == [f"{alarm}.backstop"]
    assert message.get(INTENT)["name"] == "ask_side_effects"  # still answered


def test_the_backstop_respects_what_the_rules_set_aside(red_flags: RedFlagClassifier) -> None:
    text = "i don't have chest pain but my stomach really hurts after the tablets"
    assert red_flags.matcher.find(text).dismissed == ("emergency.chest_pain",)
    [message] = red_flags.process([classified(text, "ask_side_effects")])
    assert not message.get(ENTITIES)


def test_other_languages_are_read_before_spelling_correction(red_flags: RedFlagClassifier) -> None:
    [message] = create(SpellingCorrection).process(
        [classified("Meine Frau bekommt keine Luft mehr", "nlu_fallback", 0.3)]
    )
    [message] = red_flags.process([message])
    assert message.get(INTENT)["name"] == "emergency"
