"""The fixed replies the channels send themselves, from ``bot/knowledge/phrases.yml``."""

from __future__ import annotations

from bot import knowledge
from bot.knowledge import KNOWLEDGE_DIR, KnowledgeError

MEDIA_ONLY = "media_only"  # a photo, voice note, sticker or file without text
HANDLING_FAILED = "handling_failed"  # handling the message failed inside the Rasa server
UNREADABLE = "unreadable"  # a socket.io event that cannot be read
SESSION_ENDED = "session_ended"  # a socket.io message for a session not opened there
CHANNEL_PHRASES = (MEDIA_ONLY, HANDLING_FAILED, UNREADABLE, SESSION_ENDED)


def phrase(key: str) -> str:
    """The phrase ``key`` of the fact set."""
    return knowledge.default().phrases[key]


def check_phrases() -> None:
    """Raise :class:`KnowledgeError` unless the fact set has every channel phrase.

    The channels call it when the server starts, so a missing phrase stops start-up.
    """
    missing = [key for key in CHANNEL_PHRASES if key not in knowledge.default().phrases]
    if missing:
        raise KnowledgeError(f"{KNOWLEDGE_DIR / 'phrases.yml'}: missing {', '.join(missing)}")
