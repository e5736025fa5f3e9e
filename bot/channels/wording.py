"""The fixed replies the channels send themselves, from ``bot/knowledge/phrases.yml``."""

from __future__ import annotations

from bot import knowledge

HANDLING_FAILED = "handling_failed"  # handling the message failed inside the Rasa server


def phrase(key: str) -> str:
    """The phrase ``key`` of the fact set."""
    return knowledge.default().phrases[key]
