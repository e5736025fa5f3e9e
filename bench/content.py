"""Content checks for the report: source quotes, and how medical answers close.

A medical answer ends with the disclaimer, said once; emergency or crisis guidance on its
own ends with the safety line instead, and no disclaimer.

The tests enforce both (``tests/bot/test_knowledge.py``, ``tests/bot/test_answers.py``);
the report only counts them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.readability import Reply
from bot.knowledge import Knowledge
from bot.launch.settings import PROJECT_DIR

SOURCE_TEXT = PROJECT_DIR.parent / "shared" / "sources" / "mycophenolate-lems.txt"


@dataclass(frozen=True)
class ContentResult:
    """The counts the report shows."""

    quotes: int
    quotes_found: int | None  # None when the source text is not on this machine
    missing_quotes: tuple[str, ...]
    medical_answers: int
    closed_once: int  # ending with the disclaimer (alerts alone: the safety line), once
    without: tuple[str, ...]  # names of medical answers that do not


def normalise(text: str) -> str:
    """Fold quotes, whitespace and case, as ``tests/bot/test_knowledge.py`` does."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def check(
    knowledge: Knowledge, medical: Sequence[Reply], source: Path = SOURCE_TEXT
) -> ContentResult:
    """Count the source quotes found in the source, and the answers closed as they should."""
    quotes = [f.source_quote for f in knowledge.facts.values()]
    quotes += [s.source_quote for s in knowledge.listed_symptoms if s.source_quote]
    found: int | None = None
    missing: tuple[str, ...] = ()
    if source.is_file():
        text = normalise(source.read_text(encoding="utf-8"))
        missing = tuple(q for q in quotes if normalise(q) not in text)
        found = len(quotes) - len(missing)
    safety_line = knowledge.phrases["safety_line"]

    def closed_once(text: str) -> bool:
        if text.endswith(safety_line):  # emergency or crisis guidance alone
            return knowledge.disclaimer not in text and text.count(safety_line) == 1
        return text.endswith(knowledge.disclaimer) and text.count(knowledge.disclaimer) == 1

    ok = [r for r in medical if r.medical and closed_once(r.text)]
    return ContentResult(
        quotes=len(quotes),
        quotes_found=found,
        missing_quotes=missing,
        medical_answers=len(medical),
        closed_once=len(ok),
        without=tuple(r.name for r in medical if r not in ok),
    )
