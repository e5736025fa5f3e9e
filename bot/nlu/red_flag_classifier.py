"""Force the emergency or crisis intent when a safety rule fires, whatever DIET predicted.

Runs after the classifiers (and after ``FallbackClassifier``), so no statistical model
can hide a red flag. The matched rule groups are added as ``red_flag`` entities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.base import MatchingComponent, rule_text
from bot.red_flags import RedFlagMatcher
from bot.safety import default_rules

if TYPE_CHECKING:
    from spacy.language import Language

RED_FLAG_ENTITY = "red_flag"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagClassifier(MatchingComponent):
    """Overrides the predicted intent with ``emergency``/``crisis`` on a rule match."""

    @classmethod
    def build_matcher(cls, language: Language) -> RedFlagMatcher:
        """Compile the safety rules (a broken rule file fails here, at start-up)."""
        return RedFlagMatcher(language, default_rules())

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the safety intent and ``red_flag`` entities where a rule fires."""
        for message in messages:
            text = rule_text(message)
            if not text:
                continue
            finding = self.matcher.find(text)
            if finding.alarm is None:
                continue
            overridden = message.get(INTENT) or {}
            forced = {INTENT_NAME_KEY: finding.alarm.value, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [forced] + [
                r
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get(INTENT_NAME_KEY) != finding.alarm.value
            ]
            message.set(INTENT, forced, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set("overridden_intent", overridden, add_to_output=True)
            entities = list(message.get(ENTITIES) or [])
            entities.extend(
                {
                    "entity": RED_FLAG_ENTITY,
                    "value": group,
                    "start": 0,
                    "end": len(text),
                    "extractor": type(self).__name__,
                }
                for group in finding.groups
            )
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
