"""Recognise the questions a message asks by their words, and a message that asks several.

Runs after the statistical classifiers: each part of a message whose words point to an
intent (see :mod:`bot.questions`) adds a ``question`` entity, in order; when two or more
parts ask about different things the intent becomes ``ask_several``. The red-flag
override still runs after this one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.base import MatchingComponent, rule_text
from bot.questions import QuestionSpotter, question_words

if TYPE_CHECKING:
    from spacy.language import Language

SEVERAL = "ask_several"
QUESTION_ENTITY = "question"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SeveralQuestionsClassifier(MatchingComponent):
    """Sets ``ask_several`` and ``question`` entities for multi-question messages."""

    @classmethod
    def build_matcher(cls, language: Language) -> QuestionSpotter:
        """Compile the question words (a broken file fails here, at start-up)."""
        return QuestionSpotter(language, question_words())

    def process(self, messages: list[Message]) -> list[Message]:
        """Add a ``question`` entity per question found; two or more make ``ask_several``."""
        for message in messages:
            text = rule_text(message)
            questions = self.matcher.questions(text) if text else []
            if not text or not questions:
                continue
            if len(questions) >= 2:
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
