"""What the patient gets when the Rasa server fails on their message.

Rasa's NLU may not have read the message (it failed before, or with it), so the safety
rules of ``bot/knowledge/safety.yml`` are applied here to the message's text, by the same
matcher the NLU uses (:class:`bot.red_flags.RedFlagMatcher`). The reply is the emergency
or crisis guidance when they fire, with the conversation's local numbers and its alert (as
the action server's), then a short apology (phrase ``handling_failed``). The guidance is
composed by :mod:`bot.rasa.fallback`, which answers for a failed action server.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot import answers, knowledge, nlp
from bot.channels.wording import HANDLING_FAILED, phrase
from bot.emergency_numbers import conversation_country
from bot.rasa.fallback import replies
from bot.safety import default_rules

if TYPE_CHECKING:
    from bot.red_flags import Finding, RedFlagMatcher

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def matcher() -> RedFlagMatcher:
    """The safety rules compiled once (on the spaCy pipeline the NLU loaded already)."""
    from bot.red_flags import RedFlagMatcher

    return RedFlagMatcher(nlp.load(nlp.DEFAULT_MODEL), default_rules())


def prepare() -> None:
    """Load what a failure reply needs now, so that none waits for it, or fails for it.

    Called as each channel starts: a missing phrase or a broken rule stops start-up.
    """
    knowledge.default()  # every phrase, checked
    replies()
    matcher()


def red_flags(text: str | None) -> Finding | None:
    """What the safety rules find in ``text`` (None when it could not be read either)."""
    if not text:
        return None
    try:
        return matcher().find(text)
    except Exception:
        logger.exception("The safety rules could not read a message that Rasa failed on.")
        return None


def failure_messages(
    text: str | None, metadata: dict[str, Any] | None, apology: str = HANDLING_FAILED
) -> list[dict[str, Any]]:
    """The replies to a message Rasa did not answer: any guidance, then the apology.

    Args:
        text: the message as the channel passed it to Rasa.
        metadata: its metadata (the ``country`` whose numbers to give, if known).
        apology: the key of the phrase that says why (handling failed, the bot is busy).
    """
    finding = red_flags(text)
    fallback = replies()
    guidance = None
    if finding is not None and finding.alarms:
        country = conversation_country(metadata, fallback.country)
        guidance = fallback.guidance_answer(finding.alarms, country, finding.groups)
    sorry = {"text": phrase(apology)}
    if guidance is None:
        return [sorry]
    return [answers.as_message(guidance), sorry]
