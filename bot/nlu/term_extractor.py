"""Extract symptom, topic-word and drug-name entities built from the fact set."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import knowledge, nlp
from bot.terms import TermMatcher


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class FactTermExtractor(GraphComponent):
    """Adds ``side_effect`` and ``drug`` entities found by :class:`bot.terms.TermMatcher`."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default settings."""
        return {
            # path of the spaCy pipeline built by `python -m bot.spacy_model`
            "model": nlp.DEFAULT_MODEL,
        }

    def __init__(self, matcher: TermMatcher) -> None:
        """Use a compiled matcher."""
        self.matcher = matcher

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FactTermExtractor:
        """Build the matcher from the fact set (a broken fact file fails here)."""
        return cls(TermMatcher(nlp.load(config["model"]), knowledge.default()))

    def process(self, messages: list[Message]) -> list[Message]:
        """Append the terms found in each message to its entities."""
        for message in messages:
            text = message.get(TEXT)
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
