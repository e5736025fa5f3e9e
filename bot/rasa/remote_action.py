"""The bot's custom actions as Rasa runs them: bounded, checked quickly, never silent.

Every answer comes from a custom action on the action server. :class:`SafeRemoteAction`
is Rasa's ``RemoteAction`` with four differences:

- it waits at most ``ACTION_TIMEOUT_SECONDS`` (default 5) for the action server, instead
  of Rasa's five minutes;
- it checks the reply with the process's one prebuilt validator
  (:mod:`bot.rasa.reply_check`), instead of rebuilding the schema for every reply;
- it calls the action server over a kept-open session (:mod:`bot.rasa.sessions`), which
  the Rasa server closes when it stops (:mod:`bot.rasa.server_hooks`);
- when the action server cannot be reached, times out or answers with an error, it sends
  the safe reply of :mod:`bot.rasa.fallback` instead of nothing. The next message goes to
  the action server again, so the conversation resumes by itself.

Rasa 3.6 has no setting or hook for the class of custom actions: ``action_for_name_or_text``
(and ``ActionExtractSlots``) create them by the module's name ``RemoteAction``.
:func:`install` rebinds that name, the one run-time change to a Rasa module in this
project. Forms would still get Rasa's own class (``rasa.core.actions.forms`` imported the
name before); the domain has none.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from rasa.core.actions.action import (
    ActionExecutionRejection,
    RemoteAction,
    create_bot_utterance,
)

from bot.launch.settings import Settings
from bot.rasa import fallback
from bot.rasa.reply_check import check_reply, prebuilt_validator
from bot.rasa.sessions import KeptAliveEndpoint, SessionPool

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)
# Rasa's own class, whatever :func:`install` rebinds rasa's module name to
RasaRemoteAction: type[RemoteAction] = RemoteAction


class SafeRemoteAction(RemoteAction):
    """Rasa's custom action with a short timeout, a quick reply check and a safe fallback."""

    timeout_seconds: ClassVar[float] = Settings().action_timeout_seconds
    sessions: ClassVar[SessionPool] = SessionPool()  # shared by every action in the process

    def __init__(self, name: str, action_endpoint: EndpointConfig | None) -> None:
        """The action ``name``, called at ``action_endpoint`` through a kept session."""
        if action_endpoint is not None:
            action_endpoint = KeptAliveEndpoint(
                action_endpoint, self.sessions, self.timeout_seconds
            )
        super().__init__(name, action_endpoint)

    @classmethod
    def configure(cls, settings: Settings) -> None:
        """Take the timeout from ``settings``; load the fallback replies and build the check.

        A broken fact file so stops start-up, rather than the first failed action.
        """
        cls.timeout_seconds = settings.action_timeout_seconds
        fallback.load(settings.country)
        prebuilt_validator()

    def _validate_action_result(self, result: dict[str, Any]) -> bool:
        """Rasa's check of the reply, with the prebuilt validator."""
        return check_reply(result)

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
            return [create_bot_utterance(fallback.fallback_message(tracker, self.name()))]


def describe(error: BaseException) -> str:
    """The error's type and (shortened) message, for the log."""
    message = str(error)
    return f"{type(error).__name__}: {message[:200]}" if message else type(error).__name__


def install(settings: Settings) -> None:
    """Make Rasa create every custom action as :class:`SafeRemoteAction`.

    Call it before ``rasa run`` starts (the launcher does).
    """
    import rasa.core.actions.action as action_module

    SafeRemoteAction.configure(settings)
    # The one overwrite of Rasa: it has no hook for the class of custom actions.
    action_module.RemoteAction = SafeRemoteAction


def is_installed() -> bool:
    """Whether Rasa creates custom actions as :class:`SafeRemoteAction`, asked of Rasa."""
    from rasa.core.actions.action import action_for_name_or_text
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import EndpointConfig

    probe = "action_probe"
    domain = Domain.from_dict({"actions": [probe]})
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")  # never called
    return isinstance(action_for_name_or_text(probe, domain, endpoint), SafeRemoteAction)
