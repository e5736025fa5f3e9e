"""Tell a message in another language from English (slang, typos and fragments included).

English wins when enough of the message's words are common English words; otherwise the
offline detector (lingua, which ships its models) must name another language with
confidence. Three or more words with no common English word, which lingua hardly takes
for English, are another language even when lingua cannot say which (``UNKNOWN``: the
notice in English). Non-Latin scripts are another language when they make up most letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.knowledge import Languages

if TYPE_CHECKING:
    from lingua import LanguageDetector

MIN_WORDS = 2  # fragments of one word are left to the English pipeline
MIN_CONFIDENCE = 0.3  # lingua's share for the likeliest language, among those built in
MIN_LEAD = 2.0  # ... and this many times the next likeliest
# with no common English word at all in three or more words, less certainty will do
RELAXED_CONFIDENCE, RELAXED_LEAD, RELAXED_WORDS = 0.2, 1.3, 3
# ... and when lingua gives English at most this share, the message is in another
# language even if lingua cannot tell which (Spanish or Italian?): the English notice
NOT_ENGLISH = 0.05
UNKNOWN = "UNKNOWN"  # the name for another language lingua cannot name with confidence
ENGLISH_SHARE = 0.2  # this share of common English words makes a message English
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


class LanguageSpotter:
    """Names the language of a message that is not in English."""

    def __init__(self, languages: Languages, own_words: Iterable[str] = ()) -> None:
        """Build a detector for English and the languages that have a notice.

        ``own_words`` (the bot's terms: "cellcept", "knackered", "ivf") count as English.
        """
        from lingua import Language, LanguageDetectorBuilder

        names = {"ENGLISH", *languages.notices}
        chosen = [getattr(Language, n) for n in sorted(names) if hasattr(Language, n)]
        self.detector: LanguageDetector = LanguageDetectorBuilder.from_languages(*chosen).build()
        own = {w for phrase in own_words for w in _WORDS.findall(phrase.lower())}
        self.neutral_words = languages.neutral_words
        self.english_words = (languages.english_words | own) - self.neutral_words

    def language_of(self, text: str) -> str | None:
        """Lingua's name of the message's language ("SPANISH"), or None for English."""
        words = [
            w for w in (w.lower() for w in _WORDS.findall(text)) if w not in self.neutral_words
        ]
        letters = [c for c in text if c.isalpha()]
        if not letters:
            return None
        latin = sum(1 for c in letters if _LATIN.match(c)) / len(letters)
        english = 0.0
        if latin >= 0.5:
            if len(words) < MIN_WORDS:
                return None
            english = sum(1 for w in words if w in self.english_words) / len(words)
            if english >= ENGLISH_SHARE:
                return None
        values = self.detector.compute_language_confidence_values(text)
        if not values:
            return None
        best = values[0]
        runner_up = values[1].value if len(values) > 1 else 0.0
        name = str(best.language.name)
        sure = best.value >= MIN_CONFIDENCE and best.value >= MIN_LEAD * runner_up
        if english == 0 and len(words) >= RELAXED_WORDS:
            sure = sure or (
                best.value >= RELAXED_CONFIDENCE and best.value >= RELAXED_LEAD * runner_up
            )
        if name == "ENGLISH":
            return None
        if latin >= 0.5 and not sure:
            unlike_english = english == 0 and len(words) >= RELAXED_WORDS
            scores = {v.language.name: v.value for v in values}
            return UNKNOWN if unlike_english and scores.get("ENGLISH", 0.0) <= NOT_ENGLISH else None
        return name
