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
    from spacy.tokens import Doc, Span

SYMPTOM = "side_effect"  # entity for a symptom id or a topic id (e.g. "cancer")
DRUG = "drug"  # entity for any name of mycophenolate
DRUG_VALUE = "mycophenolate"
ITEM = "item"  # entity for a named referral (e.g. "vaccines"), by its words
ITEM_HINT = "item_hint"  # a referral's context word ("covid"), counted only in context
ITEM_IF_TOPIC = "item_if_topic"  # a referral's word that counts with its topic ("husband")
SUBJECT = "subject"  # "other": the writer speaks for someone else
FEELING = "feeling"  # "upset": the writer is frightened, worried, angry or overwhelmed
CARE_TEAM = "care_team"  # "ask": the writer means to ask their care team (or has a visit)
LANGUAGE = "language"  # lingua's name of the language, when it is not English
OTHER_PERSON = "other"
UPSET = "upset"
ASK = "ask"
# words that deny the symptom right after them ("no rash", "without pain"): not asked
# about. Not "not" or "never": "not sleeping" and "never had headaches before" are symptoms.
DENIALS = frozenset({"no", "without"})
DENIAL_REACH = 2  # words between the denial and the symptom ("no itchy red rash")


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
        self.symptom_ids = frozenset(knowledge.symptoms)
        # what a message asks about: one term per stretch of words, the longest
        self.matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        groups: dict[str, tuple[str, ...]] = {
            **{f"{SYMPTOM}:{s.id}": s.synonyms for s in knowledge.symptoms.values()},
            **{f"{SYMPTOM}:{t}": terms for t, terms in knowledge.topic_terms.items()},
            **{f"{ITEM}:{r.id}": r.own_terms for r in knowledge.referrals.values() if r.own_terms},
            **{
                f"{ITEM_IF_TOPIC if r.needs_topic else ITEM}:{r.id}": r.terms
                for r in knowledge.referrals.values()
                if r.terms
            },
            f"{DRUG}:{DRUG_VALUE}": knowledge.drug_names,
        }
        # terms written "=bloods" match that exact word form, not its lemma ("blood")
        self.exact = PhraseMatcher(nlp.vocab, attr="LOWER")
        for key, terms in groups.items():
            lemma_terms = [nlp(t.lower()) for t in terms if not t.startswith("=")]
            exact_terms = [nlp.make_doc(t[1:].lower()) for t in terms if t.startswith("=")]
            if lemma_terms:
                self.matcher.add(key, lemma_terms)
            if exact_terms:
                self.exact.add(key, exact_terms)
        # what the message tells about the writer and the context: may overlap the above
        self.context = PhraseMatcher(nlp.vocab, attr="LEMMA")
        context: dict[str, tuple[str, ...]] = {
            **{f"{ITEM_HINT}:{r.id}": r.context_terms for r in knowledge.referrals.values()},
            f"{SUBJECT}:{OTHER_PERSON}": knowledge.other_person_words,
            f"{FEELING}:{UPSET}": knowledge.feeling_words,
            f"{CARE_TEAM}:{ASK}": knowledge.care_team_words,
        }
        for key, terms in context.items():
            if terms:
                self.context.add(key, [nlp(term.lower()) for term in terms])

    def find(self, text: str) -> list[TermMatch]:
        """Terms in ``text`` (any case), without overlaps, in message order."""
        return self.find_in_doc(self.nlp(text.lower()))

    def find_in_doc(self, doc: Doc) -> list[TermMatch]:
        """Terms in an already processed, lower-cased ``doc``."""
        from spacy.util import filter_spans

        spans = []
        for match_id, start, end in [*self.matcher(doc), *self.exact(doc)]:
            span = doc[start:end]
            span.label_ = self.nlp.vocab.strings[match_id]
            spans.append(span)
        found = []
        for span in sorted(filter_spans(spans), key=lambda s: s.start):
            entity, value = span.label_.split(":", 1)
            if entity == SYMPTOM and value in self.symptom_ids and _denied(span):
                continue
            found.append(TermMatch(entity, value, span.start_char, span.end_char, span.text))
        seen: set[str] = set()
        for match_id, start, end in sorted(self.context(doc), key=lambda m: m[1]):
            label = self.nlp.vocab.strings[match_id]
            if label in seen:
                continue
            seen.add(label)
            entity, value = label.split(":", 1)
            span = doc[start:end]
            found.append(TermMatch(entity, value, span.start_char, span.end_char, span.text))
        return found


def _denied(span: Span) -> bool:
    """Whether a denial comes just before ``span`` in its sentence part."""
    doc = span.doc
    for token in reversed(doc[max(0, span.start - DENIAL_REACH - 1) : span.start]):
        if token.is_punct or token.lower_ in {"but", "and"}:
            return False
        if token.lower_ in DENIALS:
            return True
    return False
