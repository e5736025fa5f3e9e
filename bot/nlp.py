"""Load the project's spaCy pipeline (blank English + lookup lemmas) once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is slow to import: only load it where matching happens
    from spacy.language import Language

DEFAULT_MODEL = "build/spacy-en-lemma"


class SpacyModelMissing(RuntimeError):
    """The spaCy pipeline has not been built yet."""


@lru_cache(maxsize=4)
def load(path: str = DEFAULT_MODEL) -> Language:
    """Load the pipeline saved by ``python -m bot.spacy_model``; fail clearly if absent."""
    import spacy

    try:
        return spacy.load(path)
    except OSError as exc:
        raise SpacyModelMissing(
            f"spaCy pipeline not found at '{path}': build it with `make build` "
            f"(python -m bot.spacy_model {path})"
        ) from exc


def lemmas(nlp: Language, phrase: str) -> list[str]:
    """The lower-case lemmas of ``phrase``'s tokens, as matching compares them."""
    return [t.lemma_.lower() for t in nlp(phrase.lower())]
