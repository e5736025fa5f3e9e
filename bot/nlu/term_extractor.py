"""Extract symptom, topic-word and drug-name entities built from the fact set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from bot import knowledge
from bot.nlu.base import MatchingComponent, rule_text
from bot.terms import TermMatcher

if TYPE_CHECKING:
    from spacy.language import Language


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class FactTermExtractor(MatchingComponent):
    """Adds ``side_effect`` and ``drug`` entities found by :class:`bot.terms.TermMatcher`."""

    @classmethod
    def build_matcher(cls, language: Language) -> TermMatcher:
        """Build the matcher from the fact set (a broken fact file fails here)."""
        return TermMatcher(language, knowledge.default())

    def process(self, messages: list[Message]) -> list[Message]:
        """Append the terms found in each message to its entities."""
        for message in messages:
            text = rule_text(message)
            if not text:
                continue
            found = [
                {
                    "entity": m.entity,
                    "value": m.value,
                    "start": m.start,
                    "end": m.end,
                    "text": m.text,
                    "extractor": type(self).__name__,
                }
                for m in self.matcher.find(text)
            ]
            if found:
                entities = list(message.get(ENTITIES) or [])
                message.set(ENTITIES, entities + found, add_to_output=True)
        return messages
