"""Reading level of every answer the bot can give (textstat, Flesch-Kincaid).

The answers are those of :func:`bot.catalogue.every_answer`, and the disclaimer and the
safety line that closes emergency and crisis guidance, each on its own.

Before scoring, each line that does not end a sentence (a bullet of the side-effect list,
a line ending in a colon) gets a full stop: a bulleted list is read item by item, but the
formulas would otherwise count the whole list as one long sentence. (textstat itself
does not count a "sentence" of one or two words, so such bullets only add their words.)
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.catalogue import every_answer, medical_answers
from bot.knowledge import Knowledge
from bot.safety import SafetyRules

MAX_MEDIAN_GRADE = 8.0
MAX_GRADE = 10.0
_SENTENCE_END = re.compile(r"[.!?]['\")]*$")


@dataclass(frozen=True)
class Reply:
    """One answer the bot can give, named by the path that gives it."""

    name: str
    text: str
    medical: bool


@dataclass(frozen=True)
class Graded:
    """A reply and its reading scores."""

    reply: Reply
    grade: float  # Flesch-Kincaid grade level (US school grade)
    ease: float  # Flesch reading ease (0-100, higher is easier)
    words: int


def every_medical_answer(knowledge: Knowledge, rules: SafetyRules) -> list[Reply]:
    """Every medical answer, on every path (see :mod:`bot.catalogue`)."""
    return [
        Reply(e.name, e.answer.text, e.answer.medical) for e in medical_answers(knowledge, rules)
    ]


def every_reply(knowledge: Knowledge, rules: SafetyRules) -> list[Reply]:
    """Every answer the bot can give, and the disclaimer and the safety line on their own."""
    closing = [
        Reply("disclaimer (on its own)", knowledge.disclaimer, True),
        Reply("safety line (on its own)", knowledge.phrases["safety_line"], True),
    ]
    return [
        Reply(e.name, e.answer.text, e.answer.medical) for e in every_answer(knowledge, rules)
    ] + closing


def prepared(text: str) -> str:
    """``text`` with a full stop after every line that does not end a sentence."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("•").strip()
        if not line:
            continue
        line = line.rstrip(":")
        lines.append(line if _SENTENCE_END.search(line) else line + ".")
    return " ".join(lines)


def grade(reply: Reply) -> Graded:
    """Score one reply."""
    import textstat

    text = prepared(reply.text)
    return Graded(
        reply=reply,
        grade=float(textstat.flesch_kincaid_grade(text)),
        ease=float(textstat.flesch_reading_ease(text)),
        words=int(textstat.lexicon_count(text)),
    )


def grade_all(replies: Iterable[Reply]) -> list[Graded]:
    """Score every reply."""
    return [grade(r) for r in replies]


def median_grade(graded: Sequence[Graded]) -> float:
    """The median Flesch-Kincaid grade."""
    return float(statistics.median(g.grade for g in graded))


def too_hard(graded: Sequence[Graded], limit: float = MAX_GRADE) -> list[Graded]:
    """Replies above the grade ``limit``, hardest first."""
    return sorted((g for g in graded if g.grade > limit), key=lambda g: -g.grade)


def default_graded() -> list[Graded]:
    """Every reply of the project's fact set, scored."""
    from bot import knowledge as knowledge_module
    from bot.safety import default_rules

    return grade_all(every_reply(knowledge_module.default(), default_rules()))
