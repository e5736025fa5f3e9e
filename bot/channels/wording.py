"""The fixed replies the channels send themselves, from ``bot/knowledge/phrases.yml``.

The fact set requires each of them (``bot.knowledge.REQUIRED_PHRASES``): a missing one
stops start-up.
"""

from __future__ import annotations

from bot import knowledge

MEDIA_ONLY = "media_only"  # a photo, voice note, sticker or file without text
HANDLING_FAILED = "handling_failed"  # handling the message failed inside the Rasa server
UNREADABLE = "unreadable"  # a socket.io event that cannot be read
SESSION_ENDED = "session_ended"  # a socket.io message for a session not opened there
BUSY = "busy"  # more messages at once than the server takes (bot/channels/admission.py)
CHOOSE = "choose_prompt"  # above buttons sent without a text of their own
NUMBERED_LIST = "numbered_list_prompt"  # above the numbered choices of text messages (Twilio)
CHANNEL_PHRASES = (
    MEDIA_ONLY,
    HANDLING_FAILED,
    UNREADABLE,
    SESSION_ENDED,
    BUSY,
    CHOOSE,
    NUMBERED_LIST,
)


def phrase(key: str) -> str:
    """The phrase ``key`` of the fact set."""
    return knowledge.default().phrases[key]
