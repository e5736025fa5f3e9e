"""The listener ``rasa run`` gets through Rasa's plugin hooks: sessions closed on stop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import rasa.core.run
from rasa.__main__ import create_argument_parser
from rasa.plugin import plugin_manager
from rasa.shared.utils.common import minimal_kwargs
from rasa.utils.endpoints import EndpointConfig

from bot.rasa import server_hooks
from bot.rasa.remote_action import SafeRemoteAction
from bot.rasa.sessions import KeptAliveEndpoint
from tests.bot.rasa.stand_in import serve

CLOSE = (server_hooks.close_action_sessions, "after_server_stop")


@pytest.fixture
def registered() -> Iterator[None]:
    """The plugin registered as the launcher registers it, unregistered after."""
    manager = plugin_manager()
    already = manager.is_registered(server_hooks.PLUGIN)
    server_hooks.install()
    server_hooks.install()  # twice is harmless
    yield
    if not already:
        manager.unregister(server_hooks.PLUGIN)


def test_rasa_run_hands_the_listener_to_the_server_it_serves(registered: None) -> None:
    arguments = create_argument_parser().parse_args(["run", "--model", "models/x.tar.gz"])
    plugin_manager().hook.configure_commandline(cmdline_arguments=arguments)  # as rasa does
    served = minimal_kwargs(vars(arguments), rasa.core.run.serve_application)  # rasa.api.run
    assert served["server_listeners"].count(CLOSE) == 1
    assert server_hooks.is_installed()


def test_without_the_plugin_rasa_run_has_no_such_listener() -> None:
    assert not server_hooks.is_installed()


async def test_the_listener_closes_the_kept_sessions() -> None:
    server, listener = await serve()
    async with listener:
        endpoint = KeptAliveEndpoint(EndpointConfig(server.url), SafeRemoteAction.sessions, 5)
        await endpoint.request(json={})
        assert server.open_connections == 1
        await server_hooks.close_action_sessions(None, asyncio.get_running_loop())
        await asyncio.sleep(0.1)
        assert len(SafeRemoteAction.sessions) == 0 and server.open_connections == 0
