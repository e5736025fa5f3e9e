"""Force the emergency or crisis intent when a safety rule fires, whatever DIET predicted.

Runs after the classifiers (and after ``FallbackClassifier``), so no statistical model
can hide a red flag. The matched rule groups are added as ``red_flag`` entities. Where
the rules find nothing, the statistical backstop (``bot.safety_backstop``) may still
raise an alarm, under the group ``<alarm>.backstop``: it adds the entity but leaves the
predicted intent, so the reply gives the guidance and still answers the question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from bot import nlp, safety_backstop
from bot.nlu.base import MatchingComponent, rule_text
from bot.red_flags import Finding, RedFlagMatcher
from bot.safety import BACKSTOP_GROUP, RED_FLAG_ENTITY, default_rules, raised_by_rules

if TYPE_CHECKING:
    from spacy.language import Language


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagClassifier(MatchingComponent):
    """Overrides the predicted intent with ``emergency``/``crisis`` on a rule match."""

    def __init__(self, matcher: Any, backstop: safety_backstop.Backstop | None = None) -> None:
        """Use the compiled rules and, when given, the statistical backstop."""
        super().__init__(matcher)
        self.backstop = backstop

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default settings."""
        # path of the backstop built by `python -m bot.safety_backstop`
        return {**MatchingComponent.get_default_config(), "backstop": safety_backstop.DEFAULT_PATH}

    @classmethod
    def build_matcher(cls, language: Language) -> RedFlagMatcher:
        """Compile the safety rules (a broken rule file fails here, at start-up)."""
        return RedFlagMatcher(language, default_rules())

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagClassifier:
        """Compile the rules and load the backstop (missing or broken: start-up fails)."""
        matcher = cls.build_matcher(nlp.load(config["model"]))
        return cls(matcher, safety_backstop.load(default_rules().backstop, config["backstop"]))

    def find(self, text: str, original: str | None = None) -> Finding:
        """The rules' finding, or else the backstop's.

        The backstop is not asked when the rules set a red flag aside on purpose ("I don't
        have chest pain").
        """
        finding = self.matcher.find(text, original)
        if finding.alarm is not None or finding.dismissed or self.backstop is None:
            return finding
        alarms = self.backstop.alarms(text)
        groups = tuple(f"{a.value}.{BACKSTOP_GROUP}" for a in sorted(alarms, key=lambda a: a.value))
        return Finding(alarms=alarms, groups=groups)

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the safety intent and ``red_flag`` entities where a rule fires."""
        for message in messages:
            text = rule_text(message)
            if not text:
                continue
            original = message.get("text")
            finding = self.find(text, original if isinstance(original, str) else None)
            if finding.alarm is None:
                continue
            if raised_by_rules(finding.groups):
                self._force_intent(message, finding.alarm.value)
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

    @staticmethod
    def _force_intent(message: Message, intent: str) -> None:
        """Make ``intent`` the prediction, keeping what was predicted before."""
        overridden = message.get(INTENT) or {}
        forced = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [forced] + [
            r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent
        ]
        message.set(INTENT, forced, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set("overridden_intent", overridden, add_to_output=True)
