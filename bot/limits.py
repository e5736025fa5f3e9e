"""Input limits shared by the NLU guard and the channels."""

from __future__ import annotations

MAX_MESSAGE_CHARS = 2000  # about 350 words: more than any real question needs


def truncate_message(text: str, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to at most ``max_chars`` characters."""
    return text if len(text) <= max_chars else text[:max_chars]
