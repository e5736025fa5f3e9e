"""What the Rasa server does when it stops, added through Rasa's plugin hooks.

``rasa run`` passes its command line to the ``configure_commandline`` hook of every plugin
registered with Rasa's plugin manager (``rasa.plugin``) and hands ``server_listeners``
from it to the Sanic app it serves. :data:`PLUGIN` adds one listener there: after the
server stops, the kept sessions to the action server are closed
(:meth:`bot.rasa.sessions.SessionPool.close`), so no connection is left half-open and
aiohttp has no unclosed session to warn about.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

import pluggy

from bot.rasa.remote_action import SafeRemoteAction

logger = logging.getLogger(__name__)

hookimpl = pluggy.HookimplMarker("rasa")
STOP = "after_server_stop"  # the Sanic event


async def close_action_sessions(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    """Close the kept sessions to the action server (a Sanic ``after_server_stop`` listener)."""
    closed = await SafeRemoteAction.sessions.close()
    logger.info("Closed %d kept session(s) to the action server.", closed)


class ServerListeners:
    """A Rasa plugin that adds this bot's listeners to the server ``rasa run`` starts."""

    @hookimpl
    def configure_commandline(self, cmdline_arguments: argparse.Namespace) -> None:
        """Add :func:`close_action_sessions` to ``server_listeners``."""
        listeners = list(getattr(cmdline_arguments, "server_listeners", None) or [])
        if (close_action_sessions, STOP) not in listeners:
            listeners.append((close_action_sessions, STOP))
        cmdline_arguments.server_listeners = listeners


PLUGIN = ServerListeners()


def install() -> None:
    """Register :data:`PLUGIN` with Rasa's plugin manager (once)."""
    from rasa.plugin import plugin_manager

    manager = plugin_manager()
    if not manager.is_registered(PLUGIN):
        manager.register(PLUGIN, name="lems-bot-server-listeners")


def is_installed() -> bool:
    """Whether ``rasa run`` would now close the sessions on stop, asked of Rasa's hook."""
    from rasa.plugin import plugin_manager

    arguments = argparse.Namespace()
    plugin_manager().hook.configure_commandline(cmdline_arguments=arguments)
    return (close_action_sessions, STOP) in (getattr(arguments, "server_listeners", None) or [])
