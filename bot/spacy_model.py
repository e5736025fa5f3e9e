"""Build the small spaCy pipeline that Rasa's ``SpacyNLP`` loads by path.

No pretrained English model can be downloaded here, so the project makes its own:
a blank English tokenizer plus the lookup lemmatizer from ``spacy-lookups-data``.

Usage: ``python -m bot.spacy_model [OUTPUT_DIR]`` (default ``build/spacy-en-lemma``).
"""

from __future__ import annotations

import sys
from pathlib import Path

DEFAULT_DIR = Path("build/spacy-en-lemma")


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
    return output_dir


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    target = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    print(f"spaCy pipeline written to {build(target)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
