"""Correct misspelt words towards the words the bot's rules and terms are written in.

A word is corrected only when it is not one of those words, lies within one edit of one
of them (two for long words; a swap of two letters is one edit), and that word is far
more common in English ("nauseus" -> "nauseous", "brestfeeding" -> "breastfeeding").
Common words stay as they are ("doze" is not turned into "dose").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 4  # shorter words are too easily another word
LONG_WORD = 8  # words this long may be two edits away
RAREST = -21.0  # log probability given to words the frequency list does not know
DOMAIN_WORD = -14.0  # ... and to the bot's own words it does not know ("cellcept")
COMMON = -15.0  # words at least this common are real words, never corrected ("likes")
MARGIN = 2.5  # the correction must be about 12 times more common than the word
_WORD = re.compile(r"[a-z]+(?:['\u2019][a-z]+)*")  # "wasn't" is one word, left as it is


def _deletes(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment) between ``a`` and ``b``."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


class SpellingCorrector:
    """Corrects words towards ``vocabulary``, weighed by English word frequencies."""

    def __init__(
        self, vocabulary: Iterable[str], probs: Mapping[str, float], keep: Iterable[str] = ()
    ) -> None:
        """Index the vocabulary's words of at least four letters.

        Words in ``keep`` are never corrected (the rules match them as written, "brth"),
        and nothing is corrected into them.
        """
        self.probs = probs
        self.keep = {w.lower() for w in keep}
        self.vocabulary = {
            w
            for phrase in vocabulary
            for w in _WORD.findall(phrase.lower())
            if len(w) >= MIN_LENGTH
        }
        self.index: dict[str, set[str]] = {}
        for word in self.vocabulary:
            for deleted in _deletes(word, 2 if len(word) >= LONG_WORD else 1):
                self.index.setdefault(deleted, set()).add(word)

    def correct_word(self, word: str) -> str:
        """``word`` corrected, or unchanged."""
        if (
            len(word) < MIN_LENGTH
            or word in self.vocabulary
            or word in self.keep
            or not word.isalpha()
        ):
            return word
        own = self.probs.get(word, RAREST)
        if own >= COMMON:
            return word
        depth = 2 if len(word) >= LONG_WORD else 1
        candidates = {c for d in _deletes(word, depth) for c in self.index.get(d, ())}
        scored = []
        for candidate in candidates:
            limit = 2 if min(len(candidate), len(word)) >= LONG_WORD else 1
            edits = distance(word, candidate)
            if edits <= limit:
                scored.append((edits, -self.probs.get(candidate, DOMAIN_WORD), candidate))
        if not scored:
            return word
        edits, negative_prob, best = min(scored)
        if -negative_prob - own < MARGIN:
            return word
        return best

    def correct(self, text: str) -> str:
        """``text`` (lower-cased) with its misspelt words corrected."""
        return _WORD.sub(lambda m: self.correct_word(m.group(0)), text.lower())


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """Every word the fact set, the question words and the safety rules are written in.

    The rules' exact forms ("=brethe") are left out: they are often misspellings.
    """
    from bot import knowledge
    from bot.questions import question_words
    from bot.safety import default_rules

    k = knowledge.default()
    return (
        *(w for s in k.symptoms.values() for w in s.synonyms),
        *(w for terms in k.topic_terms.values() for w in terms),
        *(w for r in k.referrals.values() for w in (*r.terms, *r.context_terms)),
        *k.drug_names,
        *k.other_person_words,
        *k.feeling_words,
        *k.languages.english_words,
        *(w for words in question_words().values() for w in words),
        *(w for w in default_rules().words() if not w.startswith("=")),
    )


def exact_words() -> list[str]:
    """The safety rules' exact word forms ("=brth"): matched as written, never corrected."""
    from bot.safety import default_rules

    return [w[1:] for w in default_rules().words() if w.startswith("=")]


@lru_cache(maxsize=2)
def project_corrector(model_dir: str) -> SpellingCorrector:
    """The corrector the NLU uses: the bot's words, weighed by the word frequencies.

    The frequencies are those built beside the spaCy pipeline in ``model_dir``.
    """
    return SpellingCorrector(vocabulary(), word_probs(model_dir), exact_words())


@lru_cache(maxsize=2)
def word_probs(model_dir: str) -> Mapping[str, float]:
    """The word frequencies saved beside the spaCy pipeline by ``bot.spacy_model``."""
    import srsly

    from bot.spacy_model import WORD_PROBS

    path = Path(model_dir) / WORD_PROBS
    if not path.is_file():
        from bot.nlp import SpacyModelMissing

        raise SpacyModelMissing(f"{path} is missing: rebuild the spaCy pipeline (make build)")
    probs: Mapping[str, float] = srsly.read_msgpack(path)
    return probs
