"""Build the small spaCy pipeline that Rasa's ``SpacyNLP`` loads by path.

No pretrained English model can be downloaded here, so the project makes its own:
a blank English tokenizer plus the lookup lemmatizer from ``spacy-lookups-data``. Beside
it goes ``word_probs.msgpack``, the English word frequencies of ``spacy-lookups-data``
that the spelling corrector (:mod:`bot.spelling`) weighs its corrections by.

Usage: ``python -m bot.spacy_model [OUTPUT_DIR]`` (default ``build/spacy-en-lemma``).
"""

from __future__ import annotations

import sys
from pathlib import Path

DEFAULT_DIR = Path("build/spacy-en-lemma")
WORD_PROBS = "word_probs.msgpack"
RAREST_LOG_PROB = -19.5  # rarer words than this are left out (mostly misspellings)


def build(output_dir: Path = DEFAULT_DIR) -> Path:
    """Create the blank-English-plus-lemmas pipeline and save it to ``output_dir``."""
    import spacy  # imported here: spaCy is slow to import and only needed for the build

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    nlp.meta["name"] = "en_lems_lemma"
    nlp.meta["description"] = "Blank English tokenizer with lookup lemmas (built locally)."
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir)
    _write_word_probs(output_dir / WORD_PROBS)
    return output_dir


def _write_word_probs(path: Path) -> None:
    import gzip
    import json

    import spacy_lookups_data
    import srsly

    source = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(source, "rt", encoding="utf-8") as file:
        probs = json.load(file)
    kept = {w: p for w, p in probs.items() if w.isalpha() and p > RAREST_LOG_PROB}
    srsly.write_msgpack(path, kept)


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    target = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    print(f"spaCy pipeline written to {build(target)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
