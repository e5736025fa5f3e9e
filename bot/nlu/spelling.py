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

from bot import knowledge
from bot.nlu.base import RULE_TEXT, MatchingComponent
from bot.questions import question_words
from bot.safety import default_rules
from bot.spelling import SpellingCorrector, word_probs

if TYPE_CHECKING:
    from spacy.language import Language


def exact_words() -> list[str]:
    """The safety rules' exact word forms ("=brth"): matched as written, never corrected."""
    rules = default_rules()
    phrases = (
        *(p for ps in rules.phrases.values() for p in ps),
        *rules.past_markers,
        *rules.ignore,
        *rules.crisis_ignore,
    )
    return [
        w[1:]
        for phrase in phrases
        for step in phrase.steps
        if isinstance(step, tuple)
        for w in step
        if w.startswith("=")
    ]


def vocabulary() -> list[str]:
    """Every word the fact set, the question words and the safety rules are written in."""
    k = knowledge.default()
    rules = default_rules()
    phrases = [
        *(w for s in k.symptoms.values() for w in s.synonyms),
        *(w for terms in k.topic_terms.values() for w in terms),
        *(w for r in k.referrals.values() for w in (*r.terms, *r.context_terms)),
        *k.drug_names,
        *k.other_person_words,
        *k.feeling_words,
        *k.languages.english_words,
        *(w for words in question_words().values() for w in words),
    ]
    for phrase in (
        *(p for ps in rules.phrases.values() for p in ps),
        *rules.past_markers,
        *rules.ignore,
        *rules.crisis_ignore,
    ):
        for step in phrase.steps:
            if isinstance(step, tuple):  # exact forms ("=brethe") are often misspellings
                phrases.extend(w for w in step if not w.startswith(("#", "=")))
    return phrases


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SpellingCorrection(MatchingComponent):
    """Sets ``RULE_TEXT``: the message with its misspelt words corrected."""

    @classmethod
    def build_matcher(cls, language: Language) -> SpellingCorrector:
        """Index the vocabulary, weighed by the word frequencies built with the pipeline."""
        return SpellingCorrector(vocabulary(), word_probs(str(language.path)), exact_words())

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
