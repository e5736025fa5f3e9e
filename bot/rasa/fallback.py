"""The safe replies sent in place of a custom action the action server did not run.

When the action server cannot be reached, times out or answers with an error, Rasa 3.6
logs the error and sends the patient nothing (RasaHQ/rasa#7630);
:class:`bot.rasa.remote_action.SafeRemoteAction` sends :func:`fallback_message` instead:

- for a red-flag message (intent ``emergency``/``crisis`` or a ``red_flag`` entity, set by
  ``bot.nlu.red_flag_classifier``): the emergency or crisis guidance of
  ``bot/knowledge/safety.yml`` with the conversation's local numbers (the message's
  ``country`` metadata, else ``BOT_COUNTRY``), with its alert, as the action server would;
- for ``action_forget_me``: the usual confirmation (phrase ``forgotten``), because the
  tracker store erases the conversation whether or not the action server answered (the
  channel sends it only once the store has checked that nothing is left);
- otherwise: "I can't look that up right now, please try again", with the disclaimer.

The fact set and the numbers are loaded once, at start-up (:func:`load`), so composing a
reply needs no file and no server. The channels send the replies for a conversation that
could not be saved from here too (:func:`not_saved_messages`, used by
:mod:`bot.channels.delivery`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import answers, knowledge
from bot.emergency_numbers import conversation_country
from bot.knowledge import Knowledge
from bot.launch.settings import Settings
from bot.rasa.tracker_store import FORGET_ACTION
from bot.safety import RED_FLAG_ENTITY, Alarm, SafetyRules, default_rules

if TYPE_CHECKING:
    from rasa.shared.core.trackers import DialogueStateTracker


@dataclass(frozen=True)
class FallbackReplies:
    """The replies sent in place of a failed action, from the fact set."""

    unavailable: str
    knowledge: Knowledge
    rules: SafetyRules
    not_saved: str
    not_forgotten: str
    country: str | None = None  # the operator's BOT_COUNTRY, for messages that name none
    forgotten: str | None = None  # the erasure confirmation, when the fact set has one

    @classmethod
    def load(cls, country: str | None = None) -> FallbackReplies:
        """The replies from ``bot/knowledge`` (a broken file fails here)."""
        facts = knowledge.default()
        return cls(
            unavailable=answers.medical(facts, [facts.phrases["action_unavailable"]]).text,
            knowledge=facts,
            rules=default_rules(),
            not_saved=facts.phrases["not_saved"],
            not_forgotten=facts.phrases["not_forgotten"],
            country=country,
            forgotten=facts.phrases.get("forgotten"),
        )

    def message(
        self,
        alarms: Iterable[Alarm],
        action: str = "",
        country: str | None = None,
        groups: Iterable[str] = (),
    ) -> dict[str, Any]:
        """The message in place of ``action``: safety guidance first, then the others.

        ``country`` and ``groups`` (the rule groups that fired) choose the numbers. The
        guidance carries its alert and keys as the action server's would.
        """
        answer = self.guidance_answer(alarms, country, groups)
        if answer is not None:
            return answers.as_message(answer)
        if action == FORGET_ACTION and self.forgotten:
            return {"text": self.forgotten}
        return {"text": self.unavailable}

    def guidance_answer(
        self, alarms: Iterable[Alarm], country: str | None = None, groups: Iterable[str] = ()
    ) -> answers.Answer | None:
        """The emergency or crisis guidance for ``alarms``, or None when none was raised."""
        raised = set(alarms)
        if not raised:
            return None
        return answers.safety_answer(
            self.knowledge, self.rules, raised, country=country, groups=groups
        )

    def guidance(
        self, alarms: Iterable[Alarm], country: str | None = None, groups: Iterable[str] = ()
    ) -> str | None:
        """The guidance's text, or None when no alarm was raised."""
        answer = self.guidance_answer(alarms, country, groups)
        return answer.text if answer is not None else None

    def unsaved(
        self,
        alarms: Iterable[Alarm],
        erasure: bool = False,
        country: str | None = None,
        groups: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        """The messages when a conversation could not be saved (or erased, ``erasure``).

        The emergency or crisis guidance comes first when the message raised an alarm,
        with its alert and keys as the action server's.
        """
        guidance = self.guidance_answer(alarms, country, groups)
        notice = {"text": self.not_forgotten if erasure else self.not_saved}
        if guidance is None:
            return [notice]
        return [answers.as_message(guidance), notice]


def alarms_in(tracker: DialogueStateTracker) -> set[Alarm]:
    """The alarms the latest message raised: its intent and its ``red_flag`` entities."""
    latest = tracker.latest_message
    if latest is None:
        return set()
    names = {str((latest.intent or {}).get("name") or "")}
    names.update(group.split(".", 1)[0] for group in red_flags_in(tracker))
    return {alarm for alarm in Alarm if alarm.value in names}


def red_flags_in(tracker: DialogueStateTracker) -> list[str]:
    """The safety rule groups that fired on the latest message ("emergency.overdose")."""
    latest = tracker.latest_message
    return [
        str(entity.get("value", ""))
        for entity in (latest.entities or [] if latest is not None else [])
        if entity.get("entity") == RED_FLAG_ENTITY
    ]


_replies: FallbackReplies | None = None


def replies() -> FallbackReplies:
    """The replies, loaded on first use if :func:`load` did not run."""
    global _replies
    if _replies is None:
        _replies = FallbackReplies.load(Settings.from_env().country)
    return _replies


def _country(tracker: DialogueStateTracker | None) -> str | None:
    latest = tracker.latest_message if tracker is not None else None
    return conversation_country(latest.metadata if latest else None, replies().country)


def fallback_message(tracker: DialogueStateTracker, action: str = "") -> dict[str, Any]:
    """The message in place of ``action``, with its alert and keys where it has them."""
    alarms, groups = alarms_in(tracker), red_flags_in(tracker)
    return replies().message(alarms, action, _country(tracker), groups)


def not_saved_messages(
    tracker: DialogueStateTracker | None, erasure: bool = False
) -> list[dict[str, Any]]:
    """The messages when ``tracker`` (the message's conversation) could not be saved."""
    if tracker is None:
        return replies().unsaved((), erasure, _country(None))
    alarms, groups = alarms_in(tracker), red_flags_in(tracker)
    return replies().unsaved(alarms, erasure, _country(tracker), groups)


def load(country: str | None = None) -> FallbackReplies:
    """Load the replies now, for ``country`` (``BOT_COUNTRY``); a broken fact file fails here.

    Returns:
        The replies that will be sent.
    """
    global _replies
    _replies = FallbackReplies.load(country)
    return _replies
