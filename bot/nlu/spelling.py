"""Correct misspellings once per message for the rule-based components that follow.

The corrected text is kept beside the message's text (``RULE_TEXT``): the classifier reads
what the patient wrote, the term, question and safety matchers read the corrected text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.base import RULE_TEXT, MatchingComponent
from bot.spelling import SpellingCorrector, project_corrector

if TYPE_CHECKING:
    from spacy.language import Language


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SpellingCorrection(MatchingComponent):
    """Sets ``RULE_TEXT``: the message with its misspelt words corrected."""

    @classmethod
    def build_matcher(cls, language: Language) -> SpellingCorrector:
        """Index the vocabulary, weighed by the word frequencies built with the pipeline."""
        return project_corrector(str(language.path))

    def process(self, messages: list[Message]) -> list[Message]:
        """Correct each message's text into ``RULE_TEXT``."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(RULE_TEXT, self.matcher.correct(text))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The matchers do not train: nothing to do."""
        return training_data
