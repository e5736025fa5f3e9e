"""Recognise the questions a message asks, and a message that asks several.

Runs after the statistical classifiers. A message of two or more parts (see
:func:`bot.questions.message_parts`) asks several questions when two or more of its parts,
each written as a question, ask different answerable things. Each part's intent is the
linear classifier's for that part (``question_parts``, set by
:class:`bot.nlu.linear_intent_classifier.LinearIntentClassifier`), when at least
``part_confidence`` sure: parts are named the way whole messages are, not only when their
words are in ``bot/knowledge/question_words.yml``. The intent then becomes ``ask_several``
and each question adds a ``question`` entity, in order. Otherwise the parts whose question
words point to an intent add ``question`` entities (one such question beats an unsure
classifier in the planner). The red-flag override still runs after this one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot import knowledge as knowledge_files
from bot import nlp
from bot.nlu.base import MatchingComponent, rule_text
from bot.nlu.linear_intent_classifier import QUESTION_PARTS
from bot.questions import Question, QuestionSpotter, message_parts, question_words

if TYPE_CHECKING:
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from spacy.language import Language

SEVERAL = "ask_several"
QUESTION_ENTITY = "question"
# a part asking about one symptom is answerable: the symptom's own words are found as terms
SYMPTOM_INTENT = "ask_side_effect_specific"


def answerable_intents() -> frozenset[str]:
    """The intents the fact set answers with a topic or a referral, and a symptom's."""
    return frozenset({*knowledge_files.default().intent_titles, SYMPTOM_INTENT})


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SeveralQuestionsClassifier(MatchingComponent):
    """Sets ``ask_several`` and ``question`` entities for multi-question messages."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default settings: how sure the classifier must be of a part's intent."""
        # 0.2 chosen by 5-fold cross-validation on the training data (docs/understanding.md)
        return {**MatchingComponent.get_default_config(), "part_confidence": 0.2}

    def __init__(self, matcher: Any, config: dict[str, Any] | None = None) -> None:
        """Use a compiled matcher and the settings."""
        super().__init__(matcher)
        self.config = {**self.get_default_config(), **(config or {})}
        self.answerable = answerable_intents()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SeveralQuestionsClassifier:
        """Create the component with its matcher compiled."""
        return cls(cls.build_matcher(nlp.load(config["model"])), config)

    @classmethod
    def build_matcher(cls, language: Language) -> QuestionSpotter:
        """Compile the question words (a broken file fails here, at start-up)."""
        return QuestionSpotter(language, question_words())

    def several(self, message: Message, text: str) -> list[Question]:
        """The parts' questions when two or more parts ask different things, else []."""
        scored = message.get(QUESTION_PARTS) or []
        parts = message_parts(text)
        if len(scored) != len(parts):
            # no classifier scored these parts (or the corrected text splits otherwise):
            # the question words alone
            return self.matcher.several(text)
        sure = float(self.config["part_confidence"])
        found: list[Question] = []
        for part, score in zip(parts, scored, strict=True):
            intent = score.get("name")
            if not part.asks or float(score.get("confidence", 0.0)) < sure:
                continue
            if intent in self.answerable and intent not in {q.intent for q in found}:
                found.append(Question(part.text, intent))
        return found if len(found) >= 2 else []

    def process(self, messages: list[Message]) -> list[Message]:
        """Add a ``question`` entity per question found; two or more make ``ask_several``."""
        for message in messages:
            text = rule_text(message)
            if not text:
                continue
            questions = self.several(message, text)
            if questions:
                forced = {"name": SEVERAL, "confidence": 1.0}
                ranking = [forced] + [
                    r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != SEVERAL
                ]
                message.set(INTENT, forced, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            else:
                questions = self.matcher.questions(text)
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
            if found:
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), *found], add_to_output=True)
        return messages
