"""Find the fact set's terms in a message: symptoms, topic words and the drug's names.

Built from ``bot/knowledge`` (the symptom synonyms, topic terms and drug names), matched on
word lemmas with a spaCy ``PhraseMatcher``, so "tingles" matches "tingling".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.knowledge import Knowledge

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

SYMPTOM = "side_effect"  # entity for a symptom id or a topic id (e.g. "cancer")
DRUG = "drug"  # entity for any name of mycophenolate
DRUG_VALUE = "mycophenolate"


@dataclass(frozen=True)
class TermMatch:
    """One term found in a message, as a Rasa entity would describe it."""

    entity: str
    value: str
    start: int  # character offsets in the message
    end: int
    text: str


class TermMatcher:
    """Matches symptom synonyms, topic terms and drug names, longest match first."""

    def __init__(self, nlp: Language, knowledge: Knowledge) -> None:
        """Compile the knowledge's terms against ``nlp``'s lemmatizer."""
        from spacy.matcher import PhraseMatcher

        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        groups: dict[str, tuple[str, ...]] = {
            **{f"{SYMPTOM}:{s.id}": s.synonyms for s in knowledge.symptoms.values()},
            **{f"{SYMPTOM}:{t}": terms for t, terms in knowledge.topic_terms.items()},
            f"{DRUG}:{DRUG_VALUE}": knowledge.drug_names,
        }
        for key, terms in groups.items():
            self.matcher.add(key, [nlp(term.lower()) for term in terms])

    def find(self, text: str) -> list[TermMatch]:
        """Terms in ``text`` (any case), without overlaps, in message order."""
        return self.find_in_doc(self.nlp(text.lower()))

    def find_in_doc(self, doc: Doc) -> list[TermMatch]:
        """Terms in an already processed, lower-cased ``doc``."""
        from spacy.util import filter_spans

        spans = []
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            span.label_ = self.nlp.vocab.strings[match_id]
            spans.append(span)
        found = []
        for span in sorted(filter_spans(spans), key=lambda s: s.start):
            entity, value = span.label_.split(":", 1)
            found.append(TermMatch(entity, value, span.start_char, span.end_char, span.text))
        return found
