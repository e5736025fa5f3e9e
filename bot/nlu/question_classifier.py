"""Recognise a message that asks several questions, and which ones.

Runs after the statistical classifiers: when two or more parts of a message ask about
different things (see :mod:`bot.questions`), the intent becomes ``ask_several`` and each
question's intent is added as a ``question`` entity, in order. The red-flag override
still runs after this one.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import nlp
from bot.questions import QuestionSpotter, question_words

SEVERAL = "ask_several"
QUESTION_ENTITY = "question"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SeveralQuestionsClassifier(GraphComponent):
    """Sets ``ask_several`` and ``question`` entities for multi-question messages."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default settings."""
        return {
            # path of the spaCy pipeline built by `python -m bot.spacy_model`
            "model": nlp.DEFAULT_MODEL,
        }

    def __init__(self, spotter: QuestionSpotter) -> None:
        """Use a compiled spotter."""
        self.spotter = spotter

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SeveralQuestionsClassifier:
        """Compile the question words (a broken file fails here, at start-up)."""
        return cls(QuestionSpotter(nlp.load(config["model"]), question_words()))

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark messages that ask two or more different questions."""
        for message in messages:
            text = message.get(TEXT)
            questions = self.spotter.several(text) if text else []
            if not questions:
                continue
            forced = {"name": SEVERAL, "confidence": 1.0}
            ranking = [forced] + [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != SEVERAL
            ]
            message.set(INTENT, forced, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            found = [
                {
                    "entity": QUESTION_ENTITY,
                    "value": q.intent,
                    "start": text.find(q.text),
                    "end": text.find(q.text) + len(q.text),
                    "extractor": type(self).__name__,
                }
                for q in questions
            ]
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), *found], add_to_output=True)
        return messages
