"""Add a ``language`` entity to messages written in a language other than English."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import knowledge
from bot.language import LanguageSpotter
from bot.nlu.base import MatchingComponent
from bot.terms import LANGUAGE

if TYPE_CHECKING:
    from spacy.language import Language


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(MatchingComponent):
    """Names the language of a non-English message (see :mod:`bot.language`)."""

    @classmethod
    def build_matcher(cls, language: Language) -> LanguageSpotter:
        """Build the detector for the languages with a notice in bot/knowledge."""
        from bot.spelling import vocabulary

        return LanguageSpotter(knowledge.default().languages, vocabulary())

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the ``language`` entity where the message is not in English."""
        for message in messages:
            text = message.get(TEXT)
            name = self.matcher.language_of(text) if text else None
            if name is None:
                continue
            found = {
                "entity": LANGUAGE,
                "value": name,
                "start": 0,
                "end": len(text),
                "extractor": type(self).__name__,
            }
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), found], add_to_output=True)
        return messages
