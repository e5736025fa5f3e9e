"""The changes the bot makes to how Rasa runs, in one list, each with a check.

The launcher (:func:`bot.launch.rasa_server.prepare`) installs :data:`CHANGES` before
``rasa run``, and ``bench/profile_handling.py`` installs them to profile the bot as it
runs. Each :attr:`RasaChange.is_active` asks Rasa (or Sanic) itself whether the change is
in effect, however it was made: ``tests/bot/launch/test_rasa_server.py`` finds each one
failing in a fresh process and passing once the launcher has prepared it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from bot.launch.settings import Settings
from bot.rasa import remote_action, server_hooks


@dataclass(frozen=True)
class RasaChange:
    """One change to how Rasa runs: what it does, how to make it, how to see it works."""

    name: str
    install: Callable[[Settings], None]
    is_active: Callable[[], bool]


def _cap_request_size(settings: Settings) -> None:
    from bot.channels.rest import limit_request_size

    limit_request_size()  # SANIC_REQUEST_MAX_SIZE, for this process only


def _request_size_capped() -> bool:
    """Whether a Sanic app made now takes the cap (Sanic reads it when the app is made)."""
    from sanic.config import Config

    from bot.channels.rest import REQUEST_LIMIT_VARIABLE

    raw = os.environ.get(REQUEST_LIMIT_VARIABLE, "")
    return raw.isdigit() and int(raw) == Config().REQUEST_MAX_SIZE


SAFE_CUSTOM_ACTIONS = RasaChange(
    "custom actions as bot.rasa.remote_action.SafeRemoteAction (timeout, quick reply check, "
    "kept session, safe reply)",
    remote_action.install,
    remote_action.is_installed,
)
SESSIONS_CLOSED_ON_STOP = RasaChange(
    "kept sessions to the action server closed when the server stops",
    lambda settings: server_hooks.install(),
    server_hooks.is_installed,
)
REQUEST_SIZE_CAPPED = RasaChange(
    "request bodies capped (SANIC_REQUEST_MAX_SIZE)", _cap_request_size, _request_size_capped
)
CHANGES: tuple[RasaChange, ...] = (
    SAFE_CUSTOM_ACTIONS,
    SESSIONS_CLOSED_ON_STOP,
    REQUEST_SIZE_CAPPED,
)


def install_all(settings: Settings) -> list[str]:
    """Install every change of :data:`CHANGES`; their names."""
    for change in CHANGES:
        change.install(settings)
    return [change.name for change in CHANGES]


def inactive() -> list[str]:
    """The names of the changes not in effect in this process."""
    return [change.name for change in CHANGES if not change.is_active()]
