"""Speak of the person a carer is asking about: "they" and "their", not "you"."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.answers import FOR_SOMEONE_ELSE, Answer

# "you" starts a clause after these words (or at a sentence start): it becomes "they";
# elsewhere it is an object and becomes "them". "you" and "they" take the same verb forms.
_CLAUSE_START = {
    "if", "when", "so", "and", "or", "but", "because", "before", "after", "that", "while",
    "unless", "until", "than", "whether", "once", "as",
}  # fmt: skip
# "you" before one of these is the subject: "you might" -> "they might"
_VERBS = {
    "can", "can't", "cannot", "could", "might", "may", "must", "should", "will", "would",
    "are", "aren't", "were", "have", "had", "do", "don't", "did", "take", "took", "get",
    "feel", "need", "start", "stop", "want", "use", "notice", "see", "think", "go", "keep",
    "miss", "forget", "still", "also", "already", "often", "ever", "never",
}  # fmt: skip
_FIXED = {
    "your": "their",
    "yours": "theirs",
    "yourself": "themselves",
    "you're": "they're",
    "you've": "they've",
    "you'll": "they'll",
    "you'd": "they'd",
}
_WORD = re.compile(r"\b(you're|you've|you'll|you'd|yourself|yours|your|you)\b", re.IGNORECASE)


def _replacement(text: str, match: re.Match[str]) -> str:
    word = match.group(1)
    lower = word.lower()
    if lower in _FIXED:
        new = _FIXED[lower]
    else:
        before = text[: match.start()].rstrip()
        previous = re.findall(r"[\w']+|[.!?:]", before)[-1:] or ["."]
        following = re.findall(r"[\w']+", text[match.end() :])[:1] or [""]
        starts = previous[0] in {".", "!", "?", ":"} or previous[0].lower() in _CLAUSE_START
        new = "they" if starts or following[0].lower() in _VERBS else "them"
    return new.capitalize() if word[0].isupper() else new


def of_them(text: str) -> str:
    """``text`` with "you" and "your" turned into "they/them" and "their"."""
    return _WORD.sub(lambda m: _replacement(text, m), text)


def for_other_person(answer: Answer) -> Answer:
    """``answer`` told about someone else; its disclaimer stays as written."""
    return replace(
        answer,
        paragraphs=tuple(of_them(p) for p in answer.paragraphs),
        kinds=(*answer.kinds, FOR_SOMEONE_ELSE),
    )
