"""Recognise a message that asks several questions, and which ones.

Runs after the statistical classifiers: when two or more parts of a message ask about
different things (see :mod:`bot.questions`), the intent becomes ``ask_several`` and each
question's intent is added as a ``question`` entity, in order. The red-flag override
still runs after this one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.base import MatchingComponent
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
        """Mark messages that ask two or more different questions."""
        for message in messages:
            text = message.get(TEXT)
            questions = self.matcher.several(text) if text else []
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
