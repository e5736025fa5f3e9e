"""A short, safe reply when the action server is down, slow or failing.

Every answer comes from a custom action. When the action server cannot be reached, times
out (``ACTION_TIMEOUT_SECONDS``) or answers with an error, Rasa 3.6 logs the error and
sends the patient nothing (``MessageProcessor._run_action`` swallows it; Rasa has no
setting for this, RasaHQ/rasa#7630). :func:`install` makes the Rasa server in this process
run custom actions as :class:`FallbackRemoteAction`, which sends instead:

- for a red-flag message (intent ``emergency``/``crisis`` or a ``red_flag`` entity, set by
  ``bot.nlu.red_flag_classifier``): the emergency or crisis guidance of
  ``bot/knowledge/safety.yml`` with the conversation's local numbers (the message's
  ``country`` metadata, else ``BOT_COUNTRY``), with its alert, as the action server would;
- for ``action_forget_me``: the usual confirmation (phrase ``forgotten``), because the
  tracker store erases the conversation whether or not the action server answered;
- otherwise: "I can't look that up right now, please try again", with the disclaimer.

The fact set and the numbers are loaded once, at start-up, so composing a reply needs no
file and no server.
The next message goes to the action server again, so the conversation resumes by itself.

Rasa offers no setting or hook for an action's error path, so :func:`install` rebinds
``rasa.core.actions.action.RemoteAction``, the name ``action_for_name_or_text`` uses to
create custom actions, to the subclass. ``tests/reliability`` checks that this still
holds for the installed Rasa.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rasa.core.actions.action import (
    ActionExecutionRejection,
    RemoteAction,
    create_bot_utterance,
)

from bot import answers, knowledge
from bot.emergency_numbers import conversation_country
from bot.knowledge import Knowledge
from bot.launch.settings import Settings
from bot.safety import Alarm, SafetyRules, default_rules
from bot.tracker_store import FORGET_ACTION

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

RED_FLAG_ENTITY = "red_flag"  # as set by bot.nlu.red_flag_classifier


@dataclass(frozen=True)
class FallbackReplies:
    """The replies sent in place of a failed action, from the fact set."""

    unavailable: str
    knowledge: Knowledge
    rules: SafetyRules
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
        raised = set(alarms)
        if raised:
            answer = answers.safety_answer(
                self.knowledge, self.rules, raised, country=country, groups=groups
            )
            return {"text": answer.text, **answers.message_data(answer)}
        if action == FORGET_ACTION and self.forgotten:
            return {"text": self.forgotten}
        return {"text": self.unavailable}


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


class FallbackRemoteAction(RemoteAction):
    """A custom action that sends a short safe reply when the action server fails."""

    async def run(
        self,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> list[Event]:
        """Run the action on the action server; on failure, return the fallback reply."""
        try:
            events: list[Event] = await super().run(output_channel, nlg, tracker, domain)
            return events
        except ActionExecutionRejection:
            raise  # the action declined to run: Rasa predicts another one
        except Exception as error:
            logger.error(
                "The action server did not run '%s' (%s); sent the fallback reply.",
                self.name(),
                describe(error),
            )
            return [create_bot_utterance(fallback_message(tracker, self.name()))]


def describe(error: BaseException) -> str:
    """The error's type and (shortened) message, for the log."""
    message = str(error)
    return f"{type(error).__name__}: {message[:200]}" if message else type(error).__name__


def fallback_message(tracker: DialogueStateTracker, action: str = "") -> dict[str, Any]:
    """The message in place of ``action`` (the fact set is loaded on first use if need be)."""
    global _replies
    if _replies is None:
        _replies = FallbackReplies.load(Settings.from_env().country)
    latest = tracker.latest_message
    country = conversation_country(latest.metadata if latest else None, _replies.country)
    return _replies.message(alarms_in(tracker), action, country, red_flags_in(tracker))


def install() -> FallbackReplies:
    """Make the Rasa server in this process use :class:`FallbackRemoteAction`.

    Call it before ``rasa run`` starts (the launcher does). It loads the fact set now,
    so a broken fact file stops start-up rather than the first failed action.

    Returns:
        The replies that will be sent.
    """
    global _replies
    import rasa.core.actions.action as action_module

    _replies = FallbackReplies.load(Settings.from_env().country)
    action_module.RemoteAction = FallbackRemoteAction
    return _replies
