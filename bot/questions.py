"""Find the separate questions in one message and what each one asks.

A message like "what are the side effects and can I take it while pregnant?" is split
into its questions; each part is matched against the question words in
``bot/knowledge/question_words.yml``. A message asks *several* questions when two or more
parts ask about different things.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.knowledge import KNOWLEDGE_DIR, YamlFile

if TYPE_CHECKING:
    from spacy.language import Language

QUESTION_WORDS_FILE = KNOWLEDGE_DIR / "question_words.yml"
_ASKING = (
    "can|could|is|are|does|do|will|would|should|what|how|why|when|may|might|am|who|where|has|have"
)
# a new question after "and ..." may also start "I..." or "my..." ("and my mum ...")
_QUESTION_START = rf"(?:{_ASKING}|i|my)"
# a message asks something when it has a question mark or starts with an asking word
_ASKS = re.compile(rf"\?|^\W*(?:{_ASKING}|did|whats|which|any|anything)\b", re.IGNORECASE)
# a part of a message asks something when it has a question mark or one of its clauses
# starts with an asking word ("my son is 15, how does it work"); a part that only tells a
# back-story ("i've been on it a month and i feel sick") asks nothing
_PART_ASKS = re.compile(
    rf"\?|(?:^|[.,:;!]\s*)\W*(?:{_ASKING}|did|whats|which|any|anything)\b", re.IGNORECASE
)
# Split after a question mark, at a semicolon, and at "and/also/plus/but" when a new
# question starts right after it ("... and can I ...", "... also what ...").
_SPLIT = re.compile(
    rf"(?<=\?)\s*|;\s*|\s*\b(?:and also|and|also|plus|but)\b\s+(?={_QUESTION_START}\b)",
    re.IGNORECASE,
)


def asks(text: str) -> bool:
    """Whether ``text`` is written as a question ("?", or "can...", "is...", "what...")."""
    return bool(_ASKS.search(text))


@dataclass(frozen=True)
class Part:
    """One part of a message that could be a question, and whether it is written as one."""

    text: str
    asks: bool


def message_parts(text: str) -> list[Part]:
    """The message's parts that could each be a question, in order."""
    parts = ((raw, raw.strip(" ,.!?\t\n")) for raw in _SPLIT.split(text))
    return [Part(p, bool(_PART_ASKS.search(raw))) for raw, p in parts if len(p.split()) >= 2]


def split_questions(text: str) -> list[str]:
    """The text of the message's parts that could each be a question, in order."""
    return [p.text for p in message_parts(text)]


@lru_cache(maxsize=1)
def question_words(path: Path = QUESTION_WORDS_FILE) -> Mapping[str, tuple[str, ...]]:
    """The question words per intent, checked (a broken file is a clear error)."""
    file = YamlFile(path)
    return {intent: file.texts(words, intent) for intent, words in file.data.items()}


@dataclass(frozen=True)
class Question:
    """One part of a message and the intent its words point to."""

    text: str
    intent: str


class QuestionSpotter:
    """Tells which intent each part of a message asks about, from its words."""

    def __init__(self, nlp: Language, words: Mapping[str, tuple[str, ...]]) -> None:
        """Compile the question words against ``nlp``'s lemmatizer."""
        from spacy.matcher import PhraseMatcher

        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        for intent, phrases in words.items():
            self.matcher.add(intent, [nlp(p.lower()) for p in phrases])

    def intent_of(self, part: str) -> str | None:
        """The intent whose words cover most of ``part`` (first in the part on a tie)."""
        doc = self.nlp(part.lower())
        best: tuple[int, int, str] | None = None  # (-length, start, intent)
        for match_id, start, end in self.matcher(doc):
            candidate = (start - end, start, self.nlp.vocab.strings[match_id])
            if best is None or candidate < best:
                best = candidate
        return best[2] if best else None

    def questions(self, text: str) -> list[Question]:
        """The parts of ``text`` whose words point to an intent, one per intent, in order."""
        found: list[Question] = []
        for part in split_questions(text):
            intent = self.intent_of(part)
            if intent and intent not in {q.intent for q in found}:
                found.append(Question(part, intent))
        return found

    def several(self, text: str) -> list[Question]:
        """The questions of ``text`` when it asks two or more different things, else []."""
        found = self.questions(text)
        return found if len(found) >= 2 else []
