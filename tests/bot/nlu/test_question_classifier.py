"""Several questions in one message, each part named by the trained linear classifier.

Through the real components, as the pipeline runs them: the linear classifier (trained,
saved and loaded through Rasa's model storage) scores the message and its parts, then the
several-questions component decides.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_intent_classifier import QUESTION_PARTS, LinearIntentClassifier
from bot.nlu.question_classifier import SeveralQuestionsClassifier

# none of these parts' words are in bot/knowledge/question_words.yml: only the classifier
# can name them
EXAMPLES = {
    "ask_evidence": [
        "does it actually help lems",
        "has it helped other people with lems",
        "will it help my lems",
        "is it any good for lems",
    ],
    "ask_not_covered": [
        "can i drive on it",
        "is it ok to drive after taking it",
        "can i still drive a car",
        "will it affect my driving",
    ],
    "greet": ["hello", "hi there", "good morning", "hey"],
}


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> LinearIntentClassifier:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("linear")
    context = ExecutionContext(GraphSchema({}), "test")
    config = LinearIntentClassifier.get_default_config()
    examples = [Message(data={TEXT: t, INTENT: i}) for i, ts in EXAMPLES.items() for t in ts]
    LinearIntentClassifier.create(config, storage, resource, context).train(TrainingData(examples))
    return LinearIntentClassifier.load(config, storage, resource, context)


def several(**config: Any) -> SeveralQuestionsClassifier:
    settings = {**SeveralQuestionsClassifier.get_default_config(), **config}
    return SeveralQuestionsClassifier.create(settings, None, None, None)  # type: ignore[arg-type]


def read(classifier: LinearIntentClassifier, text: str, **config: Any) -> Message:
    [message] = several(**config).process(classifier.process([Message(data={TEXT: text})]))
    return message


def questions(message: Message) -> list[str]:
    return [e["value"] for e in message.get(ENTITIES) or [] if e["entity"] == "question"]


def test_the_classifier_scores_each_part_of_a_message(classifier: LinearIntentClassifier) -> None:
    [two, one] = classifier.process(
        [Message(data={TEXT: "Will it help my LEMS, and can I drive on it?"}),
         Message(data={TEXT: "can i drive on it"})]
    )  # fmt: skip
    parts = two.get(QUESTION_PARTS)
    assert [(p[TEXT], p["name"], p["asks"]) for p in parts] == [
        ("will it help my lems", "ask_evidence", True),
        ("can i drive on it", "ask_not_covered", True),
    ]
    assert all(0 < p["confidence"] <= 1 for p in parts)
    assert one.get(QUESTION_PARTS) is None  # one part: the message's own intent says it


def test_two_parts_asking_different_things_are_several(
    classifier: LinearIntentClassifier,
) -> None:
    message = read(classifier, "will it help my lems and can i drive on it")
    assert message.get(INTENT)["name"] == "ask_several"
    assert questions(message) == ["ask_evidence", "ask_not_covered"]
    [first, second] = [e for e in message.get(ENTITIES) if e["entity"] == "question"]
    assert (first["start"], first["end"]) == (0, len("will it help my lems"))
    assert message.get(TEXT)[second["start"] : second["end"]] == "can i drive on it"


@pytest.mark.parametrize(
    "text",
    [
        "hi there? and will it help my lems",  # a greeting is no question answered
        "i drive a lot and will it help my lems",  # a back-story part asks nothing
        "can i drive on it and is it ok to drive after taking it",  # the same thing twice
    ],
)
def test_one_answerable_question_is_not_several(
    classifier: LinearIntentClassifier, text: str
) -> None:
    message = read(classifier, text)
    assert len(message.get(QUESTION_PARTS)) == 2
    assert message.get(INTENT)["name"] != "ask_several"


def test_a_part_the_classifier_is_unsure_of_does_not_count(
    classifier: LinearIntentClassifier,
) -> None:
    text = "will it help my lems and can i drive on it"
    assert read(classifier, text, part_confidence=0.99).get(INTENT)["name"] != "ask_several"


def test_a_single_question_is_still_named_by_its_words(
    classifier: LinearIntentClassifier,
) -> None:
    message = read(classifier, "what is lems and will it help my kids")
    assert message.get(INTENT)["name"] != "ask_several"
    assert questions(message) == ["ask_what_is_lems"]
