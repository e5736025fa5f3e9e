"""Split a long reply into parts that fit a platform's message length limit.

Parts break at line ends first, then between sentences, then between words, and only as a
last resort inside a word. Order is kept and nothing is dropped, so the last line of a
medical answer (the disclaimer, far shorter than any limit) always ends the last part.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Measure = Callable[[str], int]

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def _hard_cut(word: str, limit: int, measure: Measure) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and measure(current + char) > limit:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def _pieces(line: str, limit: int, measure: Measure) -> list[tuple[str, str]]:
    """``line`` as (separator, piece) pairs, each piece within ``limit``."""
    if measure(line) <= limit:
        return [("\n", line)]
    pieces: list[tuple[str, str]] = []
    for sentence in _SENTENCE_END.split(line):
        if measure(sentence) <= limit:
            pieces.append((" ", sentence))
            continue
        for word in sentence.split():
            cuts = _hard_cut(word, limit, measure)
            pieces.extend([(" ", cuts[0]), *(("", cut) for cut in cuts[1:])])
    pieces[0] = ("\n", pieces[0][1])
    return pieces


def split_message(text: str, limit: int, measure: Measure = len) -> list[str]:
    """``text`` cut into parts of at most ``limit`` (as ``measure`` counts), in order.

    Args:
        text: the reply, in lines.
        limit: the most a part may hold.
        measure: how the platform counts length (characters by default).

    Returns:
        The parts, stripped and non-empty (none for a blank text).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    text = text.strip()
    if measure(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        for separator, piece in _pieces(line.strip(), limit, measure):
            candidate = current + separator + piece if current else piece
            if measure(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = piece
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]
