"""Questions with a known outcome key, so a lost or crossed reply shows.

Used by the load and stress runs of the tests and the bench. Every reply names its outcome
keys (``keys`` in the REST channel's reply, :attr:`bot.answers.Answer.keys`); the answer
to each question carries its own key, and the keys differ, so a reply to another question
is seen.
"""

from __future__ import annotations

from collections.abc import Sequence

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("What is mycophenolate?", "topic:what_is"),
    ("what is LEMS", "topic:lems"),
    ("is headache a side effect?", "side_effect:listed"),
    ("does it cause cancer", "topic:cancer"),
    ("how many mg should I take", "referral:dosage"),
)


def question_for(sender_number: int, index: int) -> tuple[str, str]:
    """The question a sender asks at ``index`` and its key (senders start at different ones)."""
    return QUESTIONS[(sender_number + index) % len(QUESTIONS)]


def answers(replies: Sequence[object], key: str) -> bool:
    """Whether the REST ``replies`` (a JSON list) carry the outcome ``key``."""
    return any(isinstance(reply, dict) and key in (reply.get("keys") or ()) for reply in replies)
